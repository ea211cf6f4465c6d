"""Frånvaro: andel av schemalagd tid, giltig och ogiltig, elever över 10/15/50 % och rapporteringsgrad."""

from dashboards.indicator_page import render

render(
    "franvaro",
    "Frånvaro",
    "Frånvaro per läsår ur kommunens lektionsregistreringar: andel av schemalagd tid (giltig och ogiltig), "
    "andel elever över 10, 15 och 50 % frånvaro, och rapporteringsgraden — andelen lektioner där närvaro "
    "registrerats — som alltid ska läsas bredvid frånvarosiffrorna. Per period: se exporten attendance_by_period.",
)
