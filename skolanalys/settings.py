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

# The secret of the HMAC that replaces personnummer. It is read from the environment at run time only
# (Dagster gets it as dg.EnvVar, which stores the variable's name, never its value) and is never written
# anywhere: not in Dagster's run history, not in the warehouse, not in a log.
PSEUDONYM_KEY_ENV = "SKOLANALYS_PSEUDONYM_KEY"
MIN_KEY_LENGTH = 16
# Only for the synthetic demo, and public: a real installation sets its own secret key.
DEMO_PSEUDONYM_KEY = "skolanalys-demo-nyckel-byt-mig"
HOW_TO_SET_KEY = (
    f"sätt en egen hemlig nyckel, t.ex. `export {PSEUDONYM_KEY_ENV}=$(python3 -c "
    "'import secrets; print(secrets.token_urlsafe(32))')`, och förvara den som andra lösenord "
    "(samma nyckel vid varje körning; se README, The pseudonym key)"
)


class SettingsError(ValueError):
    """A configuration value the user must correct; the message says which and how."""


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    data_dir: Path
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


def offline() -> bool:
    """SKOLANALYS_OFFLINE=1: never reach out to the national APIs (demo, tests, a machine without internet)."""
    return os.environ.get("SKOLANALYS_OFFLINE", "").strip().lower() in {"1", "true", "ja", "yes"}


def load_settings() -> Settings:
    data_dir = Path(os.environ.get("SKOLANALYS_DATA_DIR") or REPO_ROOT / "data").resolve()
    landing_dir = Path(os.environ.get("SKOLANALYS_LANDING_DIR") or data_dir / "landing").resolve()
    kommunkod = os.environ.get("SKOLANALYS_KOMMUNKOD") or "1261"
    if not (len(kommunkod) == 4 and kommunkod.isdigit()):
        raise SettingsError(f"SKOLANALYS_KOMMUNKOD måste vara fyra siffror, fick {kommunkod!r}")
    return Settings(landing_dir, data_dir, kommunkod)


def require_pseudonym_key(*, demo: bool = False) -> str | None:
    """Check that the key is in the environment before a run; returns a warning for the demo key.

    Outside the demo a missing or short key stops the run: a guessable key lets anyone holding the warehouse
    turn pupil keys back into personnummer by trying every birth date of a cohort.
    """
    key = os.environ.get(PSEUDONYM_KEY_ENV, "")
    if not key:
        if not demo:
            raise SettingsError(f"{PSEUDONYM_KEY_ENV} är inte satt: {HOW_TO_SET_KEY}")
        os.environ[PSEUDONYM_KEY_ENV] = DEMO_PSEUDONYM_KEY
        key = DEMO_PSEUDONYM_KEY
    if key == DEMO_PSEUDONYM_KEY:
        if not demo:
            raise SettingsError(f"{PSEUDONYM_KEY_ENV} är demonyckeln, som är offentlig: {HOW_TO_SET_KEY}")
        return (
            "VARNING: demonyckeln används för pseudonymisering. Den är offentlig och duger bara för den "
            f"syntetiska demokommunen; riktiga elevdata kräver en egen nyckel i {PSEUDONYM_KEY_ENV}."
        )
    if len(key) < MIN_KEY_LENGTH:
        raise SettingsError(f"{PSEUDONYM_KEY_ENV} är för kort (minst {MIN_KEY_LENGTH} tecken): {HOW_TO_SET_KEY}")
    return None
