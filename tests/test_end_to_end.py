"""End to end on the synthetic municipality `liten`: generate, `skolanalys run`, and compare every served
year-9 indicator with values this test computes itself from the landing files (its own CSV reading and its
own meritvärde and eligibility rules, written from domain.md) — and look for personnummer everywhere.

The run is the session fixture `liten` (tests/conftest.py, tests/shared_runs.py); the second run of the last
test changes nothing served, so the tests of other modules that use the fixture later see the same snapshot."""

from __future__ import annotations

import csv
import io
import re
import shutil
import statistics
from collections import Counter, defaultdict
from pathlib import Path

import duckdb
import pytest

from pipelines.assets.serving import publish
from sources.landing import attendance
from sources.landing.attendance import AttendanceLoader
from sources.landing.folder import sync_folder
from sources.landing.kind_loader import KindLoader
from sources.landing.kinds import POLARS_KINDS
from sources.landing.registry import KIND_SIGNATURES
from tests import contract_tables, derivability, leak_scan
from tests.conftest import TEST_KEY, run_skolanalys, skolanalys_env
from tests.dbt_cli import run_dbt

POINTS = {"A": 20.0, "B": 17.5, "C": 15.0, "D": 12.5, "E": 10.0, "F": 0.0, "-": 0.0}
CORE = {"SV", "SVA", "EN", "MA"}


