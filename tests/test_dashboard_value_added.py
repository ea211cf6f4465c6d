"""The Förädlingsvärde and Likvärdighet pages on a hand-built snapshot (tests/browser/snapshot.py with
tests/browser/snapshot_value_added.py): intervals beside every estimate, the Swedish explanation, '..' for
suppressed cells, a rektor who sees only their own school, and "Inga uppgifter ännu" on an older snapshot."""

from __future__ import annotations

import json

import duckdb
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO
from tests.contract_tables import create_table
from tests.dashboard_helpers import login_with_roles, serve_snapshot

VALUE_ADDED_PAGE = "app_pages/foradlingsvarde.py"
EQUITY_PAGE = "app_pages/likvardighet.py"
ROLES_YAML = """
users:
  rektor.ekbacken@kommun.se:
    role: rektor
    skolenheter: ["11110001"]
"""


pytestmark = pytest.mark.usefixtures("login_off")


@pytest.fixture
def snapshot(tmp_path, monkeypatch):
    yield from serve_snapshot(tmp_path, monkeypatch)


def _page(page: str, user: dict | None = None) -> AppTest:
    """The page alone (open mode), or through app.py's navigation as a logged-in `user`."""
    if user is None:
        at = AppTest.from_file(str(REPO / "dashboards" / page), default_timeout=60).run()
    else:
        at = AppTest.from_file(str(REPO / "dashboards" / "app.py"), default_timeout=60)
        at.user = user
        at.run()
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _table(at: AppTest, *columns: str):
    """The first data frame on the page with all these columns."""
    for frame in at.dataframe:
        if set(columns) <= set(frame.value.columns):
            return frame.value
    raise AssertionError(f"no table with {columns}")


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def _marks(spec: dict) -> list[tuple[str, dict]]:
    """Every (mark type, encoding) of a chart, layers included."""
    found = []
    for layer in spec.get("layer", [spec]):
        if "layer" in layer:
            found += _marks(layer)
            continue
        mark = layer.get("mark")
        found.append((mark["type"] if isinstance(mark, dict) else mark, layer.get("encoding", {})))
    return found


def _everything_shown(at: AppTest) -> str:
    """The page's text, tables, widget options and chart data, for looking for what must not be there."""
    parts = [e.value for kind in ("title", "subheader", "caption", "markdown", "info") for e in getattr(at, kind)]
    parts += [frame.value.to_string() for frame in at.dataframe]
    parts += [str(option) for box in at.selectbox for option in box.options]
    parts += [str(option) for box in at.multiselect for option in box.options]
    for chart in at.get("vega_lite_chart"):
        parts.append(chart.proto.spec)
        parts += [dataset.data.data.decode("utf-8", "replace") for dataset in chart.proto.datasets]
    return "\n".join(parts)


def test_value_added_page_shows_every_school_with_its_interval_and_a_funnel(snapshot):
    at = _page(VALUE_ADDED_PAGE)
    assert at.title[0].value == "Förädlingsvärde"
    # Contextual model, meritvärde, all cohorts pooled, all pupils.
    table = _table(at, "Förädlingsvärde", "95 % konfidensintervall").set_index("Enhet")
    ekbacke = table.loc["Ekbackeskolan"]
    assert (ekbacke["Förädlingsvärde"], ekbacke["95 % konfidensintervall"]) == ("+12,5", "+6,9 till +18,1")
    assert ekbacke["Antal elever"] == "80" and ekbacke["Nivå"] == "över" and ekbacke["Krympt skattning"] == "+9,5"
    assert table.loc["Furulundsskolan", "Nivå"] == "genomsnitt"
    assert table.loc["Kävlinge (kommunen)", "95 % konfidensintervall"] == "referens"
    # The suppressed school: '..' in every cell, never 0 or blank, and the legend the other pages use.
    assert set(table.loc["Korsbackaskolan"]) == {".."}
    assert any("färre än 10 elever" in c.value for c in at.caption)
    assert "Furulundsskolan" in _everything_shown(at)  # open mode: every school (the rektor test's converse)

    charts = _charts(at)
    # The school chart: every point has a rule from ci_low to ci_high.
    main = _marks(charts[0])
    assert (
        ("rule", main[1][1]) in main
        and main[1][1]["x"]["field"] == "ci_low"
        and main[1][1]["x2"]["field"] == ("ci_high")
    )
    assert charts[0]["config"]["locale"]["number"]["decimal"] == ","
    # The funnel: control limits around 0 from the pupil-level spread implied by the intervals (25 points).
    funnel = next(
        c for c in charts if any(e.get("strokeDash", {}).get("title") == "Kontrollgräns" for _, e in _marks(c))
    )
    assert funnel
    assert any("σ = 25,0 meritvärdespoäng" in c.value and "99,8 %" in c.value for c in at.caption)
    # Shrunk beside raw, SALSA beside the own model, who the pupils are, the cohort's path.
    subheaders = [s.value for s in at.subheader]
    for heading in (
        "Trattdiagram: förädlingsvärde mot antal elever",
        "Krympt och okrympt skattning",
        "Förädlingsvärde och SALSA sida vid sida",
        "Vilka eleverna är",
        "Kohortens väg genom grundskolan",
    ):
        assert heading in subheaders
    salsa = _table(at, "Mått", "Avvikelse")
    assert {"Förädlingsvärde, kontextuell modell", "SALSA, egen modell", "SALSA, Skolverket"} <= set(salsa["Mått"])
    population = _table(at, "Flyttat inom kommunen", "Utan tidigare resultat", "Nyanlända", "Lämnade under stadiet")
    assert list(population.loc[population["Enhet"] == "Korsbackaskolan", "Elever"]) == ["..", ".."]
    assert "6" in set(population.loc[population["Enhet"] == "Ekbackeskolan", "Flyttat inom kommunen"])


