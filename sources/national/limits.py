"""Limits on fetching one national dataset: an overall deadline, a per-request timeout and a body-size cap.

The names and defaults are declared here once; NationalSources reads them from the environment and every
JsonFetcher enforces them. The deadline covers a whole dataset (all pages, retries and backoff), so neither
a hanging nor a trickling server can hold the nightly run for longer than it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated

from pydantic import Field, PositiveInt, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DEADLINE_SECONDS = 600.0
DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_ATTEMPTS = 5
DEFAULT_MAX_BODY_BYTES = 20_000_000  # Kolada's largest page (5,000 rows) is ~2 MB; all-schools SALSA ~5 MB


# A setting's variable is this prefix and the field's name in capitals (NationalSettings).
ENV_PREFIX = "SKOLANALYS_"
PositiveSeconds = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class NationalSettings(BaseSettings):
    """The national sources' settings from the environment (pydantic-settings): unset or empty variables keep
    their defaults; a bad value raises ValueError naming the variable, in Swedish."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_ignore_empty=True, extra="ignore", frozen=True)

    # SKOLANALYS_NATIONAL_DEADLINE_SECONDS, _TIMEOUT_SECONDS, _MAX_BODY_BYTES: per dataset fetch
    national_deadline_seconds: PositiveSeconds = DEFAULT_DEADLINE_SECONDS
    national_timeout_seconds: PositiveSeconds = DEFAULT_TIMEOUT_SECONDS
    national_max_body_bytes: PositiveInt = DEFAULT_MAX_BODY_BYTES
    # SKOLANALYS_HTTP_ATTEMPTS: tries per request (429, 5xx and network errors are retried with backoff)
    http_attempts: PositiveInt = DEFAULT_ATTEMPTS
    # SKOLANALYS_KOLADA_URL, _SKOLENHETSREGISTRET_URL, _PLANNED_EDUCATIONS_URL: another address than the public
    # one (a mirror, the tests' stand-in); None keeps the source's own default
    kolada_url: str | None = None
    skolenhetsregistret_url: str | None = None
    planned_educations_url: str | None = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> NationalSettings:
        """From os.environ, or from `environ` read the same way (a child's environment, a test's)."""
        try:
            if environ is None:
                return cls()
            named = {ENV_PREFIX + field.upper(): field for field in cls.model_fields}
            return cls.model_validate({named[k]: v for k, v in environ.items() if k in named and v.strip()})
        except ValidationError as exc:
            # Only the numbers can be wrong (an address is any text): name the variable, in Swedish.
            first = exc.errors()[0]
            name = ENV_PREFIX + str(first["loc"][0]).upper()
            raise ValueError(
                f"{name}={first['input']!r}: ska vara ett positivt tal / must be a positive number"
            ) from None

    @property
    def limits(self) -> FetchLimits:
        return FetchLimits(self.national_deadline_seconds, self.national_timeout_seconds, self.national_max_body_bytes)


@dataclass(frozen=True)
class FetchLimits:
    deadline_seconds: float = DEFAULT_DEADLINE_SECONDS
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> FetchLimits:
        """Limits from the environment; unset or empty variables keep their defaults, bad values raise."""
        return NationalSettings.from_environment(environ).limits


class Deadline:
    """A point in time after which a fetch gives up; starts when created (monotonic clock)."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._ends = clock() + seconds

    def remaining(self) -> float:
        return max(0.0, self._ends - self._clock())

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0.0
