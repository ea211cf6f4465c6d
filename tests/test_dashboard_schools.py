"""The Skolor and Årshjul pages (AppTest) on a small serving snapshot built here from the marts' contracts
(tests/contract_tables.py): a school's indicators beside the kommun and riket with n, '..' and trend, its
pupils and background, value added and similar units; a rektor sees only their own school; Översikt links each
school to its page; the Årshjul's statuses inne / gammal / saknas computed from what the snapshot holds on a day
of the test's choosing."""

from __future__ import annotations

import os
from datetime import date, datetime

import duckdb
import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboards import arshjul, inventory
from skolanalys.settings import DEMO_PSEUDONYM_KEY
from tests.browser.snapshot import add_kolada_freshness
from tests.browser.snapshot_goals import add_goals
from tests.conftest import REPO
from tests.contract_tables import contract, create_table
from tests.dashboard_helpers import REKTOR_ROLES, login_with_roles, serve_snapshot

KOMMUN = {"level": "kommun", "unit_code": "1261", "unit_name": "Kävlinge"}
EKBACKE = {"level": "skolenhet", "unit_code": "11110001", "unit_name": "Ekbackeskolan"}
FURULUND = {"level": "skolenhet", "unit_code": "22220002", "unit_name": "Furulundsskolan"}
KORSBACKA = {"level": "skolenhet", "unit_code": "33330003", "unit_name": "Korsbackaskolan"}
RIKET = {"level": "riket", "unit_code": "0000", "unit_name": "Riket"}
SKOLOR = "app_pages/skolor.py"
ARSHJUL = "app_pages/arshjul.py"


def _sy(year: int) -> str:
    return f"{year - 1}/{year % 100:02d}"


def _value(indicator: str, unit: dict, year: int, value, n=None, status: str = "", source: str = "local") -> dict:
    return {
        "indicator_id": indicator,
        **unit,
        "year": year,
        "school_year": _sy(year),
        "gender": "T",
        "value": value,
        "n": n,
        "status": status,
        "source": source,
        "min_n": 10 if source == "local" else None,
    }


def indicator_rows() -> list[dict]:
    rows = []
    merit = {2022: (228.0, 225.0), 2023: (230.5, 226.0), 2024: (231.0, 228.0), 2025: (233.15, 229.8)}
    for year, (value, kommun) in merit.items():
        rows.append(_value("N15505", EKBACKE, year, value, 44))
        rows.append(_value("N15505", FURULUND, year, value - 12.0, 38))
        rows.append(_value("N15505", KOMMUN, year, kommun, 160))
        rows.append(_value("N15505", KORSBACKA, year, None, None, ".."))
        rows.append(_value("N15505", KOMMUN, year, 240.5, None, "", "kolada"))  # Kolada's: not the own one
    rows.append(_value("N15419", EKBACKE, 2025, 81.25, 44))
    rows.append(_value("N15419", KOMMUN, 2025, 79.8, 160))
    rows.append(_value("N15419", RIKET, 2024, 77.7, None, "", "kolada"))
    rows.append(_value("N15419", KORSBACKA, 2025, None, None, ".."))
    for year, value in ((2024, 6.8), (2025, 6.2)):
        rows.append(_value("SKA_FRV_TOTAL", EKBACKE, year, value, 412))
        rows.append(_value("SKA_FRV_TOTAL", KOMMUN, year, 6.5, 1204))
    rows.append(_value("SKA_ENK_ELEV_TRYGGHET", EKBACKE, 2025, 86.4, 120))
    rows.append(_value("SKA_ENK_ELEV_TRYGGHET", KORSBACKA, 2025, None, None, ".."))
    rows.append(_value("SKA_ENK_ELEV_TRYGGHET", KOMMUN, 2025, 84.6, 480))
    return rows