def read_rows(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig") if raw.startswith(b"\xef\xbb\xbf") else None
    if text is None:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")
    first = text.splitlines()[0]
    reader = csv.DictReader(io.StringIO(text), delimiter=";" if first.count(";") >= first.count(",") else ",")
    fold = str.maketrans("åäö", "aao")
    return [{k.strip().lower().translate(fold): (v or "").strip() for k, v in row.items()} for row in reader]


def twelve_digits(pnr: str) -> str:
    digits = pnr.replace("-", "").replace("+", "")
    return digits if len(digits) == 12 else "20" + digits  # every synthetic pupil is born in the 2000s


def pupil_result(rows: list[dict[str, str]]) -> dict:
    """Merit value and eligibility of one pupil's final grades, from the rules in domain.md."""
    slots: dict[str, tuple[float, bool]] = {}
    for r in rows:
        subject = r["amne"]
        slot = (
            "SV/SVA"
            if subject in ("SV", "SVA")
            else (f"{subject}:{r.get('sprak', '')}" if subject in ("ML", "M1", "M2") else subject)
        )
        points, passed = POINTS[r["betyg"]], r["betyg"] in "ABCDE"
        best = slots.get(slot)
        slots[slot] = (max(points, best[0]), passed or best[1]) if best else (points, passed)
    pool = sorted((p for s, (p, _) in slots.items() if not s.startswith("M2")), reverse=True)
    m2 = max((p for s, (p, ok) in slots.items() if s.startswith("M2") and ok), default=0.0)
    passed_subjects = {r["amne"] for r in rows if r["betyg"] in "ABCDE"}
    core = bool(passed_subjects & {"SV", "SVA"}) and {"EN", "MA"} <= passed_subjects
    others = len({s for s, (_, ok) in slots.items() if ok and s not in ("SV/SVA", "EN", "MA")})
    return {
        "N15505": sum(pool[:16]) + m2,
        "any_pass": bool(passed_subjects),
        "N15419": all(r["betyg"] in "ABCDE" for r in rows),
        "N15436": core and others >= 5,
        "N15433": core and others >= 9 and {"BI", "FY", "KE"} <= passed_subjects,
        "N15434": core and others >= 9 and {"GE", "HI", "RE", "SH"} <= passed_subjects,
        "N15435": core and others >= 9,
    }


def expected_cells(landing: Path, kommunkod: str) -> dict[tuple, tuple[float, int]]:
    gender: dict[tuple[str, str], str] = {}
    for path in sorted((landing / "elever").glob("*.csv")):
        for r in read_rows(path):
            kon = {"FLICKA": "K", "K": "K", "POJKE": "M", "M": "M"}.get(r.get("kon", "").upper())
            pnr = twelve_digits(r["personnummer"])
            gender[(pnr, r["lasar"])] = kon or ("M" if int(pnr[10]) % 2 else "K")
    final: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for path in sorted((landing / "betyg").glob("*.csv")):
        for r in read_rows(path):
            if r["betygstyp"].lower() == "slutbetyg":
                final[(twelve_digits(r["personnummer"]), r["lasar"])].append(r)
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for (pnr, lasar), rows in final.items():
        result = pupil_result(rows)
        school = Counter(r["skolenhetskod"] for r in rows).most_common(1)[0][0]
        year = int(lasar[:4]) + 1
        g = gender.get((pnr, lasar)) or ("M" if int(pnr[10]) % 2 else "K")
        for unit in (("skolenhet", school), ("kommun", kommunkod)):
            for cell in ("T", g):
                groups[(*unit, year, cell)].append(result)
    cells = {}
    for (level, unit, year, g), results in groups.items():
        with_pass = [r["N15505"] for r in results if r["any_pass"]]
        if with_pass:
            cells[("N15505", level, unit, year, g)] = (statistics.fmean(with_pass), len(with_pass))
        for kpi in ("N15419", "N15436", "N15433", "N15434", "N15435"):
            cells[(kpi, level, unit, year, g)] = (100 * sum(r[kpi] for r in results) / len(results), len(results))
    return cells


def test_served_indicators_equal_an_independent_computation_from_the_landing_files(liten):
    landing, data = liten.landing, liten.data
    expected = expected_cells(landing, "1261")
    con = duckdb.connect(str(data / "serving.duckdb"), read_only=True)
    try:
        served = {
            (r[0], r[1], r[2], r[3], r[4]): (r[5], r[6], r[7])
            for r in con.execute(
                "select indicator_id, level, unit_code, year, gender, value, n, status from indicator_values "
                "where source = 'local' and indicator_id in ('N15505','N15419','N15436','N15433','N15434','N15435')"
            ).fetchall()
        }
    finally:
        con.close()
    assert set(served) == set(expected)
    suppressed = shown = complementary = 0
    for key, (value, n) in expected.items():
        level, unit, year = key[1], key[2], key[3]
        pair = [expected.get((key[0], level, unit, year, g)) for g in ("K", "M")]
        pair_small = any(p is None or p[1] < 10 for p in pair)
        must_hide = n < 10 or (key[4] != "T" and pair_small)
        got_value, got_n, status = served[key]
        if must_hide:
            assert (got_value, got_n, status) == (None, None, ".."), key
            suppressed += 1
        elif status == "..":  # complementary suppression: checked by test_no_hidden_cell_can_be_derived
            assert (got_value, got_n) == (None, None), key
            complementary += 1
        else:
            assert status == "" and got_n == n and got_value == pytest.approx(value), key
            shown += 1
    assert shown > 20 and suppressed > 0
    assert complementary < shown / 2


def test_no_personnummer_of_the_landing_files_in_either_duckdb_file_or_the_output(liten):
    landing, data, result = liten.landing, liten.data, liten
    numbers = set()
    for kind in ("elever", "betyg", "nationella_prov"):
        for path in (landing / kind).glob("*.csv"):
            numbers |= {twelve_digits(r["personnummer"]) for r in read_rows(path)}
    assert len(numbers) > 100
    # Look for the ten digits after the century, which every written form contains.
    pattern = "|".join(sorted({n[2:8] + "[-+]?" + n[8:] for n in numbers}))
    for name in ("warehouse.duckdb", "serving.duckdb"):
        con = duckdb.connect(str(data / name), read_only=True)
        try:
            columns = con.execute(
                "select table_schema, table_name, column_name from information_schema.columns "
                "where data_type = 'VARCHAR'"
            ).fetchall()
            for schema, table, column in columns:
                hits = con.execute(
                    f'select count(*) from "{schema}"."{table}" where regexp_matches("{column}", ?)', [pattern]
                ).fetchone()[0]
                assert hits == 0, f"{name}: {schema}.{table}.{column}"
        finally:
            con.close()
    assert not re.search(pattern, result.stdout + result.stderr)
    # Dagster's run history and logs (event log, compute logs) under DAGSTER_HOME, read as bytes.
    home = data / "dagster_home"
    files = [p for p in home.rglob("*") if p.is_file()]
    assert files
    for path in files:
        assert not re.search(pattern.encode(), path.read_bytes()), path


def test_serving_snapshot_holds_no_pupil_level_table(liten):
    data = liten.data
    con = duckdb.connect(str(data / "serving.duckdb"), read_only=True)
    try:
        columns = {r[0] for r in con.execute("select column_name from information_schema.columns").fetchall()}
    finally:
        con.close()
    assert not columns & {"pupil_key", "personnummer", "respondent_id"}


def test_the_marts_refuse_values_outside_their_declared_domain(liten):
    """The served marts' column constraints (dbt contracts: accepted values, ranges, not null) are in the built
    tables, and DuckDB refuses a row that breaks one: the check happens as the mart is written, not after."""
    with duckdb.connect(str(liten.data / "warehouse.duckdb"), read_only=True) as conn:
        built = Counter(
            (table, kind.replace("NOT NULL", "not_null").lower())
            for table, kind in conn.sql(
                "select table_name, constraint_type from duckdb_constraints() where schema_name = 'marts' "
                "and constraint_type in ('CHECK', 'NOT NULL')"
            ).fetchall()
        )
        ddl = dict(conn.sql("select table_name, sql from duckdb_tables() where schema_name = 'marts'").fetchall())
    declared = Counter(contract_tables.column_constraints())  # the marts' yml, read as YAML
    assert declared["attendance_by_period", "check"] >= 5 and declared["indicator_values", "not_null"] == 1
    assert built == declared

    scratch = duckdb.connect()
    scratch.execute("create schema marts")
    for table in ("attendance_by_period", "indicator_values"):
        scratch.execute(ddl[table])
    shown = {
        "attendance_by_period (level, period, gender, absence_pct)": "('kommun', 0, 'T', 7.5)",
        "indicator_values (indicator_id, level, gender, source)": "('N15505', 'riket', 'T', 'kolada')",
    }
    for into, row in shown.items():
        scratch.execute(f"insert into marts.{into} values {row}")
    for bad in (
        "insert into marts.attendance_by_period (level) values ('riket')",
        "insert into marts.attendance_by_period (period) values (4)",
        "insert into marts.attendance_by_period (gender) values ('X')",
        "insert into marts.attendance_by_period (absence_pct) values (100.5)",
        "insert into marts.indicator_values (indicator_id, source) values ('N15505', 'eget')",
        "insert into marts.indicator_values (level) values ('kommun')",  # no indicator_id
    ):
        with pytest.raises(duckdb.ConstraintException):
            scratch.execute(bad)
    assert scratch.execute("select count(*) from marts.attendance_by_period").fetchone() == (1,)


def test_the_pseudonym_key_is_stored_nowhere(liten):
    """The key reaches the run through the environment only: not in Dagster's history (compressed job
    snapshots included), not in either DuckDB file, not in any log or output."""
    data, result = liten.data, liten
    assert (data / "dagster_home" / "history").is_dir()
    key = re.compile(re.escape(TEST_KEY.encode()))
    assert leak_scan.find(key, [data], [result.stdout, result.stderr]) == []
    # Dagster knows the variable by name, which is how the UI shows it.
    assert leak_scan.find(re.compile(b"SKOLANALYS_PSEUDONYM_KEY"), [data / "dagster_home"])


def test_no_hidden_cell_can_be_derived_from_the_cells_shown(liten):
    """Complementary suppression: searched in every served cell table, by plain subtraction in every
    parent/children group, by solving all groups' equations together and by the hidden children's mean at a
    bound of the values' range (tests/derivability.py)."""
    data = liten.data
    con = duckdb.connect(str(data / "serving.duckdb"), read_only=True)
    try:
        hidden = 0
        for table in derivability.SERVED_CELL_TABLES:
            cells = con.execute(table.query()).df()
            hidden += int((cells["status"] == "..").sum())
            assert derivability.lonely_hidden_children(cells, table) == [], table.name
            assert derivability.derivable_cells(cells, table) == [], table.name
            assert derivability.hidden_groups_at_a_bound(cells, table) == [], table.name
    finally:
        con.close()
    assert hidden > 0


# When the warehouse last checked a file: a run with nothing new checks the goals again without publishing.
CHECKED_AT = {"data_quality_files": ["loaded_at"]}


def _served_results(serving: Path, leave_out: dict[str, list[str]] | None = None) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(serving), read_only=True)
    try:
        tables = [r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()]
        results = {}
        for t in tables:
            if t == "snapshot_info":
                continue
            excluded = (leave_out or {}).get(t)
            columns = f"* exclude ({', '.join(excluded)})" if excluded else "*"
            results[t] = con.execute(f"select {columns} from {t} order by all").fetchall()
        return results
    finally:
        con.close()


