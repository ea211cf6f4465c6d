"""Limits on fetching one national dataset: an overall deadline, a per-request timeout and a body-size cap.

The names and defaults are declared here once; NationalSources reads them from the environment and every
JsonFetcher enforces them. The deadline covers a whole dataset (all pages, retries and backoff), so neither
a hanging nor a trickling server can hold the nightly run for longer than it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

DEADLINE_ENV = "SKOLANALYS_NATIONAL_DEADLINE_SECONDS"
TIMEOUT_ENV = "SKOLANALYS_NATIONAL_TIMEOUT_SECONDS"
MAX_BODY_ENV = "SKOLANALYS_NATIONAL_MAX_BODY_BYTES"

DEFAULT_DEADLINE_SECONDS = 600.0
DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_MAX_BODY_BYTES = 20_000_000  # Kolada's largest page (5,000 rows) is ~2 MB; all-schools SALSA ~5 MB


@dataclass(frozen=True)
class FetchLimits:
    deadline_seconds: float = DEFAULT_DEADLINE_SECONDS
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> FetchLimits:
        """Limits from the environment; unset or empty variables keep their defaults, bad values raise."""
        return cls(
            deadline_seconds=_positive(environ, DEADLINE_ENV, float, DEFAULT_DEADLINE_SECONDS),
            timeout_seconds=_positive(environ, TIMEOUT_ENV, float, DEFAULT_TIMEOUT_SECONDS),
            max_body_bytes=_positive(environ, MAX_BODY_ENV, int, DEFAULT_MAX_BODY_BYTES),
        )


def _positive(environ: Mapping[str, str], name: str, kind: type, default: float | int):
    text = environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or not value > 0 or value == float("inf"):
        raise ValueError(f"{name}={text!r}: ska vara ett positivt tal / must be a positive number")
    return value


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