def test_cohort_progression_follows_the_school_against_the_kommun_in_school_order(snapshot):
    at = _page(VALUE_ADDED_PAGE)
    path = _table(at, "Tillfälle", "Mätning")
    assert {"Ekbackeskolan, 2023", "Kävlinge (kommunen), 2024"} <= set(path.columns)
    first = path.iloc[0]
    assert (first["Tillfälle"], first["Mätning"], first["Ekbackeskolan, 2023"]) == (
        "åk 1 okt",
        "Lärarens bedömning",
        "83,2 %",
    )
    chart = next(c for c in _charts(at) if any(e.get("x", {}).get("field") == "punkt" for _, e in _marks(c)))
    order = next(e["x"]["sort"] for _, e in _marks(chart) if e.get("x", {}).get("field") == "punkt")
    assert order[:4] == ["åk 1 okt", "åk 1 mars", "åk 2 okt", "åk 2 mars"]
    assert order.index("åk 6 okt") < order.index("åk 6 HT") < order.index("åk 6 mars") < order.index("åk 6 VT")
    assert order[-1] == "åk 9 VT"
    # The suppressed school: its points are '..' in the table and missing from the chart, the kommun stays.
    next(b for b in at.selectbox if b.key == "progression_school").select("33330003").run()
    path = _table(at, "Tillfälle", "Mätning")
    assert set(path["Korsbackaskolan, 2023"]) == {".."}
    assert any("Punkter saknas i diagrammet där värdet är dolt (..)" in c.value for c in at.caption)
    # One cohort chosen above: its line only.
    next(b for b in at.selectbox if b.label == "Årskull").select(2024).run()
    path = _table(at, "Tillfälle", "Mätning")
    assert "Kävlinge (kommunen)" in path.columns and not [c for c in path.columns if "2023" in c]


def test_value_added_page_explains_in_swedish_what_the_figures_mean(snapshot):
    at = _page(VALUE_ADDED_PAGE)
    explanation = next(e for e in at.expander if e.label == "Så läser du siffrorna")
    text = explanation.markdown[0].value
    for phrase in (
        "liknande tidigare resultat",
        "ingen\nrangordning",
        "95 % konfidensintervall",
        "Små grupper",
        "färre än 10 elever",
        "flest läsår",
    ):
        assert phrase in text, phrase


def test_value_added_page_follows_the_choices(snapshot):
    at = _page(VALUE_ADDED_PAGE)
    boxes = {box.label: box for box in at.selectbox}
    boxes["Årskull"].select(2024).run()
    table = _table(at, "Förädlingsvärde", "95 % konfidensintervall").set_index("Enhet")
    assert (
        table.loc["Ekbackeskolan", "Förädlingsvärde"] == "+14,5" and table.loc["Ekbackeskolan", "Antal elever"] == "40"
    )
    boxes = {box.label: box for box in at.selectbox}
    boxes["Utfall"].select("alla_amnen").run()
    assert any("procentenheter" in s.value for s in at.caption)
    boxes = {box.label: box for box in at.selectbox}
    boxes["Stadium"].select("3-6").run()
    assert not at.exception
    assert any("SALSA finns bara för årskurs 9" in i.value for i in at.info)
    gender = next(r for r in at.radio if r.label == "Kön")
    gender.set_value("K").run()
    assert not at.exception


