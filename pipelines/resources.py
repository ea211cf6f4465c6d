"""Resources built from the settings: the warehouse connection and the dbt CLI."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from skolanalys.settings import DBT_PROJECT_DIR, Settings


class LandingConfig(dg.ConfigurableResource):
    """Where the landing files are and the key that pseudonymises personnummer at the door."""

    landing_dir: str
    pseudonym_key: str
    kommunkod: str

    @property
    def key(self) -> bytes:
        return self.pseudonym_key.encode("utf-8")

    def folder(self, kind: str) -> Path:
        return Path(self.landing_dir) / kind


def dbt_executable() -> str:
    """The dbt of this environment (next to the running Python), not whichever is first on PATH."""
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else (shutil.which("dbt") or "dbt")


def build_resources(settings: Settings) -> dict:
    settings.export_environment()
    return {
        "landing": LandingConfig(
            landing_dir=str(settings.landing_dir),
            pseudonym_key=settings.pseudonym_key.decode("utf-8"),
            kommunkod=settings.kommunkod,
        ),
        "warehouse": DuckDBResource(database=str(settings.warehouse_path)),
        "dbt": DbtCliResource(
            project_dir=str(DBT_PROJECT_DIR),
            profiles_dir=str(DBT_PROJECT_DIR),
            dbt_executable=dbt_executable(),
        ),
    }
