"""The dashboard page on a small serving snapshot: Swedish, suppressed cells shown as '..', never 0."""

from __future__ import annotations

import ast
import json
import os
import stat
import threading
import tomllib
from datetime import datetime

import duckdb
import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboards import data
from skolanalys import cli
from skolanalys.auth_settings import (
    Access,
    load_oidc_settings,
    load_roles,
    write_secrets_file,
)
from skolanalys.settings import SettingsError, load_settings
from tests.browser.snapshot import add_benchmarking, add_indicator_values
from tests.conftest import REPO
from tests.contract_tables import create_table
from tests.dashboard_helpers import login_with_roles, serve_snapshot

pytestmark = pytest.mark.usefixtures("login_off")  # unless a test turns login on

ROWS = [
    # indicator, level, unit, name, year, gender, value, n, status
    ("N15505", "kommun", "1261", "Kävlinge", 2023, "T", 228.4, 310, ""),
    ("N15505", "kommun", "1261", "Kävlinge", 2024, "T", 231.9, 305, ""),
    ("N15505", "skolenhet", "11110001", "Skolenhet 11110001", 2024, "T", 240.25, 40, ""),
    ("N15505", "skolenhet", "22220002", "Skolenhet 22220002", 2024, "T", None, None, ".."),
    ("N15419", "kommun", "1261", "Kävlinge", 2024, "T", 0.0, 305, ""),
]


def _build(data_dir) -> None:
    con = duckdb.connect(str(data_dir / "serving.duckdb"))
    create_table(
        con,
        "indicators",
        [
            ("N15505", "Meritvärde åk 9, genomsnitt (17 ämnen)", "poäng", True, "Beskrivning", "kolada", 10,
             "betyg_ak9"),
            ("N15419", "Uppnått betygskriterierna i alla ämnen åk 9, andel (%)", "procent", True, "B", "kolada", 20,
             "betyg_ak9"),
            ("SKA_FRV_TOTAL", "Frånvaro", "procent", False, "F", "local", 100, "franvaro"),
        ],
        ("indicator_id", "title_sv", "unit", "higher_is_better", "description", "source", "sort_order", "topic"),
    )  # fmt: skip
    add_indicator_values(con, [(*r[:5], f"{r[4] - 1}/{r[4] % 100:02d}", *r[5:]) for r in ROWS])
    con.execute(
        "create table snapshot_info as select '2026-11-23T02:00:00+00:00' as published_at, '1261' as kommunkod,"
        " 'run-1' as run_id"
    )
    con.close()


@pytest.fixture
def snapshot(tmp_path, monkeypatch):
    yield from serve_snapshot(tmp_path, monkeypatch, _build)


RESULTAT = "app_pages/resultat.py"


def _app(user: dict | None = None, page: str | None = RESULTAT) -> AppTest:
    """The app as `user`, on `page` (Resultat; None: the page the app opens on — Översikt, or the login
    page / "ingen behörighet" when there is no navigation to switch in)."""
    at = AppTest.from_file(str(REPO / "dashboards" / "app.py"), default_timeout=60)
    if user is not None:
        at.user = user
    at.run()
    return at.switch_page(page).run() if page else at


def test_page_shows_the_municipality_and_marks_suppressed_cells(snapshot):
    at = _app()
    assert not at.exception
    assert at.title[0].value == "Resultat"
    metrics = {m.label: (m.value, m.delta) for m in at.metric}
    assert len(metrics) == 2  # the year-9 results only: other topics have their own pages
    # A snapshot without short titles labels the tiles with the whole title, never one cut at a comma.
    assert metrics["Meritvärde åk 9, genomsnitt (17 ämnen)"] == ("231,9 poäng", "+3,5")
    # A true 0 % is shown as 0,0 %, a suppressed value as '..' — the two are never confused.
    assert metrics["Uppnått betygskriterierna i alla ämnen åk 9, andel (%)"][0] == "0,0 %"
    table = at.dataframe[0].value
    assert table.loc["Skolenhet 22220002 (22220002)", "2024"] == ".."
    assert table.loc["Skolenhet 11110001 (11110001)", "2024"] == "240,2"
    assert any("färre än 10 elever" in c.value for c in at.caption)


def test_page_without_a_snapshot_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("SKOLANALYS_DATA_DIR", str(tmp_path))
    st.cache_data.clear()
    at = _app()
    assert not at.exception
    assert any("skolanalys run" in w.value for w in at.warning)


