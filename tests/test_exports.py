"""`skolanalys export` and the dashboard's download buttons (issue 12; docs/exports.md).

Fast tests on a tiny hand-built serving file; the acceptance tests on the demo municipality's snapshot (the
session fixture `demo`, copied — exports never write into the shared run's folder): the årsbokslut opens in
LibreOffice with the snapshot's values cell for cell, a past export is reproduced byte for byte after a
revised Kolada value and the diff lists that revision, and nothing small or pupil-level leaves.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from skolanalys import cli
from skolanalys.exports import labels
from skolanalys.exports.archive import Archive
from skolanalys.exports.catalogue import NAMED_EXPORTS, ExportError
from skolanalys.exports.selection import parse_periods, parse_year
from skolanalys.exports.tables import TABLES
from tests.browser.snapshot import add_kolada_freshness
from tests.conftest import REPO, run_skolanalys, skolanalys_env
from tests.contract_tables import create_table, mart_models

PUBLISHED = "2026-11-23T02:00:00+00:00"

# --- a tiny serving file -------------------------------------------------------------------------------------


def make_tiny(data: Path, run_id: str = "run-1", published: str = PUBLISHED) -> Path:
    """A serving file of a few rows: a local cell hidden by disclosure control ('..'), Kolada's own 'Missing',
    school units, benchmarking with riket, attendance, freshness, and a text a spreadsheet would run."""
    data.mkdir(parents=True, exist_ok=True)
    path = data / "serving.duckdb"
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    create_table(
        con,
        "indicators",
        [
            ("N15505", "Meritvärde åk 9", "Meritvärde", "poäng", True, "Genomsnittligt meritvärde.", "kolada", 10,
             "betyg_ak9"),
            ("SKA_FRV", "Frånvaro", "Frånvaro", "procent", False, "Frånvaro i procent.", "local", 100, "franvaro"),
        ],
        ("indicator_id", "title_sv", "short_title_sv", "unit", "higher_is_better", "description", "source",
         "sort_order", "topic"),
    )  # fmt: skip
    rows = [
        ("N15505", "kommun", "1261", "Kävlinge", 2024, "T", 231.9, 305, "", "local", 10),
        ("N15505", "kommun", "1261", "Kävlinge", 2025, "T", 1234.56, 310, "", "local", 10),
        ("N15505", "skolenhet", "11110001", "Aska skola", 2025, "T", 240.25, 40, "", "local", 10),
        ("N15505", "skolenhet", "22220002", "Björk skola", 2025, "T", None, None, "..", "local", 10),
        ("N15505", "kommun", "1261", "Kävlinge", 2025, "T", 229.5, None, "", "kolada", None),
        ("N15505", "riket", "0000", "Riket", 2025, "T", None, None, "Missing", "kolada", None),
        ("SKA_FRV", "kommun", "1261", "Kävlinge", 2025, "T", 6.25, 300, "", "local", 10),
    ]
    create_table(
        con,
        "indicator_values",
        [(*r[:5], f"{r[4] - 1}/{r[4] % 100:02d}", *r[5:]) for r in rows],
        ("indicator_id", "level", "unit_code", "unit_name", "year", "school_year", "gender", "value", "n", "status",
         "source", "min_n"),
    )  # fmt: skip
    create_table(
        con,
        "benchmarking",
        [
            ("N15505", "Meritvärde åk 9", "poäng", "Betyg", 1, True, "1261", 2024, "T", 228.0, "", 224.0, "", 226.5,
             7, 2022, 40, 290, 1, None, False, "Källa: Kolada (RKA)"),
            ("N15505", "Meritvärde åk 9", "poäng", "Betyg", 1, True, "1261", 2025, "T", 229.5, "", None, "Missing",
             227.0, 7, 2024, 35, 290, 1, 1.5, False, "Källa: Kolada (RKA)"),
        ],
        ("kpi_id", "kpi_title", "unit", "kpi_group", "kpi_position", "higher_is_better", "municipality_code", "year",
         "gender", "value", "status", "riket_value", "riket_status", "similar_mean", "similar_with_value",
         "similar_group_year", "rank", "ranked_municipalities", "quartile", "change_from_previous_year",
         "was_revised", "attribution"),
    )  # fmt: skip
    create_table(
        con,
        "attendance_by_period",
        [
            ("kommun", "1261", "Kävlinge", 2025, "2024/25", 0, "Hela läsåret", "T", 1204, 6.5, 5.0, 1.5, 20.25, 9.0,
             0.5, 95.5, "", 10),
            ("skolenhet", "11110001", "Aska skola", 2025, "2024/25", 0, "Hela läsåret", "T", 40, 7.0, 5.5, 1.5, 22.0,
             10.0, 0.0, 96.0, "", 10),
            ("skolenhet", "22220002", "Björk skola", 2025, "2024/25", 1, "Period 1 (juli–december)", "K", None,
             None, None, None, None, None, None, None, "..", 10),
        ],
        ("level", "unit_code", "unit_name", "year", "school_year", "period", "period_name", "gender", "n",
         "absence_pct", "valid_absence_pct", "invalid_absence_pct", "above_10_pct", "above_15_pct", "above_50_pct",
         "reporting_rate_pct", "status", "min_n"),
    )  # fmt: skip
    add_kolada_freshness(con, datetime(2025, 12, 12), 30, datetime(2026, 11, 22, 1, 30))
    create_table(
        con,
        "goal_actions",
        [("M1", "Alla elever når målen", 1, 1, "'=SUM(A1)", "påbörjad", "Rektor", None)],
        ("goal_id", "goal_title", "goal_sort_order", "action_no", "action", "status", "responsible", "comment"),
    )
    # Not a mart: written by pipelines/assets/serving.py, every column varchar.
    con.execute(
        "create table snapshot_info as select ? as published_at, '1261' as kommunkod, ? as run_id", [published, run_id]
    )
    con.close()
    return path


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    import streamlit as st

    data = tmp_path / "data"
    make_tiny(data)
    monkeypatch.setenv("SKOLANALYS_DATA_DIR", str(data))
    monkeypatch.chdir(tmp_path)
    st.cache_data.clear()  # the dashboard's cache is keyed by snapshot id, the same in every tiny file
    yield data
    st.cache_data.clear()


def export(*args: str) -> int:
    """`skolanalys export …` in this process (the environment is the test's)."""
    return cli.main(["export", *args])


# --- reading an xlsx as a spreadsheet program does: its XML ------------------------------------------------

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _column_number(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref).group(0)
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number - 1


def read_xlsx(content: bytes) -> dict[str, dict]:
    """sheet name → {'cells': {(row, col): (kind 'n'|'s', value, number format)}, 'xml': the sheet's XML}."""
    z = zipfile.ZipFile(io.BytesIO(content))
    shared = [
        "".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t"))
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS)
    ]
    styles = ET.fromstring(z.read("xl/styles.xml"))
    custom = {int(f.get("numFmtId")): f.get("formatCode") for f in styles.iterfind("m:numFmts/m:numFmt", NS)}
    builtin = {0: "General", 1: "0", 3: "#,##0", 14: "yyyy-mm-dd"}
    xfs = [int(x.get("numFmtId", 0)) for x in styles.find("m:cellXfs", NS).findall("m:xf", NS)]
    formats = [custom.get(i, builtin.get(i, str(i))) for i in xfs]
    book = ET.fromstring(z.read("xl/workbook.xml"))
    rels = {
        r.get("Id"): r.get("Target")
        for r in ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        if r.get("Target", "").startswith("worksheets/")
    }
    out = {}
    for sheet in book.find("m:sheets", NS):
        xml = z.read("xl/" + rels[sheet.get(REL)]).decode()
        cells = {}
        for c in ET.fromstring(xml).iter(f"{{{NS['m']}}}c"):
            ref, v = c.get("r"), c.find("m:v", NS)
            if v is None:
                continue
            row = int(re.search(r"\d+", ref).group(0)) - 1
            fmt = formats[int(c.get("s", 0))]
            if c.get("t") == "s":
                cells[(row, _column_number(ref))] = ("s", shared[int(v.text)], fmt)
            else:
                cells[(row, _column_number(ref))] = ("n", float(v.text), fmt)
        out[sheet.get("name")] = {"cells": cells, "xml": xml}
    out["_core"] = {"xml": z.read("docProps/core.xml").decode(), "cells": {}}
    return out


