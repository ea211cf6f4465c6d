"""The dbt project's vars (dbt/dbt_project.yml), for the Python side: a rule the models apply is declared there
once, and the dashboard, the exports, the report and the estimators read it here instead of writing it again."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

# Light on purpose (no settings, no pydantic): the door's readers import it for the rules they share with dbt.
DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt"
# The warehouse file for dbt (dbt/profiles.yml reads it; pipelines/dbt_command.py runs dbt beside it): here, not
# in the settings, so that the `skolanalys-dbt` a run's dbt step starts imports no pydantic before handing over.
WAREHOUSE_PATH_ENV = "SKOLANALYS_WAREHOUSE_PATH"


def project_file() -> Path:
    """The file the vars are declared in."""
    return DBT_PROJECT_DIR / "dbt_project.yml"


@functools.cache
def dbt_vars() -> dict[str, Any]:
    """The vars as declared (a var set from Jinja, such as kommunkod, comes back as its template)."""
    with project_file().open(encoding="utf-8") as f:
        return yaml.safe_load(f)["vars"]