@pytest.mark.parametrize(
    "page",
    [
        "arshjul.py",
        "enkater.py",
        "foradlingsvarde.py",
        "franvaro.py",
        "likvardighet.py",
        "nationella_prov.py",
        "oversikt.py",
        "resultat.py",
        "skolor.py",
    ],
)
def test_every_page_without_a_snapshot_says_how_to_build_one_and_stops(tmp_path, monkeypatch, page):
    monkeypatch.setenv("SKOLANALYS_DATA_DIR", str(tmp_path))
    st.cache_data.clear()
    at = AppTest.from_file(str(REPO / "dashboards" / "app_pages" / page), default_timeout=60).run()
    assert not at.exception
    assert [w.value for w in at.warning] == [
        "Ingen publicerad data ännu. Kör `skolanalys run` för att bygga serveringsfilen."
    ]
    assert not at.dataframe and not at.metric


@pytest.fixture
def comparison_snapshot(snapshot):
    con = duckdb.connect(str(snapshot / "serving.duckdb"))
    add_benchmarking(con)
    create_table(
        con,
        "data_freshness",
        [
            {"source": "kolada", "data_as_of": datetime(2024, 12, 12), "data_age_days": 711,
             "last_successful_fetch": datetime(2026, 11, 23), "last_attempt_ok": False,
             "last_attempt_message": "offline"}
        ],
    )  # fmt: skip
    create_table(
        con,
        "reconciliation",
        [
            {"indicator_id": "N15505", "level": "kommun", "unit_code": "1261", "unit_name": "Kävlinge", "year": 2024,
             "gender": "T", "local_value": 227.0, "local_n": 301, "local_status": "", "official_source": "kolada",
             "official_value": 226.6, "official_status": "", "difference": 0.4}
        ],
    )  # fmt: skip
    con.close()
    st.cache_data.clear()
    return snapshot


def test_comparison_page_shows_rank_quartile_peers_and_the_age_of_the_data(comparison_snapshot):
    at = AppTest.from_file(str(REPO / "dashboards" / "app_pages" / "jamforelser.py"), default_timeout=60).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Kommunen 2024"] == "226,6"
    assert metrics["Riket"] == "223,9" and metrics["Liknande kommuner, medel"] == "229,5"
    assert metrics["Rang"] == "180 av 290"
    assert any("Kvartil 3" in m.value for m in at.markdown)
    assert "711 dagar" in at.warning[0].value  # the last fetch failed: say how old the figures are
    assert any("Källa: Kolada (RKA)" in c.value for c in at.caption)
    table = at.dataframe[0].value
    assert list(table["Rang"]) == ["41 av 290", "180 av 290"]


@pytest.mark.parametrize("page", ["franvaro.py", "enkater.py", "nationella_prov.py"])
def test_topic_pages_render_and_say_when_they_have_nothing_yet(snapshot, page):
    at = AppTest.from_file(str(REPO / "dashboards" / "app_pages" / page), default_timeout=60).run()
    assert not at.exception
    assert at.title
    assert "inga beräknade värden" in at.info[0].value


def test_open_mode_warns_and_shows_publication_in_swedish_time(snapshot):
    at = _app()
    assert not at.exception
    assert at.warning[0].value == "Öppet lokalt läge utan inloggning — bara för demo och egen dator"
    # 02:00 UTC on 23 November is 03:00 in Sweden (CET).
    assert "Data publicerad 2026-11-23 kl. 03:00" in [c.value for c in at.sidebar.caption]
    assert not [b for b in at.button if b.label == "Logga ut"]


def test_swedish_time_follows_summer_time():
    assert data.format_time("2026-07-01T10:00:00+00:00") == "2026-07-01 kl. 12:00"
    assert data.format_time(None) == "okänd tid"


# --- login and roles -------------------------------------------------------------------------------------

ROLES_YAML = """
group_claim: groups
users:
  chef@kommun.se: forvaltning
  Rektor.Ett@kommun.se:
    role: rektor
    skolenheter: ["11110001"]
groups:
  analysgruppen: skolanalysgrupp
"""


@pytest.fixture
def login(snapshot, monkeypatch):
    login_with_roles(snapshot, monkeypatch, ROLES_YAML)
    return snapshot


def _log(data_dir) -> list[dict]:
    path = data_dir / "access_log.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def test_nothing_but_the_login_page_before_login(login):
    at = _app(page=None)
    assert not at.exception
    assert [b.label for b in at.button] == ["Logga in"]
    assert not at.metric and not at.dataframe
    assert not [w for w in at.warning if "Öppet lokalt läge" in w.value]