def sheet_rows(sheet: dict) -> list[list]:
    cells = sheet["cells"]
    if not cells:
        return []
    rows = max(r for r, _ in cells) + 1
    cols = max(c for _, c in cells) + 1
    return [[cells.get((r, c), (None, None, None))[1] for c in range(cols)] for r in range(rows)]


# --- declarations --------------------------------------------------------------------------------------------


def serving_declaration(name: str):
    """A literal of pipelines/serving_tables.py (SERVED_TABLES, FORBIDDEN_COLUMNS, CONTROLLED_CELLS, re-exported
    by pipelines/assets/serving.py), read without importing Dagster (seconds on these machines)."""
    tree = ast.parse((REPO / "pipelines" / "serving_tables.py").read_text(encoding="utf-8"))
    for node in tree.body:
        target = (
            node.target
            if isinstance(node, ast.AnnAssign)
            else (node.targets[0] if isinstance(node, ast.Assign) else None)
        )
        if getattr(target, "id", "") == name:
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} not found in pipelines/serving_tables.py")


def served_tables() -> dict[str, str]:
    return serving_declaration("SERVED_TABLES")


def _served_marts() -> dict[str, dict]:
    """Each served table's columns and unique key as the dbt marts declare them."""
    declared = {}
    for name, model in mart_models().items():
        keys = None
        for test in model.get("data_tests", []) or []:
            if isinstance(test, dict) and "unique_combination" in test:
                keys = test["unique_combination"]["arguments"]["columns"]
        declared[name] = {"columns": [c["name"] for c in model.get("columns", [])], "keys": keys}
    return {table: declared[mart.split(".")[1]] for table, mart in served_tables().items()}


