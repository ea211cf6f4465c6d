"""Resources built from the settings: the warehouse connection and the dbt CLI."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource
from packaging.version import Version

from pipelines.dbt_command import dbt_executable
from skolanalys.settings import DBT_PROJECT_DIR, PSEUDONYM_KEY_ENV, Settings, offline
from sources.national import kolada_api, limits, skolverket_api
from sources.national.http import JsonFetcher, OfflineMode, RetryPolicy

DUCKDB_LIMITS = {"memory_limit": "3GB", "threads": 2}


class SkolanalysDbtCli(DbtCliResource):
    """dagster-dbt's dbt resource without two costs of every run that the project does not use (~5 s of a
    one-new-day run's ~25 s dbt step): `dbt --version` in a process of its own, to learn a version uv.lock
    pins, and dbt's adapter set up inside the Dagster process, which dagster-dbt needs only for its own row
    counts and column metadata (the models' events go to Dagster as dbt reports them, without row counts:
    pipelines/assets/dbt.py)."""

    @cached_property
    def _cli_version(self) -> Version:
        return Version(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None


# Opening and closing a connection to the warehouse, one thread at a time. Steps side by side (pipelines/executor.py)
# share the process's one DuckDB database of the file; the first connection creates it and the last one's close
# ends it (with a checkpoint). A connection opened meanwhile by another thread could find the database half made —
# DuckDB's Python functions not registered yet: "Table Function with name python_arrow_scan does not exist", seen
# in CI — or half ended.
_OPEN_CLOSE = threading.Lock()


class Warehouse(DuckDBResource):
    """The warehouse file, its connections opened and closed one at a time. At a run's start, before its steps
    run side by side, the schemas and tables several of them write are created (pipelines/shared_tables.py)."""

    @contextmanager
    def get_connection(self):
        connection = super().get_connection()  # dagster-duckdb's: its config, its retries while the file is locked
        with _OPEN_CLOSE:
            conn = connection.__enter__()
        try:
            yield conn
        finally:
            with _OPEN_CLOSE:
                connection.__exit__(None, None, None)  # its close, also after an error (which it would leave open)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        from pipelines.shared_tables import ensure_shared

        Path(self.database).parent.mkdir(parents=True, exist_ok=True)  # a run from the UI into a new data folder
        with self.get_connection() as conn:
            ensure_shared(conn)


class LandingConfig(dg.ConfigurableResource):
    """Where the landing files are and the key that pseudonymises personnummer at the door.

    `pseudonym_key` is always given as dg.EnvVar(PSEUDONYM_KEY_ENV): Dagster stores the variable's name in
    its run history and shows it in the UI, and resolves the value only inside the running process.
    """

    landing_dir: str
    pseudonym_key: str
    kommunkod: str

    @property
    def key(self) -> bytes:
        return self.pseudonym_key.encode("utf-8")

    def folder(self, kind: str) -> Path:
        return Path(self.landing_dir) / kind


class NationalSources(dg.ConfigurableResource):
    """Base URLs of the national APIs (environment variables; defaults are the public addresses)."""

    kolada_url: str = kolada_api.DEFAULT_KOLADA_URL
    skolenhetsregistret_url: str = skolverket_api.DEFAULT_SKOLENHETSREGISTRET_URL
    planned_educations_url: str = skolverket_api.DEFAULT_PLANNED_EDUCATIONS_URL
    # SKOLANALYS_OFFLINE=1: never reach out (demo, tests, a machine without internet); held data are used.
    offline: bool = False
    # SKOLANALYS_HTTP_ATTEMPTS: tries per request (429, 5xx and network errors are retried with backoff).
    attempts: int = limits.DEFAULT_ATTEMPTS
    # Limits per dataset fetch (sources/national/limits.py: SKOLANALYS_NATIONAL_DEADLINE_SECONDS, _TIMEOUT_SECONDS,
    # _MAX_BODY_BYTES): past them the source counts as unreachable and the held data are kept.
    deadline_seconds: float = limits.DEFAULT_DEADLINE_SECONDS
    timeout_seconds: float = limits.DEFAULT_TIMEOUT_SECONDS
    max_body_bytes: int = limits.DEFAULT_MAX_BODY_BYTES

    def fetcher(self) -> JsonFetcher:
        """A fetcher for one dataset: its deadline starts now and covers every page and retry."""
        return JsonFetcher(
            retry=RetryPolicy(attempts=self.attempts),
            timeout=self.timeout_seconds,
            deadline_seconds=self.deadline_seconds,
            max_body_bytes=self.max_body_bytes,
        )

    def ensure_online(self, url: str) -> None:
        if self.offline:
            raise OfflineMode(url)

    @classmethod
    def from_environment(cls) -> NationalSources:
        found = limits.NationalSettings.from_environment()
        env = {
            "offline": offline(),
            "attempts": found.http_attempts,
            "kolada_url": found.kolada_url,
            "skolenhetsregistret_url": found.skolenhetsregistret_url,
            "planned_educations_url": found.planned_educations_url,
            **vars(found.limits),
        }
        return cls(**{k: v for k, v in env.items() if v is not None})


def build_resources(settings: Settings) -> dict:
    settings.export_environment()
    return {
        "landing": LandingConfig(
            landing_dir=str(settings.landing_dir),
            pseudonym_key=dg.EnvVar(PSEUDONYM_KEY_ENV),
            kommunkod=settings.kommunkod,
        ),
        "national": NationalSources.from_environment(),
        # Bounded memory on a 2-core machine with a few GiB: DuckDB spills to disk beyond the limit.
        "warehouse": Warehouse(database=str(settings.warehouse_path), connection_config=DUCKDB_LIMITS),
        "dbt": SkolanalysDbtCli(
            project_dir=str(DBT_PROJECT_DIR),
            profiles_dir=str(DBT_PROJECT_DIR),
            dbt_executable=dbt_executable(),
        ),
    }
