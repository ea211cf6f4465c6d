"""The project's materialisations (dbt/macros/materializations/): a SQL model's table and a view are replaced in
place, in one transaction, and a failed build leaves the model as it was; a Python model keeps dbt-duckdb's swap
through a temporary name. Built with the pipeline's own dbt command on a small project of hand-written models
that uses the project's materialisation files as they are."""

from __future__ import annotations

import re
import shutil
import textwrap
from pathlib import Path

import duckdb
import pytest

from tests.dbt_cli import DBT_DIR, run_dbt

pytestmark = pytest.mark.slow  # two dbt invocations

PROJECT = """
name: materializations
version: "0.1.0"
config-version: 2
profile: materializations
model-paths: ["models"]
macro-paths: ["macros"]
flags:
  send_anonymous_usage_stats: false
"""
PROFILE = """
materializations:
  target: default
  outputs:
    default:
      type: duckdb
      path: "{warehouse}"
      threads: 1
"""
CONTRACT = """
version: 2
models:
  - name: c
    config:
      contract: {enforced: true}
    columns:
      - name: x
        data_type: integer
        constraints: [{type: not_null}]
"""
PYTHON_MODEL = """
import pandas as pd


def model(dbt, session):
    dbt.config(materialized="table")
    {body}
"""


def _write_models(models: Path, x: int, *, v_as: str = "view", fail: bool = False) -> None:
    """t and p fail when asked to; v, c and q are made with x, v as a view or a table."""
    failed_x = "error('mislyckad modell')" if fail else f"{x}::integer"
    (models / "t.sql").write_text(f"{{{{ config(materialized='table') }}}}\nselect {failed_x} as x\n")
    (models / "v.sql").write_text(f"{{{{ config(materialized='{v_as}') }}}}\nselect {x}::integer as x\n")
    (models / "c.sql").write_text(f"{{{{ config(materialized='table') }}}}\nselect {x}::integer as x\n")
    failed_value = "int('mislyckad modell')" if fail else str(x)  # a ValueError when the model runs
    for name, value in (("p", failed_value), ("q", str(x))):
        body = f"return pd.DataFrame({{'x': [{value}]}})"
        (models / f"{name}.py").write_text(textwrap.dedent(PYTHON_MODEL).format(body=body))


def _relations(warehouse: Path) -> dict[str, tuple[str, int | None]]:
    """Each relation of the small project's schema: its type and its x."""
    conn = duckdb.connect(str(warehouse), read_only=True)
    try:
        kinds = conn.execute(
            "select table_name, 'table' from duckdb_tables() where schema_name = 'main' union all "
            "select view_name, 'view' from duckdb_views() where schema_name = 'main' and not internal"
        ).fetchall()
        return {name: (kind, conn.execute(f'select max(x) from main."{name}"').fetchone()[0]) for name, kind in kinds}
    finally:
        conn.close()


def _renamed(log: Path) -> set[str]:
    """The relations dbt renamed, from the statements in its debug log."""
    return set(re.findall(r'alter (?:table|view) "[^"]+"\."main"\."(\w+?)__dbt_tmp" rename', log.read_text()))


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("materializations")
    (work / "dbt_project.yml").write_text(PROJECT)
    (work / "profiles.yml").write_text(PROFILE.format(warehouse=work / "warehouse.duckdb"))
    (work / "models").mkdir()
    (work / "models" / "schema.yml").write_text(CONTRACT)
    shutil.copytree(DBT_DIR / "macros" / "materializations", work / "macros")
    return work


def test_models_replaced_in_place_and_kept_when_they_fail(project):
    warehouse, models, log = project / "warehouse.duckdb", project / "models", project / "logs" / "dbt.log"

    _write_models(models, 1)
    first = run_dbt(["build"], warehouse, project, project=project)
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-2000:]
    made = {"t": ("table", 1), "v": ("view", 1), "c": ("table", 1), "p": ("table", 1), "q": ("table", 1)}
    assert _relations(warehouse) == made

    # Built again over the existing relations: a SQL model and a Python model fail, the view becomes a table.
    # Each failing model's relation stays as it was; the others are replaced, and no temporary or backup relation
    # is left. Only the Python model that succeeded was swapped in under a temporary name.
    log.unlink()
    _write_models(models, 2, v_as="table", fail=True)
    second = run_dbt(["build"], warehouse, project, project=project)
    assert second.returncode != 0
    assert "Failure in model t (" in second.stdout and "Failure in model p (" in second.stdout, second.stdout[-4000:]
    rebuilt = {"t": ("table", 1), "v": ("table", 2), "c": ("table", 2), "p": ("table", 1), "q": ("table", 2)}
    assert _relations(warehouse) == rebuilt
    assert _renamed(log) == {"q"}
    conn = duckdb.connect(str(warehouse), read_only=True)
    try:
        constraints = conn.execute(
            "select constraint_type, constraint_column_names from duckdb_constraints() where table_name = 'c'"
        ).fetchall()
    finally:
        conn.close()
    assert ("NOT NULL", ["x"]) in constraints