def build(data_dir) -> None:
    con = duckdb.connect(str(data_dir / "serving.duckdb"))
    catalogue = [
        ("N15505", "Meritvärde åk 9, genomsnitt (17 ämnen)", "poäng", True, 10, "betyg_ak9", "kolada"),
        ("N15419", "Uppnått betygskriterierna i alla ämnen åk 9, andel (%)", "procent", True, 20, "betyg_ak9",
         "kolada"),
        ("SKA_FRV_TOTAL", "Frånvaro, andel av schemalagd tid (%)", "procent", False, 100, "franvaro", "local"),
        ("SKA_ENK_ELEV_TRYGGHET", "Elevenkät, trygghet: andel positiva svar (%)", "procent", True, 230, "enkater",
         "local"),
    ]  # fmt: skip
    create_table(
        con,
        "indicators",
        [
            {"indicator_id": i, "title_sv": t, "unit": u, "higher_is_better": b, "description": f"Om {t}.",
             "source": s, "sort_order": o, "topic": p}
            for i, t, u, b, o, p, s in catalogue
        ],
    )  # fmt: skip
    create_table(con, "indicator_values", indicator_rows())
    create_table(
        con,
        "benchmarking",
        [
            {"kpi_id": "N15505", "kpi_title": "Meritvärde åk 9", "unit": "poäng", "municipality_code": "1261",
             "year": year, "gender": "T", "value": v, "status": "", "riket_value": r, "riket_status": ""}
            for year, v, r in ((2024, 230.0, 223.9), (2025, 232.1, 224.5))
        ],
    )  # fmt: skip
    # Frånvaro: the school year 2024/25 is in up to period 2 (so period 3 is not: June's follow-up is 'gammal').
    periods = {0: "Hela läsåret", 1: "Period 1 (juli–december)", 2: "Period 2 (januari–mars)"}
    create_table(
        con,
        "attendance_by_period",
        [
            {**unit, "year": 2025, "school_year": "2024/25", "period": p, "period_name": name, "gender": "T",
             "n": n, "absence_pct": 6.2, "reporting_rate_pct": 95.5, "status": "", "min_n": 10}
            for p, name in periods.items()
            for unit, n in ((KOMMUN, 1204), (EKBACKE, 412))
        ],
    )  # fmt: skip
    create_table(
        con,
        "survey_results",
        [
            {"survey": "elevenkat_2025", "survey_type": "elevenkat", "school_year": "2024/25", "year": 2025,
             "area": "trygghet", "level": unit["level"], "unit_code": unit["unit_code"], "grade_level": "alla",
             "gender": "T", "share_positive": share, "index_value": share / 10, "n": n, "status": "", "min_n": 5}
            for unit, share, n in ((KOMMUN, 84.6, 480), (EKBACKE, 86.4, 120))
        ],
    )  # fmt: skip
    va = {"stage": "6-9", "model": "contextual", "outcome": "meritvarde", "gender": "T", "status": "", "min_n": 10}
    create_table(
        con,
        "value_added",
        [
            {**va, **EKBACKE, "cohort": 2024, "n": 40, "va": 10.5, "ci_low": 2.1, "ci_high": 18.9,
             "band": "above", "band_sv": "över"},
            {**va, **EKBACKE, "cohort": 2025, "n": 44, "va": 14.0, "ci_low": 6.4, "ci_high": 21.6,
             "band": "above", "band_sv": "över"},
            {**va, **EKBACKE, "cohort": None, "n": 84, "va": 12.5, "ci_low": 6.9, "ci_high": 18.1,
             "band": "above", "band_sv": "över"},
            {**va, **KORSBACKA, "cohort": 2025, "status": ".."},
            {**va, **KORSBACKA, "cohort": None, "status": ".."},
            {**va, **KOMMUN, "cohort": None, "n": 320, "va": 0.0},
        ],
    )  # fmt: skip
    create_table(
        con,
        "value_added_population",
        [
            {"stage": "6-9", "cohort": 2025, **EKBACKE, "gender": "T", "n": 44, "n_with_prior": 40,
             "n_newly_arrived": 3, "status": "", "min_n": 10},
            {"stage": "6-9", "cohort": 2025, **KORSBACKA, "gender": "T", "status": "..", "min_n": 10},
        ],
    )  # fmt: skip
    create_table(
        con,
        "equity_gaps",
        [
            {"year": 2025, "school_year": "2024/25", **EKBACKE, "outcome": "alla_amnen", "dimension": dimension,
             "group_a": a, "group_b": b, "n_a": n_a, "n_b": n_b, "n": min(n_a, n_b), "status": "", "min_n": 10}
            for dimension, a, b, n_a, n_b in (
                ("foraldrars_utbildning", "eftergymnasial", "ej eftergymnasial", 30, 14),
                ("nyanland", "ej nyanlända", "nyanlända", 34, 10),
            )
        ],
    )  # fmt: skip
    create_table(
        con,
        "similar_units",
        [
            {**{k: v for k, v in EKBACKE.items() if k != "level"}, "school_year": "2024/25", "n": 44,
             "parents_education": 2.31, "share_boys": 50.5, "rank": rank, "similar_unit_code": code,
             "similar_unit_name": name, "kommun": kommun, "status": "", "min_n": 10}
            for rank, code, name, kommun in (
                (1, "44440001", "Vallaskolan", "Lund"), (2, "44440002", "Södra skolan", "Lomma")
            )
        ],
    )  # fmt: skip
    create_table(
        con,
        "similar_units_comparison",
        [
            {"unit_code": "11110001", "unit_name": "Ekbackeskolan", "school_year": "2024/25", "year": 2025,
             "outcome": "meritvarde", "own_value": 233.15, "own_source": "local", "n": 44, "group_n": 10,
             "group_min": 215.3, "group_q1": 221.6, "group_median": 238.4, "group_q3": 247.9, "group_max": 252.1,
             "min_n": 10}
        ],
    )  # fmt: skip
    create_table(
        con,
        "data_quality_files",
        [
            {"folder": folder, "file_name": name, "outcome": "loaded", "outcome_sv": "inläst", "loaded_at": at}
            for folder, name, at in (
                ("franvaro", "franvaro_2024-25.csv", datetime(2025, 4, 2, 1, 0)),
                ("betyg", "betyg_2024-25_VT.csv", datetime(2025, 6, 25, 1, 0)),
                ("elever", "elever_2024-25.csv", datetime(2024, 9, 1, 1, 0)),
                ("enkater", "elevenkat_2025.csv", None),
            )
        ],
    )  # fmt: skip
    add_kolada_freshness(con, datetime(2025, 10, 1), 30, datetime(2025, 11, 1, 3, 0))
    # Not a mart: written by pipelines/assets/serving.py, every column varchar.
    con.execute(
        "create table snapshot_info as select '2025-07-01T02:00:00+00:00' as published_at, '1261' as kommunkod,"
        " 'skolor-test' as run_id"
    )
    con.close()