def test_rektor_sees_own_school_and_the_municipality_never_another_school(login):
    at = _app({"is_logged_in": True, "email": "rektor.ett@kommun.se", "sub": "abc"})
    assert not at.exception
    table = at.dataframe[0].value
    assert "Skolenhet 11110001 (11110001)" in table.index
    assert "Kävlinge (kommunen)" in table.index
    assert not [label for label in table.index if "22220002" in label]
    assert "Logga ut" in [b.label for b in at.sidebar.button]
    assert _log(login)[-1] | {"time": None} == {
        "time": None,
        "user": "rektor.ett@kommun.se",
        "role": "rektor",
        "page": "Resultat",
        "granted": True,
    }


def test_a_group_gives_its_role_and_forvaltning_sees_everything(login):
    at = _app({"is_logged_in": True, "email": "ny@kommun.se", "groups": ["Analysgruppen"]})
    table = at.dataframe[0].value
    assert {"Skolenhet 11110001 (11110001)", "Skolenhet 22220002 (22220002)"} <= set(table.index)
    assert _log(login)[-1]["role"] == "skolanalysgrupp"
    at = _app({"is_logged_in": True, "email": "CHEF@kommun.se"})
    assert len(at.dataframe[0].value) == 3
    assert _log(login)[-1]["role"] == "forvaltning"


def test_a_user_without_role_sees_only_a_message(login):
    at = _app({"is_logged_in": True, "email": "okand@kommun.se"}, page=None)
    assert not at.exception
    assert "Ingen behörighet" in at.error[0].value
    assert not at.metric and not at.dataframe and not at.title[1:]
    assert _log(login)[-1]["granted"] is False and _log(login)[-1]["user"] == "okand@kommun.se"
    with pytest.raises(KeyError):
        _log(login)[-1]["value"]  # the log never holds data


def test_data_module_filters_every_table_by_unit():
    rektor = Access(user="r", role="rektor", units=frozenset({"11110001"}))
    by_level = pd.DataFrame(
        {
            "level": ["kommun", "riket", "skolenhet", "skolenhet", "okänd"],
            "unit_code": ["1261", "0", "11110001"] + ["22220002", "11110001"],
        }
    )
    assert list(data.restrict(by_level, rektor)["unit_code"]) == ["1261", "0", "11110001"]
    siris = pd.DataFrame({"school_unit_code": ["11110001", "22220002"], "value": [1, 2]})
    assert list(data.restrict(siris, rektor)["school_unit_code"]) == ["11110001"]
    catalogue = pd.DataFrame({"indicator_id": ["N15505"]})
    assert len(data.restrict(catalogue, rektor)) == 1
    assert data.restrict(by_level, None).empty
    assert len(data.restrict(by_level, Access(user="a", role="namnd", units=None))) == 5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("users: {a@b.se: rektor}", "minst en skolenhetskod"),
        ("users: {a@b.se: chef}", "okänd roll"),
        ("users: {a@b.se: {role: namnd, skolenheter: ['11110001']}}", "bara rollen rektor"),
        ("users: {a@b.se: {role: rektor, skolenheter: [1111]}}", "åtta siffror"),
        ("anvandare: {}", "okända nycklar"),
    ],
)
def test_roles_file_mistakes_are_explained(tmp_path, text, message):
    path = tmp_path / "roller.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError, match=message):
        load_roles(path)


# --- snapshot swaps --------------------------------------------------------------------------------------


def _write_snapshot(path, run_id: str, value: float) -> None:
    tmp = path.with_name(path.name + ".new")
    con = duckdb.connect(str(tmp))
    con.execute(
        f"create table snapshot_info as select '2026-11-2{run_id[-1]}T02:00:00+00:00' as published_at,"
        f" '1261' as kommunkod, '{run_id}' as run_id"
    )
    con.execute(f"create table indicators as select 'N15505' as indicator_id, {value} as v")
    con.close()
    os.replace(tmp, path)