def test_equity_page_shows_gaps_with_intervals_verdicts_and_decomposition(snapshot):
    at = _page(EQUITY_PAGE)
    assert at.title[0].value == "Likvärdighet"
    gaps = _table(at, "Skillnad", "Bedömning")
    kommun_2024 = gaps[(gaps["Enhet"] == "Kävlinge (kommunen)") & (gaps["Läsår"] == "2023/24")].iloc[0]
    assert kommun_2024["Skillnad"] == "+18,5" and kommun_2024["95 % konfidensintervall"] == "+9,2 till +27,8"
    assert kommun_2024["Bedömning"] == "skillnaden är statistiskt säkerställd"
    assert "skillnaden är inte statistiskt säkerställd" in set(gaps["Bedömning"])
    korsbacka = gaps[gaps["Enhet"] == "Korsbackaskolan"]
    assert set(korsbacka["Skillnad"]) == {".."} and set(korsbacka["95 % konfidensintervall"]) == {".."}
    assert any("färre än 10 elever" in c.value for c in at.caption)
    gap_chart = _charts(at)[0]
    assert any(mark == "rule" and enc.get("y2", {}).get("field") == "ci_high" for mark, enc in _marks(gap_chart))

    parts = _table(at, "Inom skolorna", "Mellan skolorna")
    assert list(parts["Hela skillnaden"]) == ["+17,0", "+18,5"] and list(parts["Mellan skolorna"]) == ["+4,2", "+4,6"]
    share = _table(at, "Andel mellan skolorna")
    assert list(share["Andel mellan skolorna"]) == ["6,5 %", "8,4 %"]
    assert list(share["95 % konfidensintervall"])[-1] == "4,1 % till 15,2 %"
    explanation = next(e for e in at.expander if e.label == "Så läser du siffrorna")
    assert "statistiskt\nsäkerställd" in explanation.markdown[0].value

    # Newly arrived pupils: too few at each school, shown for the kommun only.
    next(r for r in at.radio if r.label == "Skillnad").set_value("nyanland").run()
    gaps = _table(at, "Skillnad", "Bedömning")
    schools = gaps[gaps["Enhet"] != "Kävlinge (kommunen)"]
    assert set(schools["Skillnad"]) == {".."} and set(schools["Bedömning"]) == {"redovisas inte"}


def test_equity_page_places_a_school_among_its_similar_units(snapshot):
    at = _page(EQUITY_PAGE)
    neighbours = _table(at, "Plats", "Kommun", "Huvudman", "Föräldrarnas utbildning")
    assert list(neighbours["Skolenhet"])[:2] == ["Vallaskolan", "Södra skolan"]
    assert neighbours.iloc[0]["Föräldrarnas utbildning"] == "2,3" and neighbours.iloc[0]["Andel pojkar"] == "51,2 %"
    results = _table(at, "Plats", "Meritvärde", "Alla ämnen godkända")
    assert results.iloc[0]["Meritvärde"] == "238,4" and results.iloc[0]["Alla ämnen godkända"] == "82,1 %"
    placed = _table(at, "Var skolan ligger", "Median")
    assert list(placed["Var skolan ligger"]) == ["i den högsta fjärdedelen"] * 3
    assert any("Ekbackeskolan 2023/24: meritvärde 249,6, i den högsta fjärdedelen" in m.value for m in at.markdown)
    box = next(b for b in at.selectbox if b.label == "Skolenhet")
    box.select("22220002").run()
    placed = _table(at, "Var skolan ligger", "Median")
    assert list(placed["Var skolan ligger"])[-1] == "i den lägsta fjärdedelen"
    box = next(b for b in at.selectbox if b.label == "Skolenhet")
    box.select("33330003").run()
    assert any(m.value == "Korsbackaskolan: .." for m in at.markdown)


@pytest.fixture
def login(snapshot, monkeypatch):
    login_with_roles(snapshot, monkeypatch, ROLES_YAML)
    return snapshot


@pytest.mark.parametrize("page", [VALUE_ADDED_PAGE, EQUITY_PAGE])
def test_rektor_sees_own_school_and_the_municipality_never_another_school(login, page):
    at = _page(page, {"is_logged_in": True, "email": "rektor.ekbacken@kommun.se", "sub": "abc"})
    shown = _everything_shown(at)
    assert "Ekbackeskolan" in shown and "Kävlinge" in shown
    for other in ("Furulundsskolan", "22220002", "Korsbackaskolan", "33330003"):
        assert other not in shown, f"a rektor of Ekbackeskolan saw {other} on {page}"
    if page == EQUITY_PAGE:  # their school beside the kommun in the chart from the start
        assert set(next(m for m in at.multiselect if m.label == "Enheter i diagrammet").value) == {"1261", "11110001"}


def test_pages_say_inga_uppgifter_annu_on_a_snapshot_without_the_new_tables(tmp_path, monkeypatch):
    con = duckdb.connect(str(tmp_path / "serving.duckdb"))
    con.execute(
        "create table snapshot_info as select '2026-11-23T02:00:00+00:00' as published_at, '1261' as kommunkod,"
        " 'run-1' as run_id"
    )
    create_table(con, "indicators", [{"indicator_id": "N15505", "topic": "betyg_ak9", "sort_order": 1}])
    con.close()
    monkeypatch.setenv("SKOLANALYS_DATA_DIR", str(tmp_path))
    st.cache_data.clear()
    for page in (VALUE_ADDED_PAGE, EQUITY_PAGE):
        at = AppTest.from_file(str(REPO / "dashboards" / page), default_timeout=60).run()
        assert not at.exception, at.exception
        assert any(i.value.startswith("Inga uppgifter ännu") for i in at.info), page
    st.cache_data.clear()
