"""Shared HTTP layer for the national APIs (Kolada, Skolverket): timeouts, retries, clear errors.

Every failure a user can meet surfaces as NationalSourceError with a bilingual one-line message that names the
URL, so the nightly run log says what went wrong without a stack trace.
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

log = logging.getLogger(__name__)

USER_AGENT = "skolanalys/0.1"


class NationalSourceError(Exception):
    """A national source could not be read. str(error) is a Swedish/English message naming the URL."""

    def __init__(
        self, sv: str, en: str, url: str | None = None, status_code: int | None = None, detail: str = ""
    ) -> None:
        self.sv = sv
        self.en = en
        self.url = url
        self.status_code = status_code
        where = f" [{url}]" if url else ""
        said = f" — {detail}" if detail else ""
        super().__init__(f"{sv} / {en}{where}{said}")


@dataclass(frozen=True)
class RetryPolicy:
    """attempts counts every try, the first included; sleeps are base·2^(n-1) unless the server says otherwise."""

    attempts: int = 5
    backoff_base: float = 1.0
    max_sleep: float = 60.0  # also caps Retry-After: a server asking for an hour should fail the run instead


def retry_after_seconds(header: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None when absent or unreadable."""
    if header is None or not header.strip():
        return None
    text = header.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _is_retryable(status: int) -> bool:
    return status == 429 or 500 <= status <= 599


class JsonFetcher:
    """GETs JSON with retries on 429/5xx/network errors. Use as a context manager or call close()."""

    def __init__(
        self,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        base_headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        base_headers.update(headers or {})
        # trust_env=False: a proxy from the environment must not silently reroute official-statistics calls
        self._client = httpx.Client(
            timeout=timeout, headers=base_headers, transport=transport, trust_env=False, follow_redirects=True
        )

    def __enter__(self) -> JsonFetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def _backoff(self, attempt: int, response: httpx.Response | None) -> float:
        server_wait = retry_after_seconds(response.headers.get("Retry-After")) if response is not None else None
        wait = server_wait if server_wait is not None else self.retry.backoff_base * 2 ** (attempt - 1)
        return min(wait, self.retry.max_sleep)

    def get_json(
        self,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        allow_404: bool = False,
    ) -> Any:
        """Parsed JSON body of a GET; None for a 404 when allow_404. Raises NationalSourceError otherwise."""
        response: httpx.Response | None = None
        shown = url
        for attempt in range(1, self.retry.attempts + 1):
            try:
                response = self._client.get(url, params=params, headers=headers)
                shown = str(response.request.url)
            except httpx.TransportError as exc:  # timeouts, refused connections, broken streams
                response = None
                problem = type(exc).__name__
                if attempt == self.retry.attempts:
                    raise NationalSourceError(
                        f"Kunde inte nå källan efter {attempt} försök ({problem})",
                        f"Could not reach the source after {attempt} attempts ({problem})",
                        shown,
                    ) from None
                log.warning("%s: %s, retrying (attempt %d)", shown, problem, attempt)
                self.sleep(self._backoff(attempt, None))
                continue

            status = response.status_code
            if status == 404 and allow_404:
                return None
            if _is_retryable(status):
                if attempt == self.retry.attempts:
                    raise NationalSourceError(
                        f"Källan svarade HTTP {status} även efter {attempt} försök",
                        f"The source answered HTTP {status} even after {attempt} attempts",
                        shown,
                        status,
                    )
                wait = self._backoff(attempt, response)
                log.warning("%s: HTTP %d, retrying in %.1f s (attempt %d)", shown, status, wait, attempt)
                self.sleep(wait)
                continue
            if status >= 400:
                raise NationalSourceError(
                    f"Källan avvisade anropet med HTTP {status}",
                    f"The source rejected the request with HTTP {status}",
                    shown,
                    status,
                    detail=_short(response.text),
                )
            try:
                return response.json()
            except (json.JSONDecodeError, UnicodeDecodeError):
                raise NationalSourceError(
                    "Källan svarade med något som inte är giltig JSON",
                    "The source answered with something that is not valid JSON",
                    shown,
                    status,
                ) from None
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover


@contextmanager
def fetcher_or_new(fetcher: JsonFetcher | None) -> Iterator[JsonFetcher]:
    """The caller's fetcher (left open), or a new default one closed afterwards."""
    if fetcher is not None:
        yield fetcher
        return
    with JsonFetcher() as own:
        yield own


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def shape_error(what_sv: str, what_en: str, url: str | None) -> NationalSourceError:
    """The error for a response that parsed as JSON but does not have the documented shape."""
    return NationalSourceError(f"Oväntad struktur i svaret: {what_sv}", f"Unexpected response shape: {what_en}", url)
