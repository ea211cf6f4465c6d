"""The dbt unit tests (`unit_tests:` in dbt/models/**/*.yml) pass: meritvärde, behörighet, the indicator
denominators and disclosure control, pinned on hand-made rows with expectations worked out by hand from
domain.md.

dbt unit tests need only the columns of the tested models' inputs, so the warehouse is a new, empty file:
the raw tables the models read are created empty from the landing contracts (the national tables by the
project's on-run-start hook ensure_source_tables, from the sources' declared columns), the tested models and
their ancestors are built
empty (`dbt build --empty`), and then `dbt test --select test_type:unit` runs every unit test. dbt writes
its target, logs and warehouse under tmp_path only.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.build_state import ATTENDANCE_SUMMARISED
from pipelines.warehouse import replace_table
from skolanalys.dbt_sources import declared_tables, polars_schema
from sources.landing import attendance
from sources.landing.contract import empty_rows
from sources.landing.kinds import ENROLMENTS, GRADE_RECORDS, NATIONAL_TESTS, TEACHER_ASSESSMENTS
from sources.landing.ledger import ensure_ledger
from sources.landing.surveys import ANSWERS, QUESTIONS
from tests.dbt_cli import run_dbt

pytestmark = pytest.mark.slow  # two dbt invocations, about 20 s


def create_empty_raw_tables(warehouse: Path) -> None:
    """raw.* as the landing assets create them before any file has arrived (typed, no rows)."""
    conn = duckdb.connect(str(warehouse))
    try:
        conn.execute("create schema if not exists raw")
        for kind in (ENROLMENTS, GRADE_RECORDS, NATIONAL_TESTS, TEACHER_ASSESSMENTS, QUESTIONS, ANSWERS):
            conn.register("empty_kind", empty_rows(kind).to_arrow())
            conn.execute(f"create table raw.{kind.table} as select * from empty_kind")
            conn.unregister("empty_kind")
        columns = ", ".join(f"{name} {sql_type}" for name, sql_type in attendance.SCHEMA.items())
        conn.execute(f"create table {attendance.TABLE} ({columns})")
        ensure_ledger(conn)
    finally:
        conn.close()


def test_dbt_unit_tests_pass(tmp_path):
    create_empty_raw_tables(tmp_path / "warehouse.duckdb")

    # The inputs of every unit-tested model must exist with their columns: build them (and the seeds) empty.
    built = run_dbt(
        ["build", "--empty", "--select", "+test_type:unit", "--exclude-resource-type", "test", "unit_test"],
        tmp_path / "warehouse.duckdb",
        tmp_path,
    )
    assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-2000:]
    # dbt's process ends without the interpreter's teardown (skolanalys/quick_exit.py), but only after
    # dbt-duckdb's own exit handler has closed the warehouse: a file left open keeps its journal beside it.
    assert not (tmp_path / "warehouse.duckdb.wal").exists()
    assert_source_tables_as_the_writers_make_them(tmp_path / "warehouse.duckdb")
    # The incremental attendance sums read which files they summed before from a table of their own, not a
    # dbt input: the unit test "attendance_sums_add_only_the_new_files_lessons" has summed file f1 before.
    conn = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    conn.execute(f"insert into {ATTENDANCE_SUMMARISED} (kind, file_hash) values ('franvaro', 'f1')")
    conn.close()

    tested = run_dbt(["test", "--select", "test_type:unit"], tmp_path / "warehouse.duckdb", tmp_path)
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    unit_results = {r["unique_id"]: r["status"] for r in results if r["unique_id"].startswith("unit_test.")}
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())

    assert tested.returncode == 0, tested.stdout[-6000:] + tested.stderr[-2000:]
    assert set(unit_results) == set(manifest["unit_tests"]), "every unit test in the project ran"
    assert len(unit_results) >= 8
    failed = {uid: status for uid, status in unit_results.items() if status != "pass"}
    assert not failed, failed


def assert_source_tables_as_the_writers_make_them(warehouse: Path) -> None:
    """dbt's hook created every table whose source declares its columns, with the columns and DuckDB types that
    a writer's frame of the same declaration gets when the asset stores it (pipelines/warehouse.replace_table)."""
    made = duckdb.connect()
    conn = duckdb.connect(str(warehouse), read_only=True)
    try:
        for table in declared_tables():
            replace_table(made, table, pl.DataFrame(schema=polars_schema(table)))
            expected = made.execute(f"describe {table}").fetchall()
            assert conn.execute(f"describe {table}").fetchall() == expected, table
    finally:
        conn.close()
        made.close()
