"""What Kolada's integer year of a KPI stands for (sources/kolada_kpis.yaml `period`), checked against Kolada's
own KPI descriptions and against real published figures — not against the configuration's own words.

Kolada writes the year of a result by the spring term of its school year (domain.md: läsår 2022/23 → 2023),
but a KPI measured on 15 October by the autumn it was measured in, and a cost by its calendar year. The
served label (indicator_values.school_year) follows the configuration (tests/test_demo.py checks it).
"""

from __future__ import annotations

import csv
import re

import polars as pl
import pytest

from skolanalys.settings import REPO_ROOT
from sources.national import kolada_api

REFERENCE = REPO_ROOT / "sources" / "reference"
CATALOGUE = REFERENCE / "kolada" / "kpi_catalogue_grundskola.csv"
DDF_DUMP = REFERENCE / "kolada" / "kolada_grundskola_values_1995_2022_from_ddf_dump.parquet"
SIRIS_PUPILS = "grundskola_antal_elever_per_arskurs_kommun_{autumn}.csv"


def period_from_kolada(title: str, description: str) -> str:
    """The period a KPI's catalogue entry describes, in Kolada's words."""
    if re.search(r"15e? oktober", description):
        return "hösten"
    if "kalenderår" in description or title.startswith("Kostnad"):  # costs: SCB's räkenskapsår
        return "kalenderår"
    return "läsår"


def test_each_configured_kpis_period_is_the_one_kolada_describes():
    with CATALOGUE.open(encoding="utf-8") as f:
        catalogue = {row["id"]: row for row in csv.DictReader(f)}
    config = kolada_api.load_kpi_config()
    periods = {k.id: k.period for k in config}
    described = {k.id: period_from_kolada(catalogue[k.id]["title"], catalogue[k.id]["description"]) for k in config}
    assert periods == described
    assert {"hösten", "kalenderår"} <= set(periods.values())  # the check sees all three kinds


def _siris_municipal_pupils(autumn: int) -> tuple[str, dict[str, float]]:
    """SIRIS 'Antal elever per årskurs' of one school year: its 'Valt läsår' and, per kommunkod, the pupils in
    åk 1–9 of the municipality's own schools (huvudman Kommunal)."""
    lines = (REFERENCE / "siris" / SIRIS_PUPILS.format(autumn=autumn)).read_text(encoding="utf-8-sig").splitlines()
    chosen = next(line.split(":", 1)[1].strip() for line in lines if line.startswith("Valt läsår"))
    header = next(i for i, line in enumerate(lines) if line.startswith("Kommun;"))
    rows = csv.DictReader(lines[header:], delimiter=";")
    pupils = {
        r["Kommun-kod"]: float(re.sub(r"\s", "", r["Elever, årskurs 1-9"]))
        for r in rows
        if r["Typ av huvudman"] == "Kommunal" and re.fullmatch(r"[\d\s]+", r["Elever, årskurs 1-9"] or "")
    }
    return chosen, pupils


@pytest.mark.parametrize("autumn", [2020, 2021, 2022])
def test_a_kpi_measured_on_15_october_has_the_autumns_year(autumn):
    """Kolada N15809 (pupils in the municipality's own schools, åk 1–9, measured on 15 October) for year Y equals
    Skolverket's count for läsår Y/Y+1 in every municipality — not the count for (Y−1)/Y."""
    chosen, siris = _siris_municipal_pupils(autumn)
    assert chosen == f"{autumn}/{(autumn + 1) % 100:02d}"
    kolada = pl.read_parquet(DDF_DUMP).filter((pl.col("kpi") == "N15809") & (pl.col("gender") == "T"))
    by_year = {
        y: dict(zip(g["municipality_id"], g["value"], strict=True))
        for (y,), g in kolada.group_by("year")
        if y in (autumn, autumn + 1)
    }
    same = [code for code, n in siris.items() if by_year[autumn].get(code) == n]
    assert len(siris) == 290 and len(same) == len(siris), (len(same), len(siris))
    if autumn + 1 in by_year:  # the spring-term reading would take the next year's figure: it is another
        shifted = [code for code, n in siris.items() if by_year[autumn + 1].get(code) == n]
        assert len(shifted) < 0.1 * len(siris)
