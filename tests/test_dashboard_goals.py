"""The Översikt page (AppTest) on the hand-built browser snapshot: the goals with their status in words and
symbols, utfall for three years against the målvärde with a decimal comma, trend arrows, links to the
indicators' pages, the actions — and what a rektor and an older snapshot without goals see."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.browser.snapshot_goals import goal_frames
from tests.conftest import REPO
from tests.contract_tables import columns
from tests.dashboard_helpers import REKTOR_ROLES, login_with_roles, serve_snapshot

pytestmark = pytest.mark.usefixtures("login_off")


@pytest.fixture
def snapshot(tmp_path, monkeypatch):
    yield from serve_snapshot(tmp_path, monkeypatch)


def _app(user: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(REPO / "dashboards" / "app.py"), default_timeout=60)
    if user is not None:
        at.user = user
    return at.run()


def _table(at: AppTest, i: int):
    """A static table as shown, with its no-break spaces (which keep '✔ uppfyllt', '79,8 %' together) as
    plain spaces."""
    return at.table[i].value.replace("\u00a0", " ", regex=True)


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [str(e.value) for e in at.metric]
    parts += [_table(at, i).to_string() for i in range(len(at.table))]
    return "\n".join(parts)


def test_the_snapshots_goal_tables_have_the_marts_columns():
    for name, frame in goal_frames().items():
        assert list(frame.columns) == columns(name), name


def test_oversikt_is_the_default_page_and_shows_where_we_are(snapshot):
    at = _app()
    assert not at.exception
    assert at.title[0].value == "Översikt"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {
        "✔ Mål uppfyllt": "2",
        "◐ Mål delvis uppfyllt": "1",
        "✖ Mål ej uppfyllt": "1",
        "? Mål kan inte mätas": "1",
    }
    text = _texts(at)
    for snippet in ("M1 · Alla elever ska nå minst betyget E i alla ämnen", "Frånvaron ska minska"):
        assert snippet in text
    # The årsredovisning's table: status in words and symbol, three years of utfall, målvärde, comparison.
    m1 = _table(at, 0)
    assert list(m1.columns) == [
        "Status",
        "Mått",
        "Enhet",
        "2022",
        "2023",
        "2024",
        "Målvärde",
        "Riket",
        "Liknande kommuner",
        "Trend",
    ]
    kommun = m1.iloc[0]
    assert (kommun["Status"], kommun["2023"], kommun["2024"], kommun["Målvärde"]) == (
        "✖ ej uppfyllt",
        "78,6 %",
        "79,8 %",
        "minst 90 %",
    )
    assert (kommun["2022"], kommun["Riket"], kommun["Trend"]) == (".", "77,7 %", "↑ förbättring sedan 2023")
    assert (kommun["Mått"], kommun["Enhet"]) == ("Uppnått betygskriterierna i alla ämnen åk 9", "Kävlinge")
    schools = m1.set_index("Enhet")
    ekbacke = schools.loc["Ekbackeskolan"]
    assert ekbacke["Status"] == "◐ delvis uppfyllt (inom osäkerheten)"
    assert schools.loc["Furulundsskolan"]["Mått"] == ""  # a measure is named once, on its first row
    korsbacka = schools.loc["Korsbackaskolan"]
    assert (korsbacka["Status"], korsbacka["2024"]) == ("? kan inte mätas", "..")
    frv = _table(at, 2)  # lower is better: a rise is a försämring; no comparison, no empty columns
    assert "Riket" not in frv.columns and "Liknande kommuner" not in frv.columns
    assert (frv.iloc[0]["Trend"], frv.iloc[0]["Målvärde"]) == (
        "↑ försämring sedan 2023",
        "bättre än förra året (7,3 %)",
    )
    kolada = _table(at, 3).iloc[0]
    assert (kolada["Målvärde"], kolada["Liknande kommuner"]) == ("minst liknande kommuner (87,4 %)", "87,4 %")
    assert "rikets värde för 2024 finns inte ännu" in text
    assert "uppfyllt från 100 % av målvärdet, delvis från 91 %" in text


def test_each_measure_links_to_the_page_of_its_indicator(snapshot):
    at = _app()
    links = {(link.label, link.proto.page) for link in at.get("page_link")}
    pages = {label.split(" – se ")[1] for label, _ in links}
    assert pages == {"Resultat", "Enkäter", "Frånvaro", "Jämförelser", "Skolor"}  # Skolor: each school
    assert any(label.startswith("Frånvaro, andel") and page.endswith("franvaro") for label, page in links), links


def test_the_actions_are_listed_with_their_status(snapshot):
    at = _app()
    actions = _table(at, -1)
    assert list(actions.columns) == ["Mål", "Aktivitet", "Status", "Ansvarig", "Kommentar"]
    assert set(actions["Status"]) == {"● genomförd", "◔ påbörjad", "⚠ försenad", "○ ej påbörjad", "⊘ avförd"}
    assert "⚠ försenad: 1" in _texts(at)


def test_a_rektor_sees_the_municipality_and_only_their_own_school(snapshot, monkeypatch):
    login_with_roles(snapshot, monkeypatch, REKTOR_ROLES)
    at = _app({"is_logged_in": True, "email": "rektor@kommun.se"})
    assert not at.exception
    text = _texts(at)
    assert "Ekbackeskolan" in text and "79,8 %" in text  # own school, and the kommun as context
    assert "Furulundsskolan" not in text and "Korsbackaskolan" not in text


def test_a_snapshot_without_goals_says_how_to_add_them(tmp_path, monkeypatch):
    import duckdb

    con = duckdb.connect(str(tmp_path / "serving.duckdb"))
    con.execute("create table snapshot_info as select '2026-11-23T02:00:00+00:00' as published_at, 'x' as run_id")
    con.close()
    monkeypatch.setenv("SKOLANALYS_DATA_DIR", str(tmp_path))
    st.cache_data.clear()
    at = _app()
    assert not at.exception
    assert "mal/" in at.info[0].value