def test_every_served_table_and_column_has_a_swedish_name_and_a_key():
    served = _served_marts()
    assert set(TABLES) == set(served), "exports/tables.py declares exactly the served tables"
    assert set(labels.TABLES) == set(served), "exports/labels.py names exactly the served tables"
    names = [labels.sheet_name(t) for t in served] + [labels.PROVENANCE_SHEET]
    assert len(set(names)) == len(names)
    for name in names:
        assert len(name) <= 31 and not set(name) & set(":\\/?*[]"), name
    for table, mart in served.items():
        for column in mart["columns"]:
            assert labels.column_label(table, column) != column, (table, column)
        headers = [labels.column_label(table, c) for c in mart["columns"]]
        assert len(set(headers)) == len(headers), (table, headers)
        if mart["keys"]:
            assert list(TABLES[table].keys) == list(mart["keys"]), table


def test_named_exports_are_documented_with_their_tables():
    doc = (REPO / "docs" / "exports.md").read_text(encoding="utf-8")
    for name, named in NAMED_EXPORTS.items():
        assert f"`{name}`" in doc, name
        for pick in named.tables:
            assert pick.table in TABLES
            assert f"`{pick.table}`" in doc, (name, pick.table)


def test_years_and_periods_are_read_as_a_swede_writes_them():
    assert parse_year("2025") == 2025
    assert parse_year("2024/25") == 2025
    assert parse_year("2024/2025") == 2025
    assert parse_year("alla") is None
    assert parse_year(None) == "latest"
    assert parse_periods("1,2") == (1, 2)
    assert parse_periods("hela") == (0,)
    for bad in ("2024/26", "25", "tjugo"):
        with pytest.raises(ExportError):
            parse_year(bad)
    with pytest.raises(ExportError):
        parse_periods("4")


# --- xlsx, csv, parquet on the tiny file --------------------------------------------------------------------