def test_a_second_run_on_the_same_folder_serves_identical_results(liten, tmp_path):
    landing, data = liten.landing, liten.data
    first = _served_results(data / "serving.duckdb", leave_out=CHECKED_AT)
    published = (data / "serving.duckdb").read_bytes()
    # Nothing new: no run is started at all (skolanalys.preflight) ...
    result = run_skolanalys(["run"], skolanalys_env(data, landing))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ingen körning behövs" in result.stdout and "✓" not in result.stdout
    assert (data / "serving.duckdb").read_bytes() == published
    # ... and a run forced through Dagster finds every asset unchanged: nothing rebuilt, nothing published.
    result = run_skolanalys(["run", "--alltid"], skolanalys_env(data, landing))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Inget nytt sedan förra publiceringen" in result.stdout
    assert (data / "serving.duckdb").read_bytes() == published
    # Every model rebuilt from the same raw tables (a copy of the warehouse, `dbt run --full-refresh`: the
    # attendance sums too; the data tests passed in the run itself and say nothing of determinism) and
    # published again: the same query results, cell for cell. That the door loads the same files into the same
    # raw tables is test_the_door_loads_the_same_files_into_the_same_rows below; a third whole run would cost
    # the suite another build of `liten` (issue 9: at most three).
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(data / "warehouse.duckdb", warehouse)
    result = run_dbt(["run", "--full-refresh"], warehouse, tmp_path)
    assert result.returncode == 0, result.stdout[-5000:]
    conn = duckdb.connect(str(warehouse))
    try:
        publish(conn, tmp_path / "serving.duckdb", {"published_at": "", "kommunkod": "1261", "run_id": "rebuilt"})
    finally:
        conn.close()
    second = _served_results(tmp_path / "serving.duckdb", leave_out=CHECKED_AT)
    assert set(first) == set(second) and len(first) >= 10
    for table in first:
        assert first[table] == second[table], table


