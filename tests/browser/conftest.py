"""Browser tests: `skolanalys serve` in a subprocess on 127.0.0.1, driven by Playwright with Debian's chromium.

Playwright's own browser download cannot reach its server here; CI installs Debian's chromium (.ci/run). A
missing chromium fails these tests with a clear message: they are never skipped silently.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from skolanalys.auth_settings import ENV_COOKIE_SECRET, ENV_SERVE_ADDRESS, LOGIN_VARIABLES
from tests.browser.snapshot import build_snapshot
from tests.conftest import REPO

CHROMIUM = Path(os.environ.get("SKOLANALYS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
# A page is shown whole when Streamlit says its script run has finished (the app's own state, set after the
# last element arrived) and every chart on it has drawn its marks (Vega draws after Streamlit's run).
SCRIPT_FINISHED = "[data-testid='stApp'][data-test-script-state='notRunning']"
CHART = "[data-testid='stVegaLiteChart']"
# What Streamlit shows in an element's place until the element's code has loaded in the browser (tables,
# metrics and download buttons are loaded when a page first needs them): the script may be done meanwhile.
SKELETON = "[data-testid='stSkeleton'], [data-testid='stSkeletonElement'], [data-testid='stAppSkeleton']"


def drawn(at_least_charts: int = 0) -> str:
    """A page function: no element still waiting for its code, at least `at_least_charts` charts on the page, and
    every one has drawn its marks."""
    return f"""() => {{
        const charts = [...document.querySelectorAll("{CHART}")];
        return !document.querySelector("{SKELETON}") && charts.length >= {at_least_charts}
            && charts.every((chart) => chart.querySelector(".marks"));
    }}"""


def wait_until_shown(page, timeout_ms: float) -> None:
    """Wait until the page's script run has finished and every element has drawn (after its heading showed)."""
    page.locator(SCRIPT_FINISHED).wait_for(timeout=timeout_ms)
    page.wait_for_function(drawn(), timeout=timeout_ms)


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives the dashboard in Debian's chromium with Playwright")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server ended with {process.returncode} before answering {url}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as response:
            if response.status == 200:
                return
        time.sleep(0.2)
    raise TimeoutError(f"no answer from {url} within {timeout} s")


@dataclass
class Server:
    url: str
    data_dir: Path
    tmp_dir: Path
    process: subprocess.Popen
    log_path: Path

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextlib.contextmanager
def serve(data_dir: Path, extra_env: dict[str, str] | None = None) -> Iterator[Server]:
    """`skolanalys serve` on a free port of 127.0.0.1; SIGTERM at the end (as systemd or docker would)."""
    port = free_port()
    tmp_dir = data_dir / "tmp"
    tmp_dir.mkdir(exist_ok=True)
    # The developer's own login settings must not leak in: each test says whether it wants login.
    env = {k: v for k, v in os.environ.items() if k not in (*LOGIN_VARIABLES, ENV_COOKIE_SECRET, ENV_SERVE_ADDRESS)}
    env.update(
        SKOLANALYS_DATA_DIR=str(data_dir),
        SKOLANALYS_LANDING_DIR=str(data_dir / "landing"),
        SKOLANALYS_OFFLINE="1",
        TMPDIR=str(tmp_dir),  # where serve writes the [auth] secrets file
    )
    env.update(extra_env or {})  # a test's own settings win (the demo's landing folder lies elsewhere)
    log_path = data_dir / f"serve-{port}.log"
    cli = Path(sys.executable).with_name("skolanalys")
    with open(log_path, "w", encoding="utf-8") as log:
        # Its own process group: the teardown can end Streamlit too, even if `serve` itself is gone.
        process = subprocess.Popen(
            [str(cli), "serve", "--port", str(port)],
            env=env,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(f"http://127.0.0.1:{port}", data_dir, tmp_dir, process, log_path)
    try:
        wait_for_http(f"{server.url}/_stcore/health", process)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"Debian's chromium is not installed at {CHROMIUM}: the browser tests need it "
            "(`apt-get install chromium`; .ci/run installs it). Playwright's own download does not work here."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def snapshot_dir(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("browser-data")
    build_snapshot(data_dir)
    return data_dir


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS
