"""Nationella prov: andel elever med lägst E på proven i årskurs 6 och 9, per ämne."""

from dashboards.indicator_page import render

render(
    "nationella_prov",
    "Nationella prov",
    "Andel elever med lägst provbetyget E på de nationella proven i årskurs 6 och 9, per ämne. Proven ställdes "
    "in våren 2020 och 2021: de åren saknas, de är inte noll.",
)
