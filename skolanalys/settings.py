"""The public configuration: environment variables and the paths they resolve to.

Every path is made absolute here, because dbt runs with its own working directory and reads the paths it
needs from the environment (see `export_environment`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt"

# Only for the synthetic demo: a real installation sets its own secret key.
DEMO_PSEUDONYM_KEY = "skolanalys-demo-nyckel-byt-mig"


class SettingsError(ValueError):
    """A configuration value the user must correct; the message says which and how."""


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    data_dir: Path
    pseudonym_key: bytes
    kommunkod: str

    @property
    def warehouse_path(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def serving_path(self) -> Path:
        return self.data_dir / "serving.duckdb"

    @property
    def dagster_home(self) -> Path:
        return Path(os.environ.get("DAGSTER_HOME") or REPO_ROOT / ".dagster_home").resolve()

    def export_environment(self) -> None:
        """Put the resolved values into os.environ, where dbt and child processes read them."""
        os.environ["SKOLANALYS_LANDING_DIR"] = str(self.landing_dir)
        os.environ["SKOLANALYS_DATA_DIR"] = str(self.data_dir)
        os.environ["SKOLANALYS_WAREHOUSE_PATH"] = str(self.warehouse_path)
        os.environ["SKOLANALYS_KOMMUNKOD"] = self.kommunkod
        os.environ["DAGSTER_HOME"] = str(self.dagster_home)


def load_settings() -> Settings:
    data_dir = Path(os.environ.get("SKOLANALYS_DATA_DIR") or REPO_ROOT / "data").resolve()
    landing_dir = Path(os.environ.get("SKOLANALYS_LANDING_DIR") or data_dir / "landing").resolve()
    key = os.environ.get("SKOLANALYS_PSEUDONYM_KEY") or DEMO_PSEUDONYM_KEY
    kommunkod = os.environ.get("SKOLANALYS_KOMMUNKOD") or "1261"
    if not (len(kommunkod) == 4 and kommunkod.isdigit()):
        raise SettingsError(f"SKOLANALYS_KOMMUNKOD måste vara fyra siffror, fick {kommunkod!r}")
    return Settings(landing_dir, data_dir, key.encode("utf-8"), kommunkod)