pytestmark = pytest.mark.usefixtures("login_off")


@pytest.fixture
def snapshot(tmp_path, monkeypatch):
    yield from serve_snapshot(tmp_path, monkeypatch, build)


def _rektor(snapshot, monkeypatch) -> dict:
    login_with_roles(snapshot, monkeypatch, REKTOR_ROLES)
    return {"is_logged_in": True, "email": "rektor@kommun.se"}


def _app(page: str, school: str | None = None, user: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(REPO / "dashboards" / "app.py"), default_timeout=60)
    if user is not None:
        at.user = user
    at.run()
    at.switch_page(page)
    if school is not None:
        at.query_params["skolenhet"] = school
    return at.run()


def _tables(at: AppTest) -> list[pd.DataFrame]:
    """The static tables as shown, no-break spaces (which keep '81,2 %' together) as plain spaces."""
    return [t.value.replace("\u00a0", " ", regex=True) for t in at.table]


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [w.value for w in at.warning]
    parts += [f"{m.label}: {m.value}" for m in at.metric] + [t.to_string() for t in _tables(at)]
    parts += [h.value for h in at.header] + [s.value for s in at.subheader]
    return "\n".join(parts).replace("\u00a0", " ")


def test_the_snapshot_has_the_marts_contracted_columns_and_types(tmp_path):
    build(tmp_path)
    con = duckdb.connect(str(tmp_path / "serving.duckdb"), read_only=True)
    for (name,) in con.execute("select table_name from information_schema.tables").fetchall():
        if name != "snapshot_info":
            described = [(c[0], c[1].lower()) for c in con.execute(f"describe {name}").fetchall()]
            assert described == list(contract(name)), name
    con.close()