def _only_file(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    assert len(found) == 1, found
    return found[0]


def test_xlsx_has_swedish_sheets_number_formats_codes_as_text_and_provenance(tiny, tmp_path):
    assert export("--tabeller", "indicator_values,benchmarking,attendance_by_period", "--year", "2025") == 0
    path = _only_file(tmp_path, "tabeller_2025_skolor_*.xlsx")
    book = read_xlsx(path.read_bytes())
    assert [n for n in book if n != "_core"] == [
        "Om underlaget",
        "Indikatorvärden",
        "Jämförelser Kolada",
        "Frånvaro per period",
    ]
    values = book["Indikatorvärden"]
    rows = sheet_rows(values)
    assert rows[0][:8] == ["Indikator-id", "Nivå", "Enhetskod", "Enhet", "År", "Läsår", "Kön (T/K/M)", "Värde"]
    by_unit = {(r[1], r[2], r[10]): r for r in rows[1:]}
    hidden = by_unit[("skolenhet", "22220002", "local")]
    assert hidden[7] == ".." and hidden[8] == ".." and hidden[9] == ".."  # value and n as text, status '..'
    assert by_unit[("riket", "0000", "kolada")][7] == "."  # Kolada's 'Missing': no figure
    cells = values["cells"]
    row = next(i for i, r in enumerate(rows) if r[2] == "1261" and r[10] == "local" and r[4] == 2025)
    assert cells[(row, 7)] == ("n", 1234.56, "#,##0.0")  # a number, shown '1 234,6' in Swedish Excel
    assert cells[(row, 4)] == ("n", 2025.0, "0")  # a year without a thousands separator
    assert cells[(row, 8)] == ("n", 310.0, "#,##0")
    assert cells[(row, 2)][0] == "s"  # codes stay text: '0000' keeps its zeros
    hidden_row = rows.index(hidden)
    assert cells[(hidden_row, 7)][0] == "s"
    xml = values["xml"]
    assert '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' in xml
    assert "<autoFilter ref=" in xml and "<col " in xml
    bench = sheet_rows(book["Jämförelser Kolada"])
    assert "Riket" in bench[0] and bench[1][bench[0].index("Riket")] == "."  # riket_status 'Missing'
    assert bench[1][bench[0].index("Reviderat av Kolada")] == "nej"
    about = "\n".join(str(v) for r in sheet_rows(book["Om underlaget"]) for v in r if v is not None)
    for text in (
        "run-1",
        "2026-11-23 kl. 03:00",  # published_at in Swedish time
        "Kävlinge (1261)",
        "Kolada (RKA): kommunernas nyckeltal",
        "2025-12-12",
        "2026-11-22 kl. 02:30",
        "färre än 10 elever (5 svarande",
        "Kompletterande skydd",
        "Teckenförklaring",
        "Genomsnittligt meritvärde.",
        "Källa: Kolada (RKA)",
        "Tabeller, 2025 (läsår 2024/25)",
    ):
        assert text in about, text
    assert '<dcterms:created xsi:type="dcterms:W3CDTF">2026-11-23T02:00:00Z</dcterms:created>' in book["_core"]["xml"]


def test_the_same_snapshot_and_selection_give_the_same_bytes_and_id(tiny, tmp_path):
    for fmt in ("xlsx", "csv", "parquet"):
        assert export("--for", "arsbokslut", "--format", fmt, "--out", str(tmp_path / "a") + "/") == 0
        assert export("--for", "arsbokslut", "--format", fmt, "--out", str(tmp_path / "b") + "/") == 0
    first = {p.name: p.read_bytes() for p in (tmp_path / "a").iterdir()}
    second = {p.name: p.read_bytes() for p in (tmp_path / "b").iterdir()}
    assert first == second and len(first) == 3
    for name, content in first.items():
        assert hashlib.sha256(content).hexdigest()[:12] in name
    listing = Archive(tiny / "exports.duckdb").listing()
    assert len(listing) == 3 and all(r["times"] == 2 for r in listing)  # stored once, made twice


def test_csv_is_what_swedish_excel_opens(tiny, tmp_path):
    assert export("--tabeller", "indicator_values", "--year", "2025", "--format", "csv") == 0
    raw = _only_file(tmp_path, "tabeller_2025_skolor_*.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0].startswith("Indikator-id;Nivå;Enhetskod;Enhet;År;Läsår;Kön (T/K/M);Värde;")
    assert "N15505;kommun;1261;Kävlinge;2025;2024/25;T;1234,56;310;;local;10" in lines
    assert "N15505;skolenhet;22220002;Björk skola;2025;2024/25;T;..;..;..;local;10" in lines

    assert export("--tabeller", "indicator_values,goal_actions", "--year", "2025", "--format", "csv") == 0
    archive = zipfile.ZipFile(_only_file(tmp_path, "tabeller_2025_skolor_*.zip"))
    assert archive.namelist() == ["indicator_values.csv", "goal_actions.csv", "om_underlaget.csv"]
    assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    actions = list(csv.reader(io.StringIO(archive.read("goal_actions.csv").decode("utf-8-sig")), delimiter=";"))
    assert actions[1][4] == "'=SUM(A1)"  # served neutralised, and written as the text it is
    assert "Källa: Kolada" in archive.read("om_underlaget.csv").decode("utf-8-sig")

    # Served in UTC, shown in Swedish time: 01:30 UTC on 22 November is 02:30 in Stockholm (CET).
    assert export("--tabeller", "data_freshness", "--year", "alla", "--format", "csv") == 0
    freshness = _only_file(tmp_path, "tabeller_alla-ar_skolor_*.csv").read_text(encoding="utf-8-sig")
    assert "Senast hämtad (svensk tid)" in freshness and "2026-11-22 02:30:00" in freshness


def test_parquet_keeps_served_names_types_and_values(tiny, tmp_path):
    assert export("--tabeller", "indicator_values,benchmarking", "--year", "alla", "--format", "parquet") == 0
    archive = zipfile.ZipFile(_only_file(tmp_path, "tabeller_alla-ar_skolor_*.zip"))
    assert archive.namelist() == ["indicator_values.parquet", "benchmarking.parquet", "om_underlaget.json"]
    table = pq.read_table(io.BytesIO(archive.read("indicator_values.parquet")))
    con = duckdb.connect(str(tiny / "serving.duckdb"), read_only=True)
    expected = con.execute("select * from indicator_values order by all").fetchall()
    con.close()
    assert [tuple(r.values()) for r in table.to_pylist()] == expected
    about = json.loads(archive.read("om_underlaget.json"))
    assert about["info"]["run_id"] == "run-1" and about["columns"]["indicator_values"]["value"] == "Värde"


def test_levels_keep_the_kommun_or_one_school_with_its_context(tiny, tmp_path):
    def units(*args: str) -> set[tuple[str, str]]:
        out = tmp_path / "level"
        shutil.rmtree(out, ignore_errors=True)
        assert (
            export("--tabeller", "indicator_values", "--year", "alla", "--format", "csv", "--out", f"{out}/", *args)
            == 0
        )
        text = next(out.iterdir()).read_text(encoding="utf-8-sig")
        return {(r[1], r[2]) for r in list(csv.reader(io.StringIO(text), delimiter=";"))[1:]}

    assert units("--niva", "kommun") == {("kommun", "1261"), ("riket", "0000")}
    assert units("--skolenhet", "11110001") == {("kommun", "1261"), ("riket", "0000"), ("skolenhet", "11110001")}
    assert ("skolenhet", "22220002") in units("--niva", "skolor")


def test_a_past_export_comes_back_byte_for_byte_and_the_diff_lists_revisions(tiny, tmp_path, capsys):
    assert export("--for", "arsbokslut", "--year", "2025") == 0
    first = _only_file(tmp_path, "arsbokslut_2025_kommun_*.xlsx")
    export_id = first.stem.rsplit("_", 1)[1]
    original = first.read_bytes()
    con = duckdb.connect(str(tiny / "serving.duckdb"))
    con.execute(
        "update indicator_values set value = 230.0 where source = 'kolada' and year = 2025 and unit_code = '1261'"
    )
    con.execute("update benchmarking set value = 230.0, was_revised = true where year = 2025")
    con.execute("update snapshot_info set run_id = 'run-2', published_at = '2026-11-30T02:00:00+00:00'")
    con.close()
    capsys.readouterr()
    assert export("--again", export_id[:6], "--out", str(tmp_path / "igen") + "/") == 0
    again = (tmp_path / "igen" / first.name).read_bytes()
    assert again == original
    assert export("--diff", export_id) == 0
    out = capsys.readouterr().out
    changes = [line for line in out.splitlines() if line.startswith(("Indikatorvärden", "Jämförelser Kolada"))]
    assert len(changes) == 3, out
    assert re.search(
        r"Indikatorvärden\s+indicator_id=N15505, level=kommun, unit_code=1261, year=2025, gender=T, "
        r"source=kolada\s+Värde\s+229,5\s+230$",
        out,
        re.M,
    ), out
    assert re.search(r"Jämförelser Kolada\s+kpi_id=N15505, year=2025, gender=T\s+Reviderat av Kolada\s+nej\s+ja", out)
    assert "3 ändrade celler" in out and "run-2" in out


def test_mistakes_are_one_swedish_line_and_exit_2(tiny, tmp_path, capsys):
    cases = {
        ("--tabeller", "elever"): "okänd tabell 'elever'",
        ("--for", "arsbokslut", "--skolenhet", "99999999"): "okänd skolenhet '99999999'",
        ("--again", "abcdef123456"): "okänt export-id 'abcdef123456'",
        ("--diff", "abcdef"): "okänt export-id",
        ("--for", "arsbokslut", "--year", "nästa år"): "ogiltigt år",
        ("--tabeller", "indicator_values", "--niva", "skolenhet"): "--niva skolenhet behöver --skolenhet",
        ("--for", "arsbokslut", "--year", "1990"): "inga uppgifter för 1990 (läsår 1989/90)",
    }
    for args, message in cases.items():
        capsys.readouterr()
        assert export(*args) == 2, args
        err = capsys.readouterr().err
        assert err.startswith("skolanalys: ") and message in err, (args, err)
        assert len(err.strip().splitlines()) == 1, err
    # The console script itself, as a user runs it: no snapshot yet.
    empty = skolanalys_env(tmp_path / "tom", tmp_path / "landing")
    result = run_skolanalys(["export", "--for", "arsbokslut"], empty, timeout=60)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("skolanalys: ingen serveringsfil") and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# --- the dashboard ----------------------------------------------------------------------------------------------


def test_download_holds_only_the_rows_the_role_sees_and_is_archived_with_the_user(tiny, capsys):
    import streamlit as st

    from dashboards import data, downloads
    from skolanalys.auth_settings import Access

    st.cache_data.clear()
    rektor = Access(user="rektor@kommun.se", role="rektor", units=frozenset({"11110001"}), data_quality=False)
    picks = downloads.PAGE_TABLES["franvaro"]
    selection = downloads._selection("Frånvaro", picks, rektor)
    produce = downloads._producer(data.snapshot_id(), selection.to_json(), "csv", rektor.user)
    text = produce().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))[1:]
    assert {(r[0], r[1]) for r in rows} == {("kommun", "1261"), ("skolenhet", "11110001")}
    listing = Archive(tiny / "exports.duckdb").listing()
    assert [(r["first_exported_by"], r["format"]) for r in listing] == [("rektor@kommun.se", "csv")]
    stored = Archive(tiny / "exports.duckdb").get(listing[0]["export_id"])
    assert stored.selection.units == ("11110001",) and stored.selection.role == "rektor"
    assert stored.title == "Skolanalys: Instrumentpanelen, sidan Frånvaro, alla år, kommunen och alla skolenheter"
    assert stored.file_name.startswith("franvaro_alla-ar_skolor_")
    capsys.readouterr()
    assert export("--diff", stored.export_id) == 0  # today's rows, read for the same role
    assert "Inga ändringar" in capsys.readouterr().out
    for page, picks in downloads.PAGE_TABLES.items():
        assert page in {"oversikt", *(p.url_path for p in _pages())}, page
        assert all(p.table in TABLES for p in picks)
    st.cache_data.clear()


