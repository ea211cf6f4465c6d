"""The topic pages — Resultat, Nationella prov, Frånvaro, Enkäter and Jämförelser — on the browser tests' hand-built
snapshot (tests/browser/snapshot.py with snapshot_topics.py): final and term grades beside riket and liknande
kommuner, the grade-vs-test discrepancy, the three periods of the school year with the reporting rate beside
every figure, the local surveys by area, gender and grade and Skolenkäten; and the presentation rules of
dashboards/presentation.py: whole labels with unit and n, '.' and '..' explained, colours by the indicator's
direction (never a red '-0,0'), axes from zero, lines that break at missing years, Swedish widgets."""

from __future__ import annotations

import json
import re

import duckdb
import pandas as pd
import pytest
import streamlit as st
from streamlit.proto.Metric_pb2 import Metric
from streamlit.testing.v1 import AppTest

from dashboards import data
from dashboards import presentation as ui
from tests.conftest import REPO
from tests.dashboard_helpers import serve_snapshot

PAGES = REPO / "dashboards" / "app_pages"
# Words of Streamlit's and pandas' English defaults and of an English dashboard (whole words, any case).
ENGLISH = re.compile(
    r"\b(select all|choose|options?|no results|total|girls|boys|year|unit|school|value|change|since|missing)\b",
    re.IGNORECASE,
)


pytestmark = pytest.mark.usefixtures("login_off")


@pytest.fixture
def snapshot(tmp_path, monkeypatch):
    yield from serve_snapshot(tmp_path, monkeypatch)


