"""The dbt project's vars (dbt/dbt_project.yml), for the Python side: a rule the models apply is declared there
once, and the dashboard, the exports, the report and the estimators read it here instead of writing it again."""

from __future__ import annotations

import functools
from typing import Any

import yaml

from skolanalys.settings import DBT_PROJECT_DIR


@functools.cache
def dbt_vars() -> dict[str, Any]:
    """The vars as declared (a var set from Jinja, such as kommunkod, comes back as its template)."""
    with (DBT_PROJECT_DIR / "dbt_project.yml").open(encoding="utf-8") as f:
        return yaml.safe_load(f)["vars"]