def _pages():
    from dashboards import pages

    return pages.PAGES


def test_every_page_has_its_download_buttons(tiny):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "dashboards" / "app.py"), default_timeout=60)
    at.switch_page("app_pages/franvaro.py")
    at.run()
    assert not at.exception
    assert any("Ladda ner underlaget" in m.value for m in at.sidebar.markdown)
    buttons = [b for b in at.sidebar.get("download_button")]
    assert len(buttons) == 2


# --- the demo municipality --------------------------------------------------------------------------------------

LO_FILTER = "csv:Text - txt - csv (StarCalc):59,34,76,1,,1053,false,true,{shown},false,false,-1"
SWEDISH_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse">
<value>sv-SE</value></prop></item>
</oor:items>
"""


def libreoffice_sheets(xlsx: Path, out: Path, profile: Path, *, as_shown: bool) -> dict[str, list[list[str]]]:
    """Every sheet of `xlsx` as LibreOffice Calc exports it to csv (';', UTF-8, one file per sheet): the cells'
    values, or as shown (`as_shown`) by a Swedish LibreOffice. A private profile per call: parallel runs do not
    clash. The filter's tokens: separator 59 ';', text delimiter 34 '"', charset 76 UTF-8, from line 1, no
    column formats, language 1053 (Swedish), quoted fields not as text, detect special numbers, save cell
    contents as shown (true/false), no formulas, keep spaces, -1: every sheet to its own file."""
    soffice = shutil.which("soffice") or "/usr/bin/soffice"
    if not Path(soffice).exists():
        pytest.fail("LibreOffice (soffice) is needed: apt-get install libreoffice-calc-nogui")
    out.mkdir(parents=True, exist_ok=True)
    if as_shown:  # shown as in a Swedish spreadsheet program: the profile's locale sv-SE
        (profile / "user").mkdir(parents=True, exist_ok=True)
        (profile / "user" / "registrymodifications.xcu").write_text(SWEDISH_PROFILE, encoding="utf-8")
    command = [
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--convert-to",
        LO_FILTER.format(shown="true" if as_shown else "false"),
        "--outdir",
        str(out),
        str(xlsx),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    sheets = {}
    for path in out.glob(f"{xlsx.stem}-*.csv"):
        text = path.read_text(encoding="utf-8")
        sheets[path.stem.removeprefix(f"{xlsx.stem}-")] = list(csv.reader(io.StringIO(text), delimiter=";"))
    return sheets


@pytest.fixture
def demo_copy(demo, tmp_path):
    """The demo's serving snapshot alone in a data folder of the test's own (exports write their archive
    beside it; the shared run's folder stays untouched)."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(demo.data / "serving.duckdb", data / "serving.duckdb")
    return data


def _query(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


# The årsbokslut as docs/exports.md declares it, read here independently of skolanalys/exports: the served
# table behind each sheet and the rows it holds for year Y at level kommun.
ARSBOKSLUT_TOPICS = "('betyg_ak9', 'nationella_prov', 'franvaro', 'enkater', 'kolada')"
ARSBOKSLUT = {
    "Indikatorer": ("indicators", f"topic in {ARSBOKSLUT_TOPICS}"),
    "Indikatorvärden": (
        "indicator_values",
        "year between {y} - 4 and {y} and level <> 'skolenhet' and indicator_id in"
        f" (select indicator_id from indicators where topic in {ARSBOKSLUT_TOPICS})",
    ),
    "Jämförelser Kolada": ("benchmarking", "year between {y} - 4 and {y}"),
    "Frånvaro per period": ("attendance_by_period", "year between {y} - 1 and {y} and level <> 'skolenhet'"),
    "Enkätresultat": ("survey_results", "year = {y} and level <> 'skolenhet'"),
    "Målstatus": ("goal_status", "year = {y}"),
    "Målens mått": ("goal_results", "year = {y} and level <> 'skolenhet'"),
    "Målens aktiviteter": ("goal_actions", "true"),
}
STATUS_OF = {"value": "status", "n": "status", "riket_value": "riket_status"}


def _matches(served, cell: str, column: str, row: dict) -> bool:
    """A raw exported cell (LibreOffice, values not as shown) against the served value."""
    if served is None:
        status = row.get(STATUS_OF.get(column, "status"))
        if column in ("value", "n", "riket_value") and status == "..":
            return cell == ".."
        return cell in ("", ".", "..")
    if isinstance(served, bool):
        return cell == ("ja" if served else "nej")
    if isinstance(served, int | float):
        return cell != "" and float(cell) == pytest.approx(float(served), rel=1e-12, abs=1e-9)
    return cell == str(served)


def test_arsbokslut_opens_in_libreoffice_with_the_snapshots_values_cell_for_cell(demo_copy, tmp_path):
    serving = demo_copy / "serving.duckdb"
    year = _query(serving, "select max(year) from indicator_values")[0][0]
    env = skolanalys_env(demo_copy, tmp_path / "landing")
    result = run_skolanalys(["export", "--for", "arsbokslut", "--year", str(year), "--out", str(tmp_path)], env)
    assert result.returncode == 0, result.stderr
    xlsx = _only_file(tmp_path, f"arsbokslut_{year}_kommun_*.xlsx")

    sheets = libreoffice_sheets(xlsx, tmp_path / "csv", tmp_path / "lo", as_shown=False)
    assert set(sheets) == {"Om underlaget", *ARSBOKSLUT}
    checked = 0
    for sheet, (table, where) in ARSBOKSLUT.items():
        columns = [r[0] for r in _query(serving, f"describe {table}")]
        expected = _query(serving, f"select * from {table} where {where.format(y=year)}")
        rows = sheets[sheet]
        assert len(rows) - 1 == len(expected), sheet
        assert rows[0] == [labels.column_label(table, c) for c in columns], sheet
        remaining = [dict(zip(columns, r, strict=True)) for r in expected]
        for cells in rows[1:]:
            found = next(
                (
                    r
                    for r in remaining
                    if all(_matches(r[c], cell, c, r) for c, cell in zip(columns, cells, strict=True))
                ),
                None,
            )
            assert found is not None, (sheet, cells)
            remaining.remove(found)
            checked += len(cells)
    assert checked > 10_000

    # As a Swede sees it: decimal comma, a space between thousands, '..' kept as text.
    shown = libreoffice_sheets(xlsx, tmp_path / "sv", tmp_path / "lo_sv", as_shown=True)
    values = shown["Indikatorvärden"]
    header = values[0]
    value_at, year_at = header.index("Värde"), header.index("År")
    numbers = [r[value_at] for r in values[1:] if r[value_at] not in ("", ".", "..")]
    assert numbers and all(re.fullmatch(r"-?\d{1,3}(\u00a0\d{3})*,\d", v) for v in numbers), numbers[:5]
    assert any("\u00a0" in v for v in numbers)  # kr/elev: thousands
    assert all(re.fullmatch(r"\d{4}", r[year_at]) for r in values[1:])
    assert any(r[value_at] == ".." for r in values[1:])
    about = "\n".join(";".join(r) for r in shown["Om underlaget"])
    run_id, published = _query(serving, "select run_id, published_at from snapshot_info")[0]
    for text in (
        run_id,
        "Röjandekontroll",
        "färre än 10 elever",
        "Nationella källor",
        "Källa: Kolada (RKA)",
        "Teckenförklaring",
        f"{year} = läsår {year - 1}/{year % 100:02d}",
    ):
        assert text in about, text
    assert re.search(r"Publicerad;\d{4}-\d{2}-\d{2} kl\. \d{2}:\d{2} \(svensk tid\)", about)


def test_a_revision_of_kolada_leaves_the_past_export_and_the_diff_lists_it(demo_copy, tmp_path):
    serving = demo_copy / "serving.duckdb"
    env = skolanalys_env(demo_copy, tmp_path / "landing")
    year = _query(serving, "select max(year) from indicator_values")[0][0]
    made = run_skolanalys(["export", "--for", "arsbokslut", "--year", str(year), "--out", str(tmp_path / "då")], env)
    assert made.returncode == 0, made.stderr
    original = _only_file(tmp_path / "då", "*.xlsx")
    export_id = original.stem.rsplit("_", 1)[1]

    # Kolada revises one published value; the next run publishes it as a new snapshot: the municipality's
    # cell in indicator_values and benchmarking (flagged was_revised), and the change from the year before.
    kpi, kolada_year, old = _query(
        serving,
        "select kpi_id, year, value from benchmarking where gender = 'T' and value is not null"
        " and year between ? - 4 and ? and change_from_previous_year is not null and not was_revised"
        " and not exists (select 1 from benchmarking b2 where b2.kpi_id = benchmarking.kpi_id"
        " and b2.year = benchmarking.year + 1 and b2.gender = 'T')"
        " order by year desc, kpi_id limit 1",
        [year, year],
    )[0]
    revised = round(old + 1.5, 6)
    con = duckdb.connect(str(serving))
    kommun = con.execute("select kommunkod from snapshot_info").fetchall()[0][0]
    con.execute(
        "update indicator_values set value = ? where source = 'kolada' and indicator_id = ? and year = ?"
        " and unit_code = ? and gender = 'T'",
        [revised, kpi, kolada_year, kommun],
    )
    con.execute(
        "update benchmarking set value = ?, was_revised = true,"
        " change_from_previous_year = round(change_from_previous_year + 1.5, 6)"
        " where kpi_id = ? and year = ? and gender = 'T'",
        [revised, kpi, kolada_year],
    )
    con.execute("update snapshot_info set run_id = 'reviderad-körning', published_at = '2027-02-01T03:00:00+00:00'")
    con.close()

    again = run_skolanalys(["export", "--again", export_id, "--out", str(tmp_path / "igen")], env)
    assert again.returncode == 0, again.stderr
    copy = tmp_path / "igen" / original.name
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == hashlib.sha256(original.read_bytes()).hexdigest()

    diff = run_skolanalys(["export", "--diff", export_id], env)
    assert diff.returncode == 0, diff.stderr
    lines = [line for line in diff.stdout.splitlines() if line.startswith(("Indikatorvärden", "Jämförelser"))]
    shown_old, shown_new = (f"{v:.6f}".rstrip("0").rstrip(".").replace(".", ",") for v in (old, revised))
    assert len(lines) == 4, diff.stdout
    assert any(
        re.search(
            rf"^Indikatorvärden\s+indicator_id={kpi}, level=kommun, unit_code={kommun}, year={kolada_year}, "
            rf"gender=T, source=kolada\s+Värde\s+{shown_old}\s+{shown_new}$",
            line,
        )
        for line in lines
    ), lines
    bench = [line for line in lines if line.startswith("Jämförelser Kolada")]
    assert all(f"kpi_id={kpi}, year={kolada_year}, gender=T" in line for line in bench), bench
    assert {re.split(r"\s{2,}", line)[2] for line in bench} == {
        "Kommunens värde",
        "Reviderat av Kolada",
        "Förändring från föregående år",
    }
    assert "reviderad-körning" in diff.stdout and "4 ändrade celler" in diff.stdout


def test_no_export_holds_a_small_cell_or_a_pupil_level_column(demo_copy, tmp_path, monkeypatch):
    served = served_tables()
    forbidden, controlled = serving_declaration("FORBIDDEN_COLUMNS"), serving_declaration("CONTROLLED_CELLS")
    serving = demo_copy / "serving.duckdb"
    monkeypatch.setenv("SKOLANALYS_DATA_DIR", str(demo_copy))  # in this process (the console script: above)
    unit = _query(serving, "select min(unit_code) from indicator_values where level = 'skolenhet'")[0][0]
    tables = ",".join(served)
    levels = {"kommun": ["--niva", "kommun"], "skolor": ["--niva", "skolor"], "skolenhet": ["--skolenhet", unit]}
    controlled = {**controlled, "indicator_values": ["value"]}
    for level, args in levels.items():
        out = tmp_path / level
        assert export("--tabeller", tables, "--year", "alla", "--format", "parquet", "--out", f"{out}/", *args) == 0
        archive = zipfile.ZipFile(_only_file(out, "*.zip"))
        exported = {n.removesuffix(".parquet") for n in archive.namelist() if n.endswith(".parquet")}
        if level == "kommun":  # tables of school units only (no level column) have nothing at level kommun
            for table in set(served) - exported:
                assert "level" not in [r[0] for r in _query(serving, f"describe {table}")], table
        else:
            assert exported == set(served)
        for name in archive.namelist():
            if not name.endswith(".parquet"):
                continue
            table = name.removesuffix(".parquet")
            rows = pq.read_table(io.BytesIO(archive.read(name))).to_pylist()
            columns = pq.read_schema(io.BytesIO(archive.read(name))).names
            assert not set(columns) & forbidden, (level, table)
            for row in rows:
                if level == "skolenhet" and row.get("level") == "skolenhet":
                    assert row.get("unit_code") == unit, (table, row)
                if level == "kommun":
                    assert row.get("level") != "skolenhet", (table, row)
                if "min_n" not in row:
                    continue
                if row["min_n"] is None:  # a published figure (Kolada, Skolverket): never the warehouse's own
                    assert "local" not in (row.get("source"), row.get("value_source"), row.get("own_source")), row
                    continue
                shown = [c for c in controlled.get(table, []) if row.get(c) is not None]
                if shown:
                    assert row["min_n"] >= 5, (table, row)
                    assert row.get("n") is not None and row["n"] >= row["min_n"], (level, table, row)

    # What users open: in the xlsx a hidden cell is the text '..', never a number (the latest year: the
    # writer is the same for every year, and a whole-history workbook takes long on these machines).
    cells = ("indicator_values", "attendance_by_period", "survey_results", "grade_test_discrepancy")
    assert export("--tabeller", ",".join(cells), "--out", f"{tmp_path / 'x'}/") == 0
    book = read_xlsx(_only_file(tmp_path / "x", "*.xlsx").read_bytes())
    hidden_checked = 0
    for table in cells:
        rows = sheet_rows(book[labels.sheet_name(table)])
        header = rows[0]
        status_at, n_at = header.index("Status"), header.index(labels.column_label(table, "n"))
        for row in rows[1:]:
            if row[status_at] == "..":
                assert row[n_at] == "..", (table, row)
                hidden_checked += 1
    assert hidden_checked > 20

    # CSV on real rows: BOM, ';' and a decimal comma.
    out = f"{tmp_path / 'c'}/"
    assert export("--tabeller", "attendance_by_period", "--year", "alla", "--format", "csv", "--out", out) == 0
    raw = _only_file(tmp_path / "c", "*.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    absence = rows[0].index("Frånvaro (%)")
    shown = [r[absence] for r in rows[1:] if r[absence] not in ("..", ".", "")]
    assert shown and all(re.fullmatch(r"\d+(,\d+)?", v) for v in shown) and any("," in v for v in shown)
    assert all(len(r) == len(rows[0]) for r in rows)