# --- Skolor ----------------------------------------------------------------------------------------------


def test_a_school_with_its_indicators_beside_the_kommun_and_riket(snapshot):
    at = _app(SKOLOR)
    assert not at.exception
    assert at.title[0].value == "Skolor"
    assert at.selectbox[0].value == "11110001"  # the first school by name
    assert at.header[0].value == "Ekbackeskolan"
    assert at.query_params["skolenhet"] == "11110001"  # the address names the school: it can be shared
    results, absence, survey, value_added, similar = _tables(at)
    assert list(results.columns) == [
        "Indikator",
        "2022",
        "2023",
        "2024",
        "2025",
        "Elever 2025",
        "Kommunen 2025",
        "Riket",
        "Trend",
    ]
    merit = results.set_index("Indikator").loc["Meritvärde åk 9, genomsnitt (17 ämnen)"]
    # The own computation (not Kolada's) for the kommun; riket from Kolada's benchmarking of the same KPI.
    assert (merit["2022"], merit["2025"], merit["Elever 2025"]) == ("228,0", "233,2", "44")
    assert (merit["Kommunen 2025"], merit["Riket"]) == ("229,8", "224,5")
    assert merit["Trend"] == "↑ förbättring sedan 2022 (+5,2)"
    alla = results.set_index("Indikator").loc["Uppnått betygskriterierna i alla ämnen åk 9, andel (%)"]
    assert (alla["2025"], alla["2024"], alla["Riket"]) == ("81,2 %", ".", "77,7 % (2024)")  # riket of the year before
    frv = absence.iloc[0]
    # Lower is better: a fall is an improvement. The warehouse's own indicators have no riket.
    assert (frv["2025"], frv["Riket"], frv["Trend"]) == ("6,2 %", "saknas", "↓ förbättring sedan 2024 (-0,6)")
    assert list(survey.columns)[-4:] == ["Svarande 2025", "Kommunen 2025", "Riket", "Trend"]
    text = _texts(at)
    assert "Skolenhetskod 11110001 · Kävlinge kommun" in text
    assert "uppgift saknas" in text  # '.' explained
    links = {link.label: link.proto.page for link in at.get("page_link")}
    assert links["Alla skolenheter – se Resultat"].endswith("resultat")
    assert links["Alla skolenheter – se Frånvaro"].endswith("franvaro")


def test_the_schools_pupils_background_value_added_and_similar_units(snapshot):
    at = _app(SKOLOR, "11110001")
    metrics = {m.label: m.value.replace("\u00a0", " ") for m in at.metric}
    assert metrics == {
        "Elever läsåret 2024/25": "412",
        "Elever med betyg i åk 9, 2025": "44",
        "Föräldrar med eftergymnasial utbildning": "68,2 %",  # 30 of 44
        "Nyanlända": "6,8 %",  # 3 of 44
    }
    text = _texts(at)
    assert "Föräldrarnas utbildningsnivå i årskurs 7–9 läsåret 2024/25: 2,3 i genomsnitt" in text
    value_added, similar = _tables(at)[-2:]
    row = value_added.iloc[0]
    assert row["Mått"] == "Årskurs 6 → 9, meritvärde"
    assert (row["Årskull 2024"], row["Årskull 2025"]) == ("+10,5 (+2,1 till +18,9)", "+14,0 (+6,4 till +21,6)")
    assert (row["Alla årskullar"], row["Nivå"], row["Elever"]) == ("+12,5 (+6,9 till +18,1)", "över", "84")
    merit = similar.iloc[0]
    assert (merit["Skolan"], merit["Liknande skolenheter, median"]) == ("233,2", "238,4")
    assert merit["Mittersta hälften"] == "221,6 – 247,9"
    assert "Mest lika: Vallaskolan (Lund), Södra skolan (Lomma)." in text


