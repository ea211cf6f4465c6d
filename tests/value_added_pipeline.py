"""The value-added path of the warehouse without the rest of a run: a generated landing folder through the
door's readers into a warehouse, then `dbt build` of the models the value added needs (staging → the
pupil-level int_value_added_pupils → the estimates, the Python model that calls skolanalys.value_added).

Used by tests/test_value_added_truth.py and bench/bench_value_added.py: the same readers, SQL and estimator
as `skolanalys run`, leaving out attendance, surveys, national data and the served marts, which the value
added does not read.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import duckdb
import polars as pl

from skolanalys.synth import PRESETS, generate
from sources.landing.folder import sync_folder
from sources.landing.kind_loader import KindLoader
from sources.landing.kinds import ENROLMENTS, GRADE_RECORDS, NATIONAL_TESTS, TEACHER_ASSESSMENTS
from sources.landing.registry import KIND_SIGNATURES
from tests.dbt_cli import DBT_DIR, run_dbt

KEY = b"value-added-test-key"
PUPIL_KINDS = (ENROLMENTS, GRADE_RECORDS, NATIONAL_TESTS, TEACHER_ASSESSMENTS)


def generate_without_attendance(preset: str, seed: int, root: Path) -> tuple[Path, dict]:
    """The preset's landing folder (no lesson-level attendance: the value added does not read it, and the
    other files do not depend on it) and its truth."""
    landing, truth = root / "landing", root / "truth.json"
    generate(dataclasses.replace(PRESETS[preset], attendance_years=0), seed, landing, truth)
    return landing, json.loads(truth.read_text(encoding="utf-8"))


def load_pupil_files(landing: Path, warehouse: Path, key: bytes = KEY) -> None:
    """elever/, betyg/, nationella_prov/, bedomningar/ through the door's readers into raw.*."""
    conn = duckdb.connect(str(warehouse))
    try:
        for kind in PUPIL_KINDS:
            sync_folder(conn, landing / kind.folder, KindLoader(kind, key, other_kinds=KIND_SIGNATURES))
    finally:
        conn.close()


def dbt_build(warehouse: Path, select: str, work: Path, dbt_vars: dict | None = None, project: Path = DBT_DIR) -> None:
    args = ["build", "--select", select, "--exclude-resource-type", "unit_test"]
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars)]
    result = run_dbt(args, warehouse, work, project)
    if result.returncode != 0:
        raise RuntimeError(result.stdout[-5000:] + result.stderr[-2000:])


def estimates_and_pupils(warehouse: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    conn = duckdb.connect(str(warehouse), read_only=True)
    try:
        estimates = conn.sql("select * from intermediate.int_value_added_estimates").pl()
        pupils = conn.sql("select * from intermediate.int_value_added_pupils").pl()
    finally:
        conn.close()
    return estimates, pupils


def truth_frame(truth: dict) -> pl.DataFrame:
    return pl.DataFrame(
        truth["value_added"],
        schema={
            "stage": pl.Utf8,
            "model": pl.Utf8,
            "outcome": pl.Utf8,
            "unit_code": pl.Utf8,
            "cohort": pl.Int32,
            "n": pl.Int64,
            "true_va": pl.Float64,
        },
    )
