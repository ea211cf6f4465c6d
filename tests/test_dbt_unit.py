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
import random
import re
from collections import defaultdict
from fractions import Fraction
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
from sources.landing.outcomes import ensure_landing_files
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
        ensure_landing_files(conn)
    finally:
        conn.close()


@pytest.fixture(scope="module")
def empty_project(tmp_path_factory) -> Path:
    """A folder whose warehouse holds the unit-tested models and their ancestors, built empty."""
    work = tmp_path_factory.mktemp("dbt_unit")
    create_empty_raw_tables(work / "warehouse.duckdb")
    # The inputs of every unit-tested model must exist with their columns: build them (and the seeds) empty.
    built = run_dbt(
        ["build", "--empty", "--select", "+test_type:unit", "--exclude-resource-type", "test", "unit_test"],
        work / "warehouse.duckdb",
        work,
    )
    assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-2000:]
    return work


def test_a_dbt_process_parses_no_file_again_after_the_projects_parse(empty_project):
    """Every dbt process of a run starts from the project's parse (pipelines/dbt_manifest.py) with the run's
    environment: SKOLANALYS_KOMMUNKOD set (tests/dbt_cli.py sets it as a run does). dbt parses again each file using
    an environment variable whose value differs from its parse's, a default counting as different: a parse made
    without the variable cost every dbt process ~2 s parsing 20 models again."""
    log = (empty_project / "logs" / "dbt.log").read_text(encoding="utf-8")
    parses = re.findall(r"Partial parsing enabled: (\d+) files deleted, (\d+) files added, (\d+) files changed", log)
    assert parses == [("0", "0", "0")], parses


def test_dbt_unit_tests_pass(empty_project):
    tmp_path = empty_project
    # dbt's process ends without the interpreter's teardown (skolanalys/quick_exit.py), but only after
    # dbt-duckdb's own exit handler has closed the warehouse: a file left open keeps its journal beside it.
    assert not (tmp_path / "warehouse.duckdb.wal").exists()
    assert_source_tables_as_the_writers_make_them(tmp_path / "warehouse.duckdb")
    # The incremental attendance sums read which files they summed before from a table of their own, not a
    # dbt input: the unit test "attendance_sums_add_only_the_new_files_lessons" has summed file a1 before
    # (a hash: hex digits, which raw.attendance numbers).
    conn = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    conn.execute(f"insert into {ATTENDANCE_SUMMARISED} (kind, file_hash) values ('franvaro', 'a1')")
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


# Hand-made served cells for the gate no_derivable_cells (dbt/tests/generic/no_derivable_cells.sql): in each
# year a kommun of 40 pupils, schools A and B hidden, school C shown with 30 (the hidden two hold 10 pupils).
# Their mean, worked out by hand from the kommun and C: (40·kommun − 30·C) / 10.
ATTENDANCE_CELLS = [
    # 2025: absence 10 % in the kommun, 400/30 % at C → A and B had no absence at all: derivable
    ("kommun", "1261", 2025, 40, "absence_pct", 10.0),
    ("skolenhet", "C", 2025, 30, "absence_pct", 400 / 30),
    # 2024: C 12 % → A and B 4 % together: nothing follows for either
    ("kommun", "1261", 2024, 40, "absence_pct", 10.0),
    ("skolenhet", "C", 2024, 30, "absence_pct", 12.0),
    # 2023: the kommun itself at 0 %: it shows its schools' value itself, the gate has nothing to add
    ("kommun", "1261", 2023, 40, "absence_pct", 0.0),
    ("skolenhet", "C", 2023, 30, "absence_pct", 0.0),
    # 2022: the reporting rate (var unbounded_values) at 0 % for A and B: the registration, not pupils
    ("kommun", "1261", 2022, 40, "reporting_rate_pct", 75.0),
    ("skolenhet", "C", 2022, 30, "reporting_rate_pct", 100.0),
]
INDICATOR_CELLS = [
    # a share: 50 % of 20 in the kommun, 100 % of C's 10 → A and B none at all: derivable
    ("TEST_ANDEL", "procent", "kommun", "1261", 20, 50.0),
    ("TEST_ANDEL", "procent", "skolenhet", "C", 10, 100.0),
    # the same numbers for a unit without bounds (meritvärde points): nothing follows
    ("TEST_POANG", "poäng", "kommun", "1261", 20, 50.0),
    ("TEST_POANG", "poäng", "skolenhet", "C", 10, 100.0),
]


