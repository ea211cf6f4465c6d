"""Resultat i årskurs 9: meritvärde, alla ämnen och behörighet per skolenhet och för kommunen."""

from dashboards.indicator_page import render

render(
    "betyg_ak9",
    "Resultat i årskurs 9",
    "Slutbetyg på vårterminen i årskurs 9, beräknade ur kommunens egna betygsexporter med Skolverkets "
    "och Koladas definitioner. År = kalenderåret då läsåret slutar (läsår 2023/24 → 2024).",
)