def test_a_suppressed_school_shows_dots_never_zero(snapshot):
    at = _app(SKOLOR, "33330003")
    assert not at.exception
    assert at.header[0].value == "Korsbackaskolan"
    results = _tables(at)[0].set_index("Indikator")
    assert set(results.loc["Meritvärde åk 9, genomsnitt (17 ämnen)", ["2022", "2025", "Elever 2025"]]) == {".."}
    assert results.loc["Meritvärde åk 9, genomsnitt (17 ämnen)", "Kommunen 2025"] == "229,8"
    text = _texts(at)
    assert "färre än 10 elever" in text
    assert "färre än 5 svarande" in text  # the survey table's own legend
    assert "Elever med betyg i åk 9, 2025: .." in text
    value_added = _tables(at)[-1]
    assert value_added.iloc[0]["Alla årskullar"] == ".." and value_added.iloc[0]["Nivå"] == ".."
    assert "0,0" not in text


def test_a_rektor_sees_only_their_own_school(snapshot, monkeypatch):
    user = _rektor(snapshot, monkeypatch)
    at = _app(SKOLOR, user=user)
    assert not at.exception
    assert at.selectbox[0].options == ["Ekbackeskolan (11110001)"]
    text = _texts(at)
    assert "229,8" in text  # the kommun as context
    for other in ("Furulundsskolan", "22220002", "Korsbackaskolan", "33330003"):
        assert other not in text
    # Another school's address: a message, never its rows.
    at = _app(SKOLOR, "22220002", user=user)
    assert "Skolenheten 22220002 finns inte bland de skolenheter du kan se" in at.warning[-1].value
    assert at.header[0].value == "Ekbackeskolan"
    assert "Furulundsskolan" not in _texts(at)


def test_oversikt_links_each_school_of_a_goal_to_its_page(snapshot):
    con = duckdb.connect(str(snapshot / "serving.duckdb"))
    add_goals(con)
    con.close()
    st.cache_data.clear()
    at = AppTest.from_file(str(REPO / "dashboards" / "app.py"), default_timeout=60).run()
    assert not at.exception
    links = {link.label: link.proto for link in at.get("page_link") if "Skolor" in link.label}
    assert links["Ekbackeskolan – se Skolor"].page.endswith("skolor")
    assert links["Ekbackeskolan – se Skolor"].query_string == "skolenhet=11110001"
    assert "Korsbackaskolan – se Skolor" in links


# --- Årshjul ---------------------------------------------------------------------------------------------


def test_the_wheels_rules_on_a_day():
    day = date(2025, 7, 15)
    assert arshjul.occurrence(12, day) == date(2024, 12, 1) and arshjul.occurrence(7, day) == date(2025, 7, 1)
    assert arshjul.school_year_of(date(2024, 12, 1)) == 2025 and arshjul.school_year_of(date(2025, 6, 1)) == 2025
    assert arshjul.swedish_date(day) == "15 juli 2025"
    evidence = {"franvaro": arshjul.Evidence(2025, "P2")}
    rows = {(r.follow_up.key, r.month): r for r in arshjul.evaluate(day, evidence, {})}
    assert rows[("franvaro_period_1", 12)].status == "inne"  # December 2024: 2024/25 period 1 ≤ period 2
    assert rows[("franvaro_period_2", 3)].status == "inne"
    assert rows[("franvaro_period_3", 6)].status == "gammal"
    assert rows[("franvaro_period_3", 6)].needs[0].asked == "läsår 2024/25, period 3 (april–juni)"
    assert rows[("bedomningar_oktober", 10)].status == "saknas"
    # Every follow-up once per month it happens in, August first.
    assert [r.month for r in arshjul.evaluate(day, {}, {})][:3] == [8, 9, 9]
    assert {m for f in arshjul.WHEEL for m in f.months} == set(range(1, 13)) - {7, 11}


