"""Shared test helpers: synthetic personnummer, the landing contract's published columns, landing files written
the way school systems write them, login off for the dashboard's page tests, and running the `skolanalys`
command in a separate process."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

import pytest

from skolanalys import start_gc
from skolanalys.auth_settings import ENV_COOKIE_SECRET, LOGIN_VARIABLES
from sources.personnummer import luhn_check_digit, normalise, pseudonym

# Collecting imports the project (Dagster, dbt's adapters, polars, GX, Streamlit) into each worker: without the
# collector's full passes over it while it is built (~2 s a worker), frozen once collected (skolanalys/start_gc.py).
start_gc.pause()

REPO = Path(__file__).resolve().parent.parent
TEST_KEY = "testnyckel-inte-hemlig"


# The landing contract as docs/contracts.md publishes it: each folder's columns in the published order, the
# order school systems write them in (`fragor`: the question catalogue, enkater/<enkat>_fragor.csv). Written
# out here on purpose, the tests' one copy, not read from sources/landing: tests/test_synth.py checks the
# generator's files against it, and the generator writes franvaro/ with the loader's own declaration
# (sources.landing.attendance.COLUMNS), so reading that here would compare the code with itself. A test that
# only needs a header to feed a loader reads the loader's declaration, or this list where the code keeps no
# published order (betyg/: the Kind lists the optional `sprak` after the required columns).
CONTRACT_COLUMNS: dict[str, list[str]] = {
    "skolenheter": ["skolenhetskod", "skolenhetsnamn"],  # the project's extension (docs/contracts.md)
    "elever": [
        "personnummer",
        "fornamn",
        "efternamn",
        "lasar",
        "skolenhetskod",
        "arskurs",
        "klass",
        "kon",
        "modersmal",
        "ankomstdatum_sverige",
        "foraldrars_utbildningsniva",
    ],
    "betyg": ["personnummer", "lasar", "termin", "skolenhetskod", "arskurs", "amne", "sprak", "betyg", "betygstyp"],
    "nationella_prov": ["personnummer", "lasar", "skolenhetskod", "arskurs", "amne", "provbetyg"],
    "bedomningar": ["personnummer", "lasar", "tillfalle", "skolenhetskod", "arskurs", "amne", "bedomning"],
    "franvaro": [
        "personnummer",
        "skolenhetskod",
        "datum",
        "lektion_start",
        "amne",
        "schemalagd_tid_min",
        "franvaro_min",
        "franvarotyp",
        "rapporterad",
    ],
    "enkater": ["enkat", "lasar", "skolenhetskod", "arskurs", "kon", "respondent_id", "fraga_id", "svar"],
    "fragor": ["fraga_id", "fraga", "omrade", "skala_max", "omvand"],
}


def make_pnr(birth: date, serial: int, female: bool, form: str = "12-dash") -> str:
    """A Luhn-valid personnummer; the gender digit even for girls, odd for boys."""
    third = serial % 5 * 2 + (0 if female else 1)
    nine = f"{birth:%y%m%d}{serial // 5 % 100:02d}{third}"
    full = f"{birth.year // 100}{nine}{luhn_check_digit(nine)}"
    return {
        "12-dash": f"{full[:8]}-{full[8:]}",
        "12": full,
        "10-dash": f"{full[2:8]}-{full[8:]}",
        "10": full[2:],
    }[form]


def pupil_key(pnr: str) -> str:
    return pseudonym(normalise(pnr, 2026), TEST_KEY.encode())


# raw.attendance as every other table holds its codes: its numbers (sources/landing/attendance/schema.py) read back
# here by the test's own spelling of the rule (a pupil key is 32 lower-case hex digits, a skolenhetskod 8 digits).
ATTENDANCE_AS_TEXT = (
    "(select printf('%032x', pupil_number) as pupil_key, lpad(school_unit_number::varchar, 8, '0') as school_unit_code,"
    " absence_type::varchar as absence_type, * exclude (pupil_number, school_unit_number, absence_type)"
    " from raw.attendance)"
)


def write_landing_csv(
    path: Path, header: list[str], rows: list[list[object]], *, encoding: str = "utf-8-sig", sep: str = ";"
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [sep.join(header)] + [sep.join("" if v is None else str(v) for v in row) for row in rows]
    path.write_text("\r\n".join(lines) + "\r\n", encoding=encoding)
    return path


def skolanalys_env(data_dir: Path, landing_dir: Path, kommunkod: str = "1261") -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        SKOLANALYS_DATA_DIR=str(data_dir),
        SKOLANALYS_LANDING_DIR=str(landing_dir),
        SKOLANALYS_PSEUDONYM_KEY=TEST_KEY,
        SKOLANALYS_KOMMUNKOD=kommunkod,
        DAGSTER_HOME=str(data_dir / "dagster_home"),
        GX_ANALYTICS_ENABLED="false",
        SKOLANALYS_OFFLINE="1",  # tests never touch the network
    )
    return env


def run_skolanalys(args: list[str], env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess:
    cli = Path(sys.executable).with_name("skolanalys")
    return subprocess.run([str(cli), *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=REPO)


@pytest.fixture(autouse=True, scope="session")
def _streamlit_runner_options():
    """AppTest runs the pages with the runner options `skolanalys serve` gives Streamlit (skolanalys/cli.py)."""
    from streamlit import config
    from streamlit.components.v2 import manifest_scanner

    from skolanalys.cli import STREAMLIT_OPTIONS

    for name, value in STREAMLIT_OPTIONS.items():
        if name.startswith("runner."):
            config.set_option(name, value)
    # Each AppTest scans every installed distribution for Streamlit components (~0.25 s, ~80 page tests); the
    # installed packages do not change during a session, so the scan is made once per worker.
    manifest_scanner.scan_component_manifests = functools.cache(manifest_scanner.scan_component_manifests)


@pytest.fixture(autouse=True)
def _no_gx_analytics(monkeypatch):
    monkeypatch.setenv("GX_ANALYTICS_ENABLED", "false")


@pytest.fixture
def login_off(monkeypatch):
    """The dashboard without login unless a test turns it on: the developer's own login settings must not leak
    in. The page tests use it for every test (`pytestmark = pytest.mark.usefixtures("login_off")`)."""
    for name in (*LOGIN_VARIABLES, ENV_COOKIE_SECRET):
        monkeypatch.delenv(name, raising=False)


# The whole-pipeline runs the integration tests share: once per session each (tests/shared_runs.py) ---------

SHARED_RUNS = ("handbuilt", "liten", "demo")


# Under pytest-xdist (`-n auto --dist loadscope`, pyproject.toml) each work unit goes whole to one worker: the
# tests of a shared run are one unit, so each run is made once, and any other test goes with its module, so a
# module's fixtures are made once too. Workers write each test's unit to a file the scheduler reads: xdist's
# own `xdist_group` does not reach its scheduler under pytest 9 (it rewrites a node id pytest 9 no longer
# reads).
GROUPS_ENV = "SKOLANALYS_TEST_GROUPS"


def pytest_configure(config):
    """Before the workers start: the file for the work units. The dbt project is parsed by the first worker that
    imports it, while the other waits (pipelines/dbt_manifest.py `ensure_manifest` takes a lock), not here before
    the workers start."""
    if not hasattr(config, "workerinput") and getattr(config.option, "numprocesses", None):
        start_gc.settle()  # xdist's controller collects nothing
        handle, path = tempfile.mkstemp(prefix="skolanalys-test-groups-", suffix=".json")
        os.close(handle)
        os.environ[GROUPS_ENV] = path  # the workers inherit it


def pytest_unconfigure(config):
    if not hasattr(config, "workerinput") and os.environ.get(GROUPS_ENV):
        Path(os.environ.pop(GROUPS_ENV)).unlink(missing_ok=True)


def pytest_collection_finish(session):
    start_gc.settle()


def pytest_collection_modifyitems(config, items):
    """A test that needs a shared run is slow: alone, it waits for the run (30–45 s and more). So
    `-m "not slow"` is the unit tests — readers, rules, pages — without any run; dbt's unit tests are marked
    slow in their module (two dbt processes, 20–40 s)."""
    units = {}
    for item in items:
        names = getattr(item, "fixturenames", ())
        shared = next((name for name in SHARED_RUNS if name in names), None)
        if shared:
            item.add_marker(pytest.mark.slow)
        units[item.nodeid] = shared or item.nodeid.split("::")[0]
    # The units with a slow test first (stable: the demo's browser tests still lead), the quick ones last: they
    # fill in whichever worker is free, so that neither waits alone on a long unit at the end.
    slow = {units[item.nodeid] for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: units[item.nodeid] not in slow)
    if hasattr(config, "workerinput") and os.environ.get(GROUPS_ENV):  # every worker writes the same units
        target = Path(os.environ[GROUPS_ENV])
        partial = target.with_name(f"{target.name}.{config.workerinput['workerid']}")
        partial.write_text(json.dumps(units), encoding="utf-8")
        os.replace(partial, target)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """xdist's scope scheduling with our work units, in the order of collection as sorted above (the demo's
    browser tests, the longest unit, start first)."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedRunScheduling(LoadScopeScheduling):
        units: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.units is None:  # read once all workers have collected
                self.units = json.loads(Path(os.environ[GROUPS_ENV]).read_text(encoding="utf-8"))
            return self.units.get(nodeid) or nodeid.split("::")[0]

    config.option.loadscopereorder = False
    return SharedRunScheduling(config, log)


@pytest.fixture(scope="session")
def handbuilt(tmp_path_factory):
    """ONE `skolanalys run` over every hand-built data set and the door's bad files, against a local
    stand-in for the national APIs (tests/shared_runs.py says what is in it)."""
    from tests.shared_runs import run_handbuilt

    return run_handbuilt(tmp_path_factory.mktemp("handbuilt"))


@pytest.fixture(scope="session")
def liten_next(liten, tmp_path_factory):
    """A copy of `liten` after new files, two killed runs and one run to the end (tests/shared_runs.py)."""
    from tests.shared_runs import run_liten_next

    return run_liten_next(liten, tmp_path_factory.mktemp("liten_next"))


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """The demo municipality (kavlinge, as `make demo` builds it) after one `skolanalys run`."""
    from tests.shared_runs import run_demo

    return run_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="session")
def liten(tmp_path_factory):
    """The generated municipality `liten` after one `skolanalys run`."""
    from tests.shared_runs import run_liten

    return run_liten(tmp_path_factory.mktemp("liten"))