def _page(name: str) -> AppTest:
    at = AppTest.from_file(str(PAGES / name), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metrics(at: AppTest) -> dict[str, tuple[str, str, str]]:
    """label → (value, delta, colour name)."""
    return {m.label: (m.value, m.delta, Metric.MetricColor.Name(m.proto.color)) for m in at.metric}


def _captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def _shown_text(at: AppTest) -> str:
    """Every text the page shows a reader: headings, captions, labels, options, placeholders, tables."""
    parts = [e.value for kind in ("title", "header", "subheader", "caption", "markdown", "info") for e in at.get(kind)]
    for widget in (*at.selectbox, *at.multiselect, *at.radio):
        parts += [widget.label, getattr(widget.proto, "placeholder", ""), *map(str, widget.options)]
    for m in at.metric:
        parts += [m.label, m.value, m.delta or "", m.proto.delta_description]
    for frame in at.dataframe:
        parts += [str(c) for c in frame.value.columns] + [str(v) for v in frame.value.to_numpy().ravel()]
    return "\n".join(parts)


# --- presentation rules ----------------------------------------------------------------------------------


def test_a_change_is_coloured_by_the_direction_of_the_indicator_and_never_a_red_zero():
    absence_rose = ui.change(8.6, 8.1, False)
    assert (absence_rose.text, absence_rose.colour, absence_rose.arrow) == ("+0,5", "red", "up")
    assert ui.change(8.1, 8.6, False).colour == "green"
    assert ui.change(231.9, 228.4, True) == ui.Change("+3,5", "green", "up")
    # Rounded before the colour is chosen: 78,56 and 78,60 both read 78,6 — no change, grey, no '-0,0'.
    assert ui.change(78.56, 78.6, True) == ui.Change("±0,0", "gray", "off")
    assert ui.change(7.04, 7.0, False) == ui.Change("±0,0", "gray", "off")
    # A cost has no direction: a rise is grey, not green.
    assert ui.change(124650, 118400, None) == ui.Change("+6\u00a0250,0", "gray", "up")
    assert ui.change(None, 1.0, True) is None
    assert data.format_change(-0.04) == "±0,0" and data.format_change(-1.25) == "-1,2"


def test_lines_break_where_a_year_has_no_value():
    frame = pd.DataFrame(
        {
            "enhet": ["Kommunen"] * 5 + ["Skolan"] * 2,
            "year": [2019, 2022, 2023, 2024, 2018, 2023, 2024],
            "value": [80.0, 81.5, None, 85.5, 70.0, 71.0, 72.0],
        }
    )
    drawn = ui.break_at_gaps(frame, x="year", x_order=range(2019, 2025), series="enhet", y="value")
    kommun = drawn[drawn["enhet"] == "Kommunen"].set_index("year")["segment"]
    # 2019 | 2020, 2021 cancelled | 2022 | 2023 hidden | 2024: three separate pieces, never one line.
    assert kommun[2019] != kommun[2022] != kommun[2024] and kommun[2019] != kommun[2024]
    assert set(drawn.loc[drawn["enhet"] == "Skolan", "year"]) == {2023, 2024}  # 2018 is outside the axis
    assert drawn["value"].notna().all()


def test_short_titles_come_from_the_catalogue_and_are_never_cut_at_a_comma():
    catalogue = pd.DataFrame(
        {
            "indicator_id": ["A", "B"],
            "title_sv": ["Uppnått betygskriterierna i alla ämnen åk 9, andel (%)", "Frånvaro, andel (%)"],
            "short_title_sv": ["Lägst E i alla ämnen åk 9", None],
        }
    )
    assert ui.short_titles(catalogue) == {"A": "Lägst E i alla ämnen åk 9", "B": "Frånvaro, andel (%)"}
    seed = pd.read_csv(REPO / "dbt" / "seeds" / "indicator_catalogue.csv", dtype=str)
    assert seed["short_title_sv"].notna().all() and seed["short_title_sv"].str.len().max() <= 40
    assert seed["short_title_sv"].is_unique


# --- Resultat ----------------------------------------------------------------------------------------------


def test_resultat_shows_final_grades_beside_riket_and_term_grades_of_every_grade(snapshot):
    at = _page("resultat.py")
    assert [h.value for h in at.header] == ["Slutbetyg i årskurs 9", "Terminsbetyg i årskurs 6–9"]
    metrics = _metrics(at)
    # The whole short title, the unit with the value, the change of the shown values (229,7 − 228,4), green.
    assert metrics["Meritvärde åk 9"] == ("229,7 poäng", "+1,3", "GREEN")
    assert metrics["Lägst E i alla ämnen åk 9"][0] == "79,8 %"
    captions = _captions(at)
    assert "305 elever · riket 2024: 223,9 · liknande kommuner: 229,5" in captions
    assert "305 elever · riket 2024: 73,8 % · liknande kommuner: 76,4 %" in captions

    final = at.dataframe[0].value
    assert final.loc["Riket (Kolada)", "2024"] == "223,9"
    assert final.loc["Liknande kommuner, medel (Kolada)", "2023"] == "228,0"
    assert final.loc["Korsbackaskolan (33330003)", "2024"] == ".."
    assert final.loc["Kävlinge (kommunen)", "Antal elever 2024"] == "305"
    assert "färre än 10 elever" in captions

    # The chart: from zero, riket and liknande kommuner dashed beside the kommun.
    spec = _charts(at)[0]
    assert spec["layer"][1]["encoding"]["y"]["scale"] == {"zero": True, "nice": True}
    assert spec["config"]["locale"]["number"]["decimal"] == ","

    terms = at.dataframe[2].value  # (1 is the expander's descriptions)
    assert list(terms.index) == ["Åk 6", "Åk 7", "Åk 8", "Åk 9"]
    assert list(terms.columns) == ["HT 2022", "VT 2023", "HT 2023", "VT 2024"]
    # SKA_TB_AK8_HT of läsår 2023/24 (year 2024): 70 + 2 · 8 + 1,5; VT of åk 9 is the final grade (N15419).
    assert terms.loc["Åk 8", "HT 2023"] == "87,5 %"
    assert terms.loc["Åk 9", "VT 2024"] == "79,8 %"
    by_unit = at.dataframe[3].value
    assert by_unit.loc["Korsbackaskolan (33330003)", "Åk 7"] == ".."
    assert by_unit.loc["Ekbackeskolan (11110001)", "Åk 6"] == "88,5 %"  # 70 + 12 + 1 + 1,5 + 4


def test_a_change_that_rounds_to_zero_is_grey_not_red(snapshot):
    con = duckdb.connect(str(snapshot / "serving.duckdb"))
    con.execute(
        "update indicator_values set value = 78.56 where indicator_id = 'N15419' and level = 'kommun'"
        " and gender = 'T' and year = 2024"
    )
    con.close()
    st.cache_data.clear()
    metrics = _metrics(_page("resultat.py"))
    assert metrics["Lägst E i alla ämnen åk 9"] == ("78,6 %", "±0,0", "GRAY")


# --- Nationella prov ------------------------------------------------------------------------------------------


def test_national_tests_leave_the_cancelled_years_empty_and_show_grade_against_test(snapshot):
    at = _page("nationella_prov.py")
    assert at.radio[0].value == 9
    table = at.dataframe[0].value
    assert list(table.columns[:6]) == ["2019", "2020", "2021", "2022", "2023", "2024"]
    assert table.loc["Kävlinge (kommunen)", "2020"] == "." and table.loc["Kävlinge (kommunen)", "2019"] == "80,0 %"
    captions = _captions(at)
    assert "proven ställdes in våren 2020 och 2021" in captions
    spec = _charts(at)[0]
    assert spec["layer"][0]["encoding"]["detail"]["field"] == "segment"  # the line breaks at 2020–2021
    assert spec["layer"][0]["encoding"]["y"]["scale"]["domain"] == [0, 100]
    assert spec["layer"][0]["encoding"]["x"]["scale"]["domain"] == [2019, 2020, 2021, 2022, 2023, 2024]

    # Provbetyg och betyg: every unit in one subject, then one unit in every subject (2024, åk 9, totalt).
    assert "Provbetyg jämfört med betyg, årskurs 9" in [h.value for h in at.header]
    subject = at.dataframe[2].value.set_index("Enhet")
    assert subject.loc["Kävlinge (kommunen)"].to_dict() == {
        "Lägre betyg än provbetyget": "6,5 %",
        "Samma betyg som provbetyget": "74,0 %",
        "Högre betyg än provbetyget": "19,5 %",
        "Antal elever": "140",
    }
    assert subject.loc["Korsbackaskolan (33330003)", "Högre betyg än provbetyget"] == ".."
    subjects = at.dataframe[3].value
    assert list(subjects["Ämne"]) == ["Svenska", "Engelska", "Matematik"]

    at.radio(key="avvikelse_kon").set_value("K").run()
    girls = at.dataframe[2].value.set_index("Enhet")
    assert girls.loc["Kävlinge (kommunen)", "Högre betyg än provbetyget"] == "21,5 %"
    at.radio[0].set_value(6).run()
    assert "Provbetyg jämfört med betyg, årskurs 6" in [h.value for h in at.header]
    assert _metrics(at)["Prov i matematik åk 6"][0] == "90,5 %"


# --- Frånvaro ------------------------------------------------------------------------------------------------


def test_attendance_shows_the_three_periods_the_whole_year_and_the_reporting_rate_beside_every_figure(snapshot):
    at = _page("franvaro.py")
    metrics = _metrics(at)
    assert metrics["Frånvaro totalt"] == ("8,6 %", "+0,5", "RED")  # more absence than 2022/23: worse
    assert metrics["Rapporteringsgrad"] == ("95,5 %", "+0,5", "GREEN")
    assert metrics["Elever med över 50 % frånvaro"] == ("0,9 %", "±0,0", "GRAY")
    assert _captions(at).count("rapporteringsgrad 95,5 % · 1\u00a0204 elever") == 6  # every absence tile

    periods = at.dataframe[0].value
    assert list(periods.columns[:3]) == ["Läsår", "Period", "Rapporteringsgrad"]
    assert set(periods["Läsår"]) == {"2021/22", "2022/23", "2023/24"}
    this_year = periods[periods["Läsår"] == "2023/24"].set_index("Period")
    assert list(this_year.index) == [
        "Period 1 (juli–december)",
        "Period 2 (januari–mars)",
        "Period 3 (april–juni)",
        "Hela läsåret",
    ]
    assert this_year.loc["Hela läsåret", "Frånvaro"] == "8,6 %"
    assert this_year.loc["Period 2 (januari–mars)", "Rapporteringsgrad"] == "92,3 %"
    assert (periods["Rapporteringsgrad"] != "").all()

    everyone = at.dataframe[1].value.set_index("Enhet")
    assert everyone.loc["Korsbackaskolan (33330003)", "Rapporteringsgrad"] == ".."
    assert everyone.loc["Ekbackeskolan (11110001)", "Elever"] == "380"
    assert "färre än 10 elever" in _captions(at)

    # A school's hidden period is '..' in every figure, its reporting rate too.
    at.selectbox(key="franvaro_enhet").set_value("22220002").run()
    school = at.dataframe[0].value
    hidden = school[(school["Läsår"] == "2023/24") & (school["Period"] == "Period 2 (januari–mars)")].iloc[0]
    assert set(hidden.drop(["Läsår", "Period"])) == {".."}
    at.selectbox(key="franvaro_period").set_value(1).run()
    assert at.subheader[0].value == "Furulundsskolan (22220002) 2023/24: period 1 (juli–december)"


# --- Enkäter ---------------------------------------------------------------------------------------------------


def test_surveys_by_area_gender_and_grade_and_skolenkaten(snapshot):
    at = _page("enkater.py")
    metrics = _metrics(at)
    assert list(metrics) == ["Trygghet", "Studiero", "Trivsel", "Delaktighet och inflytande"]
    assert metrics["Trygghet"] == ("84,6 %", "+1,8", "GREEN")
    assert "212 svarande" in _captions(at)
    units = at.dataframe[0].value
    assert units.loc["Korsbackaskolan (33330003)", "Trygghet"] == ".."
    assert "färre än 5 svarande" in _captions(at)
    split = at.dataframe[1].value
    assert list(split.columns) == ["Totalt", "Flickor", "Pojkar", "Åk 5", "Åk 8"]
    assert split.loc["Trygghet", "Flickor"] == "87,7 %" and split.loc["Trygghet", "Åk 5"] == "88,8 %"

    at.radio(key="enkat_matt").set_value("index_value").run()
    assert _metrics(at)["Trygghet"][0] == "8,5 av 10"

    # Skolenkäten as published, beside all participating units; the masked girls' cells explained.
    assert "Skolenkäten (Skolinspektionen)" in [h.value for h in at.header]
    published = at.dataframe[2].value
    assert list(published.columns) == ["Ekbackeskolan (11110001)", "Furulundsskolan (22220002)", RIKET_COLUMN]
    assert list(published.index) == ["Stimulans", "Studiero", "Trygghet"]
    assert published.loc["Trygghet", "Ekbackeskolan (11110001)"] == "8,5"
    at.radio(key="skolenkat_kon").set_value("K").run()
    girls = at.dataframe[2].value
    assert girls.loc["Trygghet", "Furulundsskolan (22220002)"] == "-"
    assert "\\-: färre än 5 svarande" in _captions(at)


RIKET_COLUMN = "Alla deltagande skolenheter"


# --- Jämförelser -------------------------------------------------------------------------------------------------


def test_a_rising_cost_is_not_green(snapshot):
    at = _page("jamforelser.py")
    at.selectbox[0].set_value("N15008").run()
    value, delta, colour = _metrics(at)["Kommunen 2024"]
    assert (delta, colour) == ("+6\u00a0250,0", "GRAY")
    assert "ingen önskad riktning" in _captions(at)


# --- Swedish throughout -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["resultat.py", "nationella_prov.py", "franvaro.py", "enkater.py", "jamforelser.py"])
def test_no_english_in_the_widgets_or_texts(snapshot, page):
    at = _page(page)
    for widget in at.multiselect:
        assert widget.proto.select_all == 0 and widget.proto.placeholder == "Välj en eller flera"
    for widget in at.selectbox:
        assert widget.proto.placeholder == "Välj"
    text = _shown_text(at).replace("CC BY 4.0", "")  # the licence's name
    assert not ENGLISH.findall(text), f"{page}: {sorted(set(ENGLISH.findall(text)))}"
    # Numbers with a decimal comma; never a decimal point in a figure.
    assert re.search(r"\d,\d", text) and not re.search(r"\b\d{1,3}\.\d\b", text), page