def test_arshjul_shows_what_is_in_and_what_is_missing(snapshot, monkeypatch):
    monkeypatch.setattr(arshjul, "today", lambda: date(2025, 7, 15))
    at = _app(ARSHJUL)
    assert not at.exception
    assert at.title[0].value == "Årshjul"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"✔ inne": "4", "◐ gammal": "1", "✖ saknas": "9"}
    text = _texts(at)
    assert "Läget 15 juli 2025" in text
    for month in ("Augusti", "December", "Januari", "Juni"):
        assert f"#### {month}" in text
    assert "Inga uppföljningar i årshjulet i november och juli." in text
    lines = {line.strip() for m in at.markdown for line in m.value.split("\n")}
    # Frånvaro period 1 (December 2024): the school year 2024/25 is in up to period 2.
    assert "- ✔ inne · **Frånvaro per period** · `franvaro/`" in lines
    assert (
        "behövs: läsår 2024/25, period 1 (juli–december) · senast inne: läsår 2024/25, period 2 (januari–mars)"
        " · inläst: 2025-04-02 kl. 03:00" in lines
    )  # the time in Swedish time
    # Period 3 (June) is not in yet: gammal. No national tests and no teachers' assessments at all: saknas.
    assert "- ◐ gammal · **Frånvaro per period** · `franvaro/`" in lines
    assert "- ✖ saknas · **Nationella prov** · `nationella_prov/`" in lines
    assert "- ✖ saknas · **Lärarnas bedömningar** · `bedomningar/`" in lines
    # HT grades by the date a grade file came (the snapshot serves no term-grade indicators).
    ht = "behövs: läsår 2024/25, höstterminen (en fil inläst från 1 december 2024) · inläst: 2025-06-25 kl. 03:00"
    assert ht in lines
    assert any("hämtad 2025-11-01 kl. 04:00, data per 2025-10-01" in line for line in lines)
    badges = [m.value for m in at.markdown if "-badge[" in m.value]
    assert badges.count(":green-badge[:material/check_circle: inne]") == 4
    assert badges.count(":red-badge[:material/cancel: saknas]") == 9
    pages = {link.proto.page.rsplit("/", 1)[-1] for link in at.get("page_link")}
    assert {"franvaro", "skolor", "", "enkater", "foradlingsvarde", "datakvalitet"} <= pages  # "": Översikt


def test_a_rektor_sees_the_arshjul_but_not_the_data_quality_link(snapshot, monkeypatch):
    monkeypatch.setattr(arshjul, "today", lambda: date(2025, 7, 15))
    at = _app(ARSHJUL, user=_rektor(snapshot, monkeypatch))
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["✔ inne"] == "4"
    assert not [link for link in at.get("page_link") if "Datakvalitet" in link.label]


def test_arshjul_lists_every_source_in_or_missing_with_its_load_time(snapshot, monkeypatch):
    monkeypatch.setattr(arshjul, "today", lambda: date(2025, 7, 15))
    at = _app(ARSHJUL)
    held = _tables(at)[0].set_index("Uppgifter")
    assert list(held.columns) == ["Status", "Var ifrån", "Senast inne", "Inläst"]
    assert held.loc["Frånvaro per period", "Status"] == "✔ inne"
    assert held.loc["Frånvaro per period", "Senast inne"] == "läsår 2024/25, period 2 (januari–mars)"
    assert held.loc["Lärarnas bedömningar", ["Status", "Senast inne", "Inläst"]].tolist() == [
        "✖ saknas",
        "inget publicerat",
        "aldrig",
    ]
    # The surveys are read whole at every run: a snapshot without their load time says so, never 'tid okänd'.
    assert held.loc["Enkätresultat", "Inläst"] == "vid varje körning, senast 2025-07-01 kl. 04:00"
    assert held.loc["Kolada: kommunen, riket och liknande kommuner", "Inläst"].startswith("hämtad 2025-11-01")
    text = _texts(at)
    assert "tid okänd" not in text
    assert "Saknas helt: Lärarnas bedömningar, Nationella prov" in text