def _insert_cell(conn: duckdb.DuckDBPyConnection, table: str, cell: dict) -> None:
    """One served cell; without a status it is a hidden one ('..', no value, no n)."""
    cell = {"status": "..", **cell}
    conn.execute(
        f"insert into {table} ({', '.join(cell)}) values ({', '.join('?' for _ in cell)})", list(cell.values())
    )


def test_the_gate_stops_hidden_cells_that_follow_from_a_bound(empty_project):
    """The blocking dbt test finds the two hidden schools worked out together at 0 % — and nothing where the
    hidden mean is inside the range, where the kommun is at the bound itself, for the exempt reporting rate or
    for a unit without bounds. The served marts are replaced by hand-made cells; the groups are counted by
    hand above."""
    work = empty_project
    conn = duckdb.connect(str(work / "warehouse.duckdb"))
    try:
        conn.execute("delete from marts.attendance_by_period")
        for level, unit, year, n, column, value in ATTENDANCE_CELLS:
            cell = {"level": level, "unit_code": unit, "year": year, "period": 0, "gender": "T", "min_n": 10}
            _insert_cell(conn, "marts.attendance_by_period", {**cell, "n": n, column: value, "status": ""})
            for school in ("A", "B") if level == "kommun" else ():
                _insert_cell(conn, "marts.attendance_by_period", {**cell, "level": "skolenhet", "unit_code": school})
        conn.execute("delete from marts.indicator_values")
        for indicator, unit_name, level, unit, n, value in INDICATOR_CELLS:
            conn.execute(
                "insert into reference.indicator_catalogue (indicator_id, unit) select ?, ? "
                "where not exists (select 1 from reference.indicator_catalogue where indicator_id = ?)",
                [indicator, unit_name, indicator],
            )
            cell = {"indicator_id": indicator, "level": level, "unit_code": unit, "year": 2025, "gender": "T"}
            cell |= {"source": "local", "min_n": 10}
            _insert_cell(conn, "marts.indicator_values", {**cell, "value": value, "n": n, "status": ""})
            for school in ("A", "B") if level == "kommun" else ():
                _insert_cell(conn, "marts.indicator_values", {**cell, "level": "skolenhet", "unit_code": school})
    finally:
        conn.close()

    gate = [
        "test",
        "--select",
        *(f"test_name:no_derivable_cells,{mart}" for mart in ("attendance_by_period", "indicator_values")),
    ]
    tested = run_dbt(gate, work / "warehouse.duckdb", work / "gate")
    results = json.loads((work / "gate" / "target" / "run_results.json").read_text())["results"]
    failures = {
        mart: (r["status"], r["failures"])
        for r in results
        for mart in ("attendance_by_period", "indicator_values")
        if r["unique_id"].startswith(f"test.skolanalys.no_derivable_cells_{mart}_")
    }

    assert tested.returncode == 1, tested.stdout[-4000:]
    assert failures == {"attendance_by_period": ("fail", 1), "indicator_values": ("fail", 1)}, failures


def _scored_answers(seed: int) -> list[dict]:
    """Scored survey answers of 3,000 respondents in 3 schools: 1–6 answers each to questions of 4 options (scores of
    whole thirds, 10/3, 20/3) and 5 (whole 2.5s), as int_survey_answers_scored gives them."""
    rng = random.Random(seed)
    rows = []
    for respondent in range(3000):
        who = {
            "survey": "elevenkat_2025",
            "survey_type": "elevenkat",
            "school_year": "2024/25",
            "year": 2025,
            "school_unit_code": rng.choice(["11111111", "22222222", "33333333"]),
            "grade_level": rng.choice(["5", "8", None]),
            "gender": rng.choice(["K", "M", "X"]),
            "respondent_id": f"r{respondent}",
            "area": "trygghet",
        }
        for question in range(rng.randint(1, 6)):
            scale = 4 if question % 2 else 5
            answer = rng.randint(1, scale)
            rows.append({**who, "question_id": f"q{question}", "scale_max": scale, "answer": answer})
    return rows


