"""What the dashboard's page tests (Streamlit's AppTest) share: a serving snapshot the dashboard reads from the
test's own folder, and login turned on with a roles file. Login is off in those tests unless one turns it on:
they say so with `pytestmark = pytest.mark.usefixtures("login_off")` (the fixture is in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st

from tests.browser.snapshot import build_snapshot

# A roles file with one rektor, of Ekbackeskolan (11110001), who logs in as rektor@kommun.se.
REKTOR_ROLES = "users:\n  rektor@kommun.se: {role: rektor, skolenheter: ['11110001']}\n"


def serve_snapshot(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, build: Callable[[Path], object] = build_snapshot
) -> Iterator[Path]:
    """For a fixture to `yield from`: `build` writes the snapshot into `data_dir` (the browser tests' hand-built
    one unless a test brings its own), the dashboard reads it from there, and Streamlit's data cache is empty
    before and after, so that no test is shown another test's snapshot."""
    build(data_dir)
    monkeypatch.setenv("SKOLANALYS_DATA_DIR", str(data_dir))
    st.cache_data.clear()
    yield data_dir
    st.cache_data.clear()


def login_with_roles(data_dir: Path, monkeypatch: pytest.MonkeyPatch, roles_yaml: str) -> Path:
    """Login on, with `roles_yaml` as the roles file in `data_dir`. The identity provider is an address nothing
    answers on (port 9): a test sets the logged-in user itself (AppTest's `at.user`)."""
    roles = data_dir / "roller.yaml"
    roles.write_text(roles_yaml, encoding="utf-8")
    monkeypatch.setenv("SKOLANALYS_OIDC_METADATA_URL", "http://127.0.0.1:9/.well-known/openid-configuration")
    monkeypatch.setenv("SKOLANALYS_OIDC_CLIENT_ID", "skolanalys")
    monkeypatch.setenv("SKOLANALYS_OIDC_CLIENT_SECRET", "hemligt")
    monkeypatch.setenv("SKOLANALYS_PUBLIC_URL", "http://127.0.0.1:8501")
    monkeypatch.setenv("SKOLANALYS_ROLES_FILE", str(roles))
    return roles
