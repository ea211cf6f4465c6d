"""`make setup` parses the dbt project (pipelines/dbt_manifest.py), so that a fresh clone's first run starts from a
parsed project: the module must stay light, or every `make` would pay for Dagster's and dbt's imports."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("dagster", "dagster_dbt", "dbt", "duckdb", "polars", "pydantic")


def test_the_parse_module_imports_neither_dagster_nor_dbt():
    code = f"import sys, pipelines.dbt_manifest; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    found = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert found.stdout.strip() == ""


def test_setup_parses_the_project_after_installing_it():
    recipe = re.search(r"^setup:.*?\n((?:\t.*\n)+)", (REPO / "Makefile").read_text(), re.MULTILINE).group(1)
    lines = [line.strip() for line in recipe.splitlines()]
    assert lines[-1] == "@.venv/bin/python -m pipelines.dbt_manifest"
    assert any("sync --frozen" in line for line in lines[:-1])
