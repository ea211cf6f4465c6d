"""Who is looking: open local mode, or a logged-in user (Streamlit's OIDC login) and the role the roles file
gives them. dashboards/data.py filters every query result with `current_access()`; app.py shows the login
page, the "ingen behörighet" message and the sidebar's Logga ut, and writes the access log."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import streamlit as st

from skolanalys.auth_settings import ENV_ROLES_FILE, Access, RolesConfig, load_roles, log_page_view, login_configured
from skolanalys.settings import ENV_PREFIX, Settings, SettingsError, load_settings

OPEN_MODE_WARNING = "Öppet lokalt läge utan inloggning — bara för demo och egen dator"
OPEN_ACCESS = Access(user="lokal användare", role="oppet_lage", units=None, data_quality=True)
ROLE_NAMES = {
    "forvaltning": "förvaltningen",
    "skolanalysgrupp": "skolanalysgruppen",
    "namnd": "nämnden",
    "rektor": "rektor",
    "oppet_lage": "öppet läge",
}


def login_required() -> bool:
    return login_configured()


@lru_cache(maxsize=8)
def _settings_for(environment: tuple[str | None, ...]) -> Settings:
    return load_settings()


def settings() -> Settings:
    """The folders as the pipeline reads them (skolanalys.settings). Every query asks, and building the settings
    takes ~0.6 ms: they are made again only when one of their variables has changed (as the tests change them)."""
    return _settings_for(tuple(os.environ.get(ENV_PREFIX + name.upper()) for name in Settings.model_fields))


def data_dir() -> Path:
    return settings().data_dir


def access_log_path() -> Path:
    return data_dir() / "access_log.jsonl"


@lru_cache(maxsize=4)
def _roles_at(path: str, mtime_ns: int) -> RolesConfig:
    return load_roles(Path(path))


def roles() -> RolesConfig:
    """The roles file, re-read when it changes (no restart needed to add a user). Raises SettingsError."""
    name = os.environ.get(ENV_ROLES_FILE)
    if not name:
        raise SettingsError(f"{ENV_ROLES_FILE} är inte satt")
    path = Path(name).expanduser().resolve()
    try:
        mtime = path.stat().st_mtime_ns
    except OSError as exc:
        raise SettingsError(f"behörighetsfilen {path} kan inte läsas: {exc.strerror}") from exc
    return _roles_at(str(path), mtime)


def logged_in() -> bool:
    try:
        return bool(st.user.is_logged_in)
    except Exception:  # no [auth] secrets: login cannot have happened
        return False


def user_label() -> str:
    """The logged-in user's e-mail (or name, or subject) for the sidebar and the access log."""
    if not logged_in():
        return ""
    claims = st.user.to_dict()
    for claim in ("email", "preferred_username", "upn", "name", "sub"):
        if claims.get(claim):
            return str(claims[claim])
    return ""


def current_access() -> Access | None:
    """The access of whoever runs this session; None means nothing may be shown (fail closed)."""
    if not login_required():
        return OPEN_ACCESS
    if not logged_in():
        return None
    try:
        return roles().resolve(st.user.to_dict())
    except SettingsError:
        return None


def log_view(page: str, access: Access | None) -> None:
    """One line in the access log per page a session opens (reruns on the same page are not new views)."""
    key = "_skolanalys_senast_loggad_sida"
    if st.session_state.get(key) == page:
        return
    st.session_state[key] = page
    log_page_view(
        access_log_path(),
        user=access.user if access else user_label(),
        role=access.role if access else "",
        page=page,
        granted=access is not None,
    )