def _exact_survey_cells(rows: list[dict]) -> dict[tuple, tuple[Fraction, Fraction]]:
    """(level, unit, grade cell, gender cell) → (share positive %, index) by Fractions, as domain.md defines them:
    every respondent weighs the same (their mean score and positive share first, then the mean over respondents)."""
    answers = defaultdict(list)
    for r in rows:
        score = Fraction(10 * (r["answer"] - 1), r["scale_max"] - 1)
        answers[(r["school_unit_code"], r["grade_level"], r["gender"], r["respondent_id"])].append(
            (score, r["answer"] >= r["scale_max"] - 1)
        )
    cells = defaultdict(list)
    for (unit, grade, gender, _), scored in answers.items():
        index = sum(s for s, _ in scored) / len(scored)
        share = Fraction(100 * sum(p for _, p in scored), len(scored))
        for level, code in (("skolenhet", unit), ("kommun", "1261")):
            for gender_cell in {"T", gender} & {"T", "K", "M"}:
                cells[(level, code, "alla", gender_cell)].append((share, index))
            if grade is not None:
                cells[(level, code, grade, "T")].append((share, index))
    return {key: (sum(s for s, _ in v) / len(v), sum(i for _, i in v) / len(v)) for key, v in cells.items()}


def test_survey_means_do_not_depend_on_the_order_the_answers_are_added_in(empty_project):
    """Two builds of the same answers serve the same survey results: the means are summed exactly (macro
    exact_mean), so the same answers in another order give the same values to the last bit. Summed as doubles they
    differed in their last bits, which flipped values served at 6 decimals where the mean is a tie (storstad,
    docs/benchmarks.md). On one thread DuckDB adds the rows in their order; the values are those of Fractions."""
    work = empty_project
    # The model as the fixture's `dbt build --empty` compiled it, each ref read whole again (dbt wraps a ref in
    # "(select * from <relation> where false limit 0)" under --empty): no dbt run of its own. Should dbt write it
    # otherwise, the query finds no rows and the comparison with the Fractions below fails.
    model = work / "target" / "compiled" / "skolanalys" / "models" / "intermediate"
    compiled = (model / "int_survey_results_aggregated.sql").read_text()
    query = re.sub(r"\(select \* from (\S+) where false limit 0\)", r"\1", compiled)
    rows = _scored_answers(seed=9)
    shuffled = random.Random(3).sample(rows, len(rows))
    conn = duckdb.connect(str(work / "warehouse.duckdb"))
    results = []
    try:
        conn.execute("set threads = 1")
        for ordered in (rows, shuffled):
            conn.execute("delete from intermediate.int_survey_answers_scored")
            conn.register("answers_frame", pl.DataFrame(ordered).to_arrow())
            conn.execute(
                "insert into intermediate.int_survey_answers_scored by name select *, answer as answer_adjusted,"
                " 10.0 * (answer - 1) / (scale_max - 1) as score, answer >= scale_max - 1 as is_positive"
                " from answers_frame"
            )
            conn.unregister("answers_frame")
            cells = conn.execute(
                f"select level, unit_code, grade_level, gender, share_positive, index_value from ({query})"
            ).fetchall()
            results.append({tuple(cell[:4]): cell[4:] for cell in cells})
        conn.execute("delete from intermediate.int_survey_answers_scored")
    finally:
        conn.close()

    assert results[0] == results[1]
    exact = _exact_survey_cells(rows)
    assert set(results[0]) == set(exact)
    for key, (share, index) in results[0].items():
        assert abs(share - exact[key][0]) < 1e-9 and abs(index - exact[key][1]) < 1e-9, key


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