# --- Datakvalitet ----------------------------------------------------------------------------------------

DATAKVALITET = "app_pages/datakvalitet.py"


def _reconciliation(data_dir, schools: bool) -> None:
    con = duckdb.connect(str(data_dir / "serving.duckdb"))
    base = {"indicator_id": "N15505", "gender": "T", "local_status": "", "official_status": ""}
    rows = [
        {**base, **KOMMUN, "year": 2024, "school_year": "2023/24", "local_value": 228.0, "local_n": 160,
         "official_source": "kolada", "official_source_sv": "Kolada (RKA)", "official_value": 230.0,
         "difference": -2.0},
        {**base, **KOMMUN, "year": 2025, "school_year": "2024/25", "local_value": 229.8, "local_n": 160,
         "official_source": "kolada", "official_source_sv": "Kolada (RKA)", "official_value": 229.3,
         "difference": 0.5},
    ]  # fmt: skip
    if schools:
        rows.append(
            {**base, **EKBACKE, "year": 2025, "school_year": "2024/25", "local_value": 233.15, "local_n": 44,
             "official_source": "siris", "official_source_sv": "Skolverket, SIRIS", "official_value": 231.65,
             "difference": 1.5}
        )  # fmt: skip
        rows.append(
            {**base, **KORSBACKA, "year": 2025, "school_year": "2024/25", "local_status": "..",
             "official_source": "siris", "official_source_sv": "Skolverket, SIRIS", "official_value": 201.0}
        )  # fmt: skip
    create_table(con, "reconciliation", rows)
    con.close()
    st.cache_data.clear()


def test_datakvalitet_shows_what_is_in_the_files_and_the_kommuns_reconciliation(snapshot):
    _reconciliation(snapshot, schools=False)
    at = _app(DATAKVALITET)
    assert not at.exception
    assert at.title[0].value == "Datakvalitet"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {
        "Filer inlästa": "4",
        "Filer som inte lästes in": "0",
        "Filer med rader i karantän": "0",
        "Rader i karantän": "0",
    }
    held = _tables(at)[0].set_index("Uppgifter")
    assert held.loc["Frånvaro per period", "Status"] == "✔ inne"
    assert held.loc["Lärarnas bedömningar", "Status"] == "✖ saknas"
    assert held.loc["SIRIS-rapporter från Skolverket", ["Status", "Senaste uppgifter"]].tolist() == [
        "✖ saknas",
        "inget publicerat",
    ]
    assert "Alla filer i landningsmappen kändes igen och lästes in" in at.success[0].value
    frames = [d.value for d in at.dataframe]
    rates = next(f for f in frames if f.index.name == "Enhet")
    assert rates.loc["Ekbackeskolan (11110001)", "Hela läsåret"] == "95,5 %"
    assert list(rates.columns) == ["Period 1", "Period 2", "Hela läsåret"]
    kommun = next(f for f in frames if "Egen beräkning" in f.columns)
    assert kommun[["År", "Egen beräkning", "Officiell", "Källa", "Skillnad"]].values.tolist() == [
        ["2024", "228,0", "230,0", "Kolada (RKA)", "-2,0"],
        ["2025", "229,8", "229,3", "Kolada (RKA)", "+0,5"],
    ]
    text = _texts(at)
    assert "2 jämförelser; skillnaden är i mitten (median) 1,2 och som störst -2,0" in text
    assert any("Inga officiella siffror per skolenhet i underlaget" in i.value for i in at.info)


