"""Shared test helpers: synthetic personnummer, landing files written the way school systems write them,
and running the `skolanalys` command in a separate process."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from sources.personnummer import luhn_check_digit, normalise, pseudonym

REPO = Path(__file__).resolve().parent.parent
TEST_KEY = "testnyckel-inte-hemlig"


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


@pytest.fixture(autouse=True)
def _no_gx_analytics(monkeypatch):
    monkeypatch.setenv("GX_ANALYTICS_ENABLED", "false")


# The whole-pipeline runs the integration tests share: once per session each (tests/shared_runs.py) ---------

SHARED_RUNS = ("handbuilt", "liten", "demo")


def pytest_collection_modifyitems(items):
    """A test that needs a shared run is slow: alone, it waits for the run (30–45 s and more). So
    `-m "not slow"` is the unit tests — readers, rules, dbt unit tests, pages — without any run."""
    for item in items:
        if any(name in getattr(item, "fixturenames", ()) for name in SHARED_RUNS):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def handbuilt(tmp_path_factory):
    """ONE `skolanalys run` over every hand-built data set and the door's bad files, against a local
    stand-in for the national APIs (tests/shared_runs.py says what is in it)."""
    from tests.shared_runs import run_handbuilt

    return run_handbuilt(tmp_path_factory.mktemp("handbuilt"))


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