def test_a_swapped_snapshot_is_served_even_while_a_connection_holds_the_old_one(tmp_path, monkeypatch):
    monkeypatch.setenv("SKOLANALYS_DATA_DIR", str(tmp_path))
    st.cache_data.clear()
    path = tmp_path / "serving.duckdb"
    _write_snapshot(path, "run-1", 1.0)
    assert data._query("select v from indicators")["v"].tolist() == [1.0]

    held, swapped, done = threading.Event(), threading.Event(), threading.Event()

    def hold_old_file_open():
        con = duckdb.connect(str(path), read_only=True)  # DuckDB's per-process instance of the old file
        con.execute("select * from indicators").fetchall()
        held.set()
        swapped.wait(30)
        con.execute("select * from indicators").fetchall()
        done.wait(30)
        con.close()

    thread = threading.Thread(target=hold_old_file_open)
    thread.start()
    try:
        assert held.wait(30)
        _write_snapshot(path, "run-2", 2.0)
        swapped.set()
        assert data.snapshot_id() == "run-2|2026-11-22T02:00:00+00:00"
        assert data._query("select v from indicators")["v"].tolist() == [2.0]
        assert data.indicators.__module__ == "dashboards.data"
    finally:
        done.set()
        thread.join(30)
    st.cache_data.clear()


def test_many_sessions_query_the_snapshot_at_once(tmp_path, monkeypatch):
    """Streamlit runs each session's script in a thread of its own: queries that miss the cache at the same
    time all run on cursors of the one attached file and each gets its own answer."""
    monkeypatch.setenv("SKOLANALYS_DATA_DIR", str(tmp_path))
    st.cache_data.clear()
    _write_snapshot(tmp_path / "serving.duckdb", "run-1", 1.0)
    answers, failures = {}, []

    def session(n: int) -> None:
        try:
            for i in range(25):
                answers[n, i] = data._query("select v + ? as w from indicators", (n * 100 + i,))["w"].tolist()
        except Exception as error:  # noqa: BLE001 - collected for the assertion below
            failures.append(error)

    threads = [threading.Thread(target=session, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    assert answers == {(n, i): [1.0 + n * 100 + i] for n in range(8) for i in range(25)}
    st.cache_data.clear()


def _bare_expressions(source: str) -> list[int]:
    """Lines of the statements Streamlit's magic would show: bare expressions other than calls, yield, await
    and docstrings (a string first in a module, class or function body), which magic leaves alone."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0])
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body
    }
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr)
        and not isinstance(node.value, (ast.Call, ast.Yield, ast.YieldFrom, ast.Await))
        and not (id(node) in docstrings and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str))
    ]


def test_no_page_relies_on_streamlits_magic():
    """Magic is off (skolanalys/cli.py STREAMLIT_OPTIONS), so a bare expression in a page would show nothing."""
    assert _bare_expressions('"""Sidan."""\nx = 1\nx\n"text"\nst.write(x)\n') == [3, 4]
    bare = {
        str(path.relative_to(REPO)): lines
        for path in sorted((REPO / "dashboards").rglob("*.py"))
        if (lines := _bare_expressions(path.read_text(encoding="utf-8")))
    }
    assert bare == {}


# --- skolanalys serve ------------------------------------------------------------------------------------


def test_serve_binds_locally_hides_the_developer_menu_and_keeps_secrets_in_a_private_file(login, monkeypatch):
    settings = load_oidc_settings()
    assert settings is not None and settings.redirect_uri == "http://127.0.0.1:8501/oauth2callback"
    path = write_secrets_file(settings)
    try:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        parsed = tomllib.loads(path.read_text(encoding="utf-8"))["auth"]
        assert parsed["client_secret"] == "hemligt" and len(parsed["cookie_secret"]) >= 32
        assert parsed["server_metadata_url"].endswith("/.well-known/openid-configuration")
        command = cli._streamlit_command(load_settings(), 8600, "127.0.0.1", path)
    finally:
        path.unlink()
    joined = " ".join(command)
    for option in (
        "--server.address 127.0.0.1",
        "--client.toolbarMode minimal",
        "--browser.gatherUsageStats false",
        "--runner.magicEnabled false",
        f"--secrets.files {path}",
    ):
        assert option in joined
    assert "SKOLANALYS_OIDC_CLIENT_SECRET" not in cli._serve_environment()
    # Two starts, two cookie secrets, unless one is set.
    assert load_oidc_settings().cookie_secret != settings.cookie_secret
    monkeypatch.setenv("SKOLANALYS_OIDC_CLIENT_ID", "")
    with pytest.raises(SettingsError, match="SKOLANALYS_OIDC_CLIENT_ID"):
        load_oidc_settings()


def test_serve_without_login_refuses_to_listen_beyond_this_computer(snapshot, capsys):
    assert cli.main(["serve", "--address", "0.0.0.0"]) == 2
    assert "bara på 127.0.0.1" in capsys.readouterr().err