def test_datakvalitet_reconciles_each_school_with_skolverkets_figure(snapshot):
    _reconciliation(snapshot, schools=True)
    at = _app(DATAKVALITET)
    assert not at.exception
    schools = [d.value for d in at.dataframe if "Enhet" in d.value.columns and "Egen beräkning" in d.value.columns]
    assert len(schools) == 1
    rows = schools[0].set_index("Enhet")
    assert rows.loc["Ekbackeskolan (11110001)", ["Egen beräkning", "Officiell", "Skillnad"]].tolist() == [
        "233,2",
        "231,7",
        "+1,5",
    ]
    # A hidden own value is '..', never 0; its difference cannot be counted ('.'); both codes explained.
    assert rows.loc["Korsbackaskolan (33330003)", ["Egen beräkning", "Elever", "Skillnad"]].tolist() == [
        "..",
        "..",
        ".",
    ]
    text = _texts(at)
    assert "färre än 10 elever" in text and "uppgift saknas" in text
    assert not any("Inga officiella siffror per skolenhet" in i.value for i in at.info)


# --- The national sources in words, and the demo ----------------------------------------------------------


def _fresh(ok: bool, message: str, as_of=datetime(2024, 12, 12), fetched=datetime(2025, 11, 1, 3, 0)) -> pd.Series:
    return pd.Series(
        {
            "source": "kolada",
            "data_as_of": as_of,
            "data_age_days": 30 if as_of else None,
            "last_successful_fetch": fetched,
            "last_attempt_ok": ok,
            "last_attempt_message": message,
        }
    )


def test_offline_national_data_are_demodata_in_the_demo_and_never_an_error():
    offline = "offline-läge (SKOLANALYS_OFFLINE=1) / offline mode [https://api.kolada.se/v3]"
    demo = inventory.national_state(_fresh(False, offline), demo=True)
    assert (demo.text, demo.failed) == ("demodata från 2024-12-12", False)
    installed = inventory.national_state(_fresh(False, offline), demo=False)
    assert installed.text == "offlineläge: senast hämtade uppgifter, data per 2024-12-12" and not installed.failed
    never = inventory.national_state(_fresh(False, offline, as_of=None, fetched=None), demo=True)
    assert never.text == "hämtas inte i demon (inga medföljande uppgifter)"
    failed = inventory.national_state(_fresh(False, "Kolada svarade 503 / service unavailable"), demo=True)
    assert failed.failed and failed.text.endswith("senaste försöket att hämta lyckades inte")
    fetched = inventory.national_state(_fresh(True, "ok"), demo=False)
    assert fetched.text == "hämtad 2025-11-01 kl. 04:00, data per 2024-12-12"


def test_the_demo_banner_shows_when_the_generators_truth_file_lies_beside_the_landing_folder(snapshot, monkeypatch):
    monkeypatch.setenv("SKOLANALYS_LANDING_DIR", str(snapshot / "landing"))
    monkeypatch.delenv("SKOLANALYS_PSEUDONYM_KEY", raising=False)
    at = _app(ARSHJUL)
    assert not any("Syntetiska demodata" in i.value for i in at.info)  # a real installation: no banner
    truth = snapshot / "ground_truth.json"
    truth.write_text('{"truth_version": 3, "kommunkod": "9999"}', encoding="utf-8")
    at = _app(ARSHJUL)
    assert not any("Syntetiska demodata" in i.value for i in at.info)  # another municipality's truth file
    truth.write_text('{"truth_version": 3, "kommunkod": "1261"}', encoding="utf-8")
    os.utime(truth, (1, 1))  # a new modification time: the dashboard reads the file again
    at = _app(ARSHJUL)
    assert any("Syntetiska demodata" in i.value for i in at.info)
    truth.unlink()
    monkeypatch.setenv("SKOLANALYS_PSEUDONYM_KEY", DEMO_PSEUDONYM_KEY)  # `skolanalys demo`
    at = _app(ARSHJUL)
    assert any("Syntetiska demodata" in i.value for i in at.info)