# What says when a warehouse loaded or checked something: two warehouses differ there by nature.
LOAD_TIMES = ("loaded_at", "state_changed_at")
DOOR_TABLES = ("raw.quarantine", "raw.loaded_files")


def _door_differences(warehouse: Path, other: Path) -> dict[str, tuple[list, int, int, list[tuple]]]:
    """Per door table: the columns that differ in name or type, its rows in `warehouse` and in `other`, and up to
    five rows one holds more often than the other (`except all` both ways, inside DuckDB: 300,000 attendance rows
    fetched into Python took ~15 s a side)."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{warehouse}' as a (read_only)")
        con.execute(f"attach '{other}' as b (read_only)")
        folders = [k.folder for k in POLARS_KINDS] + [attendance.FOLDER]
        tables = {f"raw.{k.table}": "true" for k in POLARS_KINDS} | {attendance.TABLE: "true"}
        # The shared run's quarantine and ledger hold the other folders' files too.
        tables |= {name: f"kind in ({', '.join(repr(f) for f in folders)})" for name in DOOR_TABLES}
        results = {}
        for name, where in tables.items():
            described = {
                db: [r[:2] for r in con.execute(f"describe {db}.{name}").fetchall() if r[0] not in LOAD_TIMES]
                for db in ("a", "b")
            }
            other_columns = sorted(set(described["a"]) ^ set(described["b"]))
            # The rows compared on the columns both have.
            columns = ", ".join(f'"{c}"' for c, t in described["a"] if (c, t) in described["b"])
            rows = {db: f"select {columns} from {db}.{name} where {where}" for db in ("a", "b")}
            counts = [con.execute(f"select count(*) from ({rows[db]})").fetchall()[0][0] for db in ("a", "b")]
            differ = con.execute(
                f"({rows['a']} except all {rows['b']}) union all ({rows['b']} except all {rows['a']}) limit 5"
            ).fetchall()
            results[name] = (other_columns, *counts, differ)
        return results
    finally:
        con.close()


def test_the_door_loads_the_same_files_into_the_same_rows(liten, tmp_path):
    """The ledger kinds of `liten`'s landing folder through the door again, into a new warehouse: the same raw
    rows, quarantined rows and ledger as the shared run's."""
    key = TEST_KEY.encode()
    conn = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:
        for kind in POLARS_KINDS:
            sync_folder(conn, liten.landing / kind.folder, KindLoader(kind, key, other_kinds=KIND_SIGNATURES))
        sync_folder(conn, liten.landing / attendance.FOLDER, AttendanceLoader(key, other_kinds=KIND_SIGNATURES))
    finally:
        conn.close()
    differences = _door_differences(tmp_path / "warehouse.duckdb", liten.data / "warehouse.duckdb")
    assert sum(again for _, again, _, _ in differences.values()) > 100_000
    assert differences[attendance.TABLE][1] > 100_000
    for name, (other_columns, again, shared, differ) in differences.items():
        assert (other_columns, again, differ) == ([], shared, []), name
