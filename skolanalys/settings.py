"""The public configuration: environment variables and the paths they resolve to.

Every path is made absolute here, because dbt runs with its own working directory and reads the paths it
needs from the environment (see `export_environment`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from skolanalys.dbt_vars import DBT_PROJECT_DIR, WAREHOUSE_PATH_ENV  # noqa: F401 (DBT_PROJECT_DIR public here too)

REPO_ROOT = Path(__file__).resolve().parent.parent

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


ENV_PREFIX = "SKOLANALYS_"
KOMMUNKOD_ENV = ENV_PREFIX + "KOMMUNKOD"  # the field kommunkod's; dbt_project.yml's var kommunkod reads it too


def _four_digits(code: str) -> str:
    if not (len(code) == 4 and code.isdigit()):
        raise ValueError("måste vara fyra siffror")
    return code


def _whole_seconds(value: object) -> int:
    try:
        seconds = int(str(value).strip())
    except ValueError:
        seconds = 0
    if seconds <= 0:
        raise ValueError("måste vara ett helt antal sekunder, större än 0")
    return seconds


class Settings(BaseSettings):
    """SKOLANALYS_DATA_DIR, SKOLANALYS_LANDING_DIR (default: landing/ in the data folder), SKOLANALYS_KOMMUNKOD
    and SKOLANALYS_RUN_DEADLINE_SECONDS.

    Unset or empty variables keep their defaults; a bad value raises SettingsError naming the variable.
    Settings(landing_dir, data_dir, kommunkod) gives the values directly (positionally, as tests and tools do).
    The pseudonym key is deliberately not a field (see PSEUDONYM_KEY_ENV above): a settings object can be
    printed, logged or serialised, the key must never be.
    """

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_ignore_empty=True,
        extra="ignore",
        frozen=True,
        validate_default=True,
    )

    data_dir: Path = REPO_ROOT / "data"
    landing_dir: Path = Field(default_factory=lambda given: given["data_dir"] / "landing")
    kommunkod: Annotated[str, AfterValidator(_four_digits)] = "1261"
    # SKOLANALYS_RUN_DEADLINE_SECONDS: a `skolanalys run` still going after this long is stopped and marked failed
    # (the daemon's runs have dagster.yaml's max_runtime_seconds). A full build of the largest municipality takes
    # minutes: hours mean a hang.
    run_deadline_seconds: Annotated[int, BeforeValidator(_whole_seconds)] = 3 * 3600

    def __init__(self, landing_dir: Path | None = None, data_dir: Path | None = None, kommunkod: str | None = None):
        given = {"landing_dir": landing_dir, "data_dir": data_dir, "kommunkod": kommunkod}
        try:
            super().__init__(**{name: value for name, value in given.items() if value is not None})
        except ValidationError as exc:
            raise SettingsError(_explained(exc)) from None

    @field_validator("data_dir", "landing_dir")
    @classmethod
    def _absolute(cls, path: Path) -> Path:
        return path.resolve()

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
        os.environ[WAREHOUSE_PATH_ENV] = str(self.warehouse_path)
        os.environ[KOMMUNKOD_ENV] = self.kommunkod
        os.environ["DAGSTER_HOME"] = str(self.dagster_home)


def _explained(exc: ValidationError) -> str:
    """One Swedish line per bad value, naming the environment variable: 'SKOLANALYS_KOMMUNKOD måste vara …'."""
    lines = []
    for error in exc.errors():
        name = ENV_PREFIX + "_".join(map(str, error["loc"])).upper()
        cause = error.get("ctx", {}).get("error")
        why = str(cause) if error["type"] == "value_error" and cause else f"är inte giltig ({error['msg']})"
        lines.append(f"{name} {why}, fick {error['input']!r}")
    return "; ".join(lines)


def offline() -> bool:
    """SKOLANALYS_OFFLINE=1: never reach out to the national APIs (demo, tests, a machine without internet)."""
    return os.environ.get("SKOLANALYS_OFFLINE", "").strip().lower() in {"1", "true", "ja", "yes"}


def load_settings() -> Settings:
    """The settings from the environment; SettingsError when a value is wrong."""
    return Settings()


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
