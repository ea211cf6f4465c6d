"""Login and roles: the OIDC settings of `skolanalys serve`, the roles file and the access log.

Pure Python (no Streamlit): `skolanalys serve` validates everything here before it starts the dashboard, and
the dashboard (dashboards/access.py) resolves the logged-in user's role with the same code. The format of the
roles file and the meaning of each role: docs/login.md.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from skolanalys.settings import SettingsError

STOCKHOLM = ZoneInfo("Europe/Stockholm")

# The variables `skolanalys serve` reads; setting any of the OIDC ones turns login on.
ENV_METADATA_URL = "SKOLANALYS_OIDC_METADATA_URL"
ENV_CLIENT_ID = "SKOLANALYS_OIDC_CLIENT_ID"
ENV_CLIENT_SECRET = "SKOLANALYS_OIDC_CLIENT_SECRET"
ENV_PUBLIC_URL = "SKOLANALYS_PUBLIC_URL"
ENV_ROLES_FILE = "SKOLANALYS_ROLES_FILE"
ENV_COOKIE_SECRET = "SKOLANALYS_COOKIE_SECRET"
ENV_SERVE_ADDRESS = "SKOLANALYS_SERVE_ADDRESS"
LOGIN_VARIABLES = (ENV_METADATA_URL, ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_PUBLIC_URL, ENV_ROLES_FILE)
# Secrets reach Streamlit only through the private [auth] secrets file, never through its environment.
SECRET_VARIABLES = (ENV_CLIENT_SECRET, ENV_COOKIE_SECRET)

# Roles, broadest first. units: every school unit (None) or only those listed in the roles file.
ROLES: dict[str, str] = {
    "forvaltning": "förvaltningen: allt, också datakvalitet",
    "skolanalysgrupp": "skolanalysgruppen: kommunen och alla skolenheter, inte datakvalitet",
    "namnd": "nämnden: kommunen och alla skolenheter, inte datakvalitet",
    "rektor": "rektor: de egna skolenheterna, kommunen och riket",
}
DATA_QUALITY_ROLES = frozenset({"forvaltning"})
# Identity claims a `users:` key is compared with (Entra ID: preferred_username is the UPN).
IDENTITY_CLAIMS = ("email", "preferred_username", "upn", "sub")


def login_configured(env: Mapping[str, str] | None = None) -> bool:
    """Whether login is wanted: any login variable set. Partial settings are an error, never open mode."""
    env = os.environ if env is None else env
    return any(env.get(name) for name in LOGIN_VARIABLES)


@dataclass(frozen=True)
class OidcSettings:
    metadata_url: str
    client_id: str
    client_secret: str
    public_url: str
    roles_file: Path
    cookie_secret: str

    @property
    def redirect_uri(self) -> str:
        return self.public_url.rstrip("/") + "/oauth2callback"

    def secrets_toml(self) -> str:
        """Streamlit's [auth] section (one OIDC provider, the default one)."""
        values = {
            "redirect_uri": self.redirect_uri,
            "cookie_secret": self.cookie_secret,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "server_metadata_url": self.metadata_url,
        }
        # JSON strings are valid TOML basic strings (same escapes for quotes, backslashes and controls).
        lines = ["[auth]"] + [f"{key} = {json.dumps(value)}" for key, value in values.items()]
        return "\n".join(lines) + "\n"


def load_oidc_settings(env: Mapping[str, str] | None = None) -> OidcSettings | None:
    """The login settings, or None when none is set (open local mode). Raises SettingsError when incomplete."""
    env = os.environ if env is None else env
    if not login_configured(env):
        return None
    missing = [name for name in LOGIN_VARIABLES if not env.get(name)]
    if missing:
        raise SettingsError(f"inloggningen är bara delvis inställd: {', '.join(missing)} saknas (se docs/login.md)")
    public_url = env[ENV_PUBLIC_URL]
    if not public_url.startswith(("http://", "https://")):
        raise SettingsError(f"{ENV_PUBLIC_URL} måste börja med https:// (eller http:// lokalt), fick {public_url!r}")
    roles_file = Path(env[ENV_ROLES_FILE]).expanduser().resolve()
    load_roles(roles_file)  # fail at start, not at the first login
    return OidcSettings(
        metadata_url=env[ENV_METADATA_URL],
        client_id=env[ENV_CLIENT_ID],
        client_secret=env[ENV_CLIENT_SECRET],
        public_url=public_url,
        roles_file=roles_file,
        cookie_secret=env.get(ENV_COOKIE_SECRET) or secrets.token_urlsafe(32),
    )


def write_secrets_file(settings: OidcSettings) -> Path:
    """Write the [auth] secrets to a new private temporary file (mode 0600); the caller deletes it."""
    fd, name = tempfile.mkstemp(prefix="skolanalys-auth-", suffix=".toml")
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, settings.secrets_toml().encode("utf-8"))
    finally:
        os.close(fd)
    return Path(name)


# --- roles ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    role: str
    units: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Access:
    """What one user may see. units None: every school unit; otherwise only these skolenhetskoder."""

    user: str
    role: str
    units: frozenset[str] | None
    data_quality: bool = False


@dataclass(frozen=True)
class RolesConfig:
    group_claim: str
    users: dict[str, Grant]
    groups: dict[str, Grant]

    def resolve(self, claims: Mapping[str, object]) -> Access | None:
        """The access of a logged-in user from the provider's claims; None when no entry matches (fail closed).

        A `users:` entry matching the user's e-mail, preferred_username, upn or sub wins over group entries.
        When several entries match, the broadest role wins; a rektor's school units are those of all
        matching rektor entries.
        """
        identities = [str(claims[c]).strip().lower() for c in IDENTITY_CLAIMS if claims.get(c)]
        grants = [self.users[i] for i in identities if i in self.users]
        if not grants:
            grants = [self.groups[g] for g in _claim_values(claims.get(self.group_claim)) if g in self.groups]
        if not grants:
            return None
        user = identities[0] if identities else ""
        for role in ROLES:  # broadest first
            matching = [g for g in grants if g.role == role]
            if matching:
                units = frozenset().union(*(g.units for g in matching)) if role == "rektor" else None
                return Access(user=user, role=role, units=units, data_quality=role in DATA_QUALITY_ROLES)
        return None


def _claim_values(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value.strip().lower()]
    if isinstance(value, Iterable):
        return [str(v).strip().lower() for v in value]
    return [str(value).strip().lower()]


def _grant(entry: object, where: str) -> Grant:
    if isinstance(entry, str):
        role, units = entry, []
    elif isinstance(entry, Mapping):
        unknown = set(entry) - {"role", "skolenheter"}
        if unknown:
            raise SettingsError(f"{where}: okända nycklar {', '.join(sorted(map(str, unknown)))}")
        role, units = entry.get("role"), entry.get("skolenheter") or []
    else:
        raise SettingsError(f"{where}: ange en roll eller {{role: ..., skolenheter: [...]}}")
    if role not in ROLES:
        raise SettingsError(f"{where}: okänd roll {role!r}; välj en av {', '.join(ROLES)}")
    if isinstance(units, str | int):
        units = [units]
    codes = frozenset(str(u).strip() for u in units)
    bad = sorted(c for c in codes if not (len(c) == 8 and c.isdigit()))
    if bad:
        raise SettingsError(f"{where}: skolenhetskoder är åtta siffror (skriv dem inom citattecken), fick {bad}")
    if role == "rektor" and not codes:
        raise SettingsError(f"{where}: en rektor behöver minst en skolenhetskod under skolenheter")
    if role != "rektor" and codes:
        raise SettingsError(f"{where}: skolenheter gäller bara rollen rektor")
    return Grant(role, codes)


def load_roles(path: Path) -> RolesConfig:
    """Read and check the roles file (YAML, docs/login.md); SettingsError says what to correct."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise SettingsError(f"behörighetsfilen {path} kan inte läsas: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise SettingsError(f"behörighetsfilen {path} är inte giltig YAML: {exc}") from exc
    if not isinstance(raw, Mapping):
        raise SettingsError(f"behörighetsfilen {path}: förväntade nycklarna users och groups")
    unknown = set(raw) - {"group_claim", "users", "groups"}
    if unknown:
        raise SettingsError(f"behörighetsfilen {path}: okända nycklar {', '.join(sorted(map(str, unknown)))}")
    sections: dict[str, dict[str, Grant]] = {}
    for section in ("users", "groups"):
        entries = raw.get(section) or {}
        if not isinstance(entries, Mapping):
            raise SettingsError(f"behörighetsfilen {path}: {section} ska vara en mappning namn: roll")
        sections[section] = {
            str(key).strip().lower(): _grant(value, f"behörighetsfilen {path}, {section}: {key}")
            for key, value in entries.items()
        }
    return RolesConfig(str(raw.get("group_claim") or "groups"), sections["users"], sections["groups"])


# --- access log ----------------------------------------------------------------------------------------

_LOG_LOCK = threading.Lock()


def now_stockholm() -> datetime:
    return datetime.now(STOCKHOLM)


def log_page_view(log_path: Path, *, user: str, role: str, page: str, granted: bool = True) -> None:
    """Append one page view as a JSON line: time (Swedish time, ISO 8601), user, role, page — never data."""
    record = {
        "time": now_stockholm().isoformat(timespec="seconds"),
        "user": user,
        "role": role,
        "page": page,
        "granted": granted,
    }
    line = json.dumps(record, ensure_ascii=False) + "\n"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with _LOG_LOCK, open(log_path, "a", encoding="utf-8") as f:
        f.write(line)
