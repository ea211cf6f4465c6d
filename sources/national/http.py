"""Shared HTTP layer for the national APIs (Kolada, Skolverket): timeouts, retries, limits, clear errors.

Every failure a user can meet surfaces as NationalSourceError with a bilingual one-line message that names the
URL, so the nightly run log says what went wrong without a stack trace. Bodies are streamed and read chunk by
chunk so the deadline and the size cap (sources/national/limits.py) hold even for a trickling or huge answer.
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
import tenacity

from sources.national.limits import (
    DEFAULT_DEADLINE_SECONDS,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_TIMEOUT_SECONDS,
    Deadline,
)

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


class OfflineMode(NationalSourceError):
    """Not tried: the installation runs offline (SKOLANALYS_OFFLINE=1) by choice."""

    def __init__(self, url: str | None = None) -> None:
        super().__init__("offline-läge (SKOLANALYS_OFFLINE=1)", "offline mode", url)


class DeadlineExceeded(NationalSourceError):
    """The dataset's overall deadline passed (hanging or trickling server, or retries that would run past it)."""

    def __init__(self, seconds: float, url: str | None) -> None:
        super().__init__(
            f"Gav upp: tidsgränsen {seconds:g} s för hela hämtningen nåddes (SKOLANALYS_NATIONAL_DEADLINE_SECONDS)",
            f"Gave up: the {seconds:g} s deadline for the whole fetch was reached",
            url,
        )


class BodyTooLarge(NationalSourceError):
    """The answer is larger than the cap; it is cut off, never read into memory whole."""

    def __init__(self, max_bytes: int, url: str | None, announced: int | None = None) -> None:
        said = f", angav {announced / 1e6:g} MB" if announced else ""
        super().__init__(
            f"Svaret är större än gränsen {max_bytes / 1e6:g} MB{said} (SKOLANALYS_NATIONAL_MAX_BODY_BYTES)",
            f"The answer is larger than the {max_bytes} byte cap",
            url,
        )


@dataclass(frozen=True)
class RetryPolicy:
    """attempts counts every try, the first included; sleeps are base·2^(n-1) unless the server says otherwise."""

    attempts: int = 5
    backoff_base: float = 1.0
    max_sleep: float = 60.0  # also caps Retry-After; no sleep ever runs past the fetcher's deadline


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
    """GETs JSON with retries on 429/5xx/network errors, within a deadline and a body-size cap.

    The deadline starts when the fetcher is created and covers every request made through it: create one
    fetcher per dataset. Use as a context manager or call close(). The retries are tenacity's: `_wait` reads
    Retry-After from the last answer, the stop is the attempts or a wait that would run past the deadline, and
    `give_up` in get_json turns the last outcome into the NationalSourceError that names the URL.
    """

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        deadline_seconds: float = DEFAULT_DEADLINE_SECONDS,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.timeout = timeout
        self.max_body_bytes = max_body_bytes
        self.deadline = Deadline(deadline_seconds, clock)
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

    def _request(
        self, url: str, params: Mapping[str, str | int] | None, headers: Mapping[str, str] | None, read_body: Callable
    ) -> tuple[httpx.Response, bytes | None]:
        """One streamed GET; the body is read (within the limits) only when read_body(response) says so."""
        # no single read may wait past the deadline either; reads later in the stream are bounded by the
        # chunk-by-chunk check in read_limited (a read can overshoot by at most this timeout)
        timeout = max(0.001, min(self.timeout, self.deadline.remaining()))
        with self._client.stream("GET", url, params=params, headers=headers, timeout=timeout) as response:
            if not read_body(response):
                return response, None
            body = read_limited(response, self.deadline, self.max_body_bytes, str(response.request.url))
            return response, body

    def _wait(self, state: tenacity.RetryCallState) -> float:
        """The last answer's Retry-After (delta-seconds or HTTP-date), else base·2^(n-1); both capped at max_sleep."""
        response = _last_response(state)
        server_wait = retry_after_seconds(response.headers.get("Retry-After")) if response is not None else None
        if server_wait is not None:
            return min(server_wait, self.retry.max_sleep)
        return tenacity.wait_exponential(multiplier=self.retry.backoff_base, max=self.retry.max_sleep)(state)

    def _past_deadline(self, state: tenacity.RetryCallState) -> bool:
        """A retry that could only start after the deadline is pointless: give up now instead of sleeping."""
        return state.upcoming_sleep >= self.deadline.remaining()

    def get_json(
        self,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        allow_404: bool = False,
    ) -> Any:
        """Parsed JSON body of a GET; None for a 404 when allow_404. Raises NationalSourceError otherwise."""
        shown = url  # the URL the messages name: the one asked for until an answer says which it was

        def wanted(response: httpx.Response) -> bool:
            status = response.status_code
            return not (_is_retryable(status) or (status == 404 and allow_404))

        def attempt() -> tuple[httpx.Response, bytes | None]:
            nonlocal shown
            if self.deadline.expired:
                raise DeadlineExceeded(self.deadline.seconds, shown)
            try:
                response, body = self._request(url, params, headers, wanted)
            except httpx.RequestError:  # timeouts, refused connections, broken streams, broken gzip: retried
                if self.deadline.expired:  # the read timeout was cut to the deadline: say so
                    raise DeadlineExceeded(self.deadline.seconds, shown) from None
                raise
            shown = str(response.request.url)
            return response, body

        def retrying(state: tenacity.RetryCallState) -> None:
            wait, tries = state.upcoming_sleep, state.attempt_number
            log.warning("%s: %s, retrying in %.1f s (attempt %d)", shown, _problem(state), wait, tries)

        def give_up(state: tenacity.RetryCallState) -> None:
            tries, response = state.attempt_number, _last_response(state)
            if tries < self.retry.attempts:  # stopped early: the next wait would run past the deadline
                raise DeadlineExceeded(self.deadline.seconds, shown)
            if response is None:
                problem = _problem(state)
                raise NationalSourceError(
                    f"Kunde inte nå källan efter {tries} försök ({problem})",
                    f"Could not reach the source after {tries} attempts ({problem})",
                    shown,
                )
            status = response.status_code
            raise NationalSourceError(
                f"Källan svarade HTTP {status} även efter {tries} försök",
                f"The source answered HTTP {status} even after {tries} attempts",
                shown,
                status,
            )

        response, body = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(httpx.RequestError)
            | tenacity.retry_if_result(lambda answer: _is_retryable(answer[0].status_code)),
            wait=self._wait,
            stop=tenacity.stop_any(tenacity.stop_after_attempt(self.retry.attempts), self._past_deadline),
            sleep=self.sleep,
            before_sleep=retrying,
            retry_error_callback=give_up,
        )(attempt)
        status = response.status_code
        if status == 404 and allow_404:
            return None
        assert body is not None
        if status >= 400:
            raise NationalSourceError(
                f"Källan avvisade anropet med HTTP {status}",
                f"The source rejected the request with HTTP {status}",
                shown,
                status,
                detail=_short(body.decode("utf-8", errors="replace")),
            )
        return parse_json(body, shown, status)


def _last_response(state: tenacity.RetryCallState) -> httpx.Response | None:
    """The answer of the attempt just made; None when it raised (a network error)."""
    outcome = state.outcome
    return None if outcome is None or outcome.failed else outcome.result()[0]


def _problem(state: tenacity.RetryCallState) -> str:
    response = _last_response(state)
    return f"HTTP {response.status_code}" if response is not None else type(state.outcome.exception()).__name__


def read_limited(response: httpx.Response, deadline: Deadline, max_bytes: int, url: str) -> bytes:
    """The body of a streamed response, read chunk by chunk: gives up at the deadline or past max_bytes."""
    announced = response.headers.get("Content-Length", "")
    if announced.isdigit() and int(announced) > max_bytes:
        raise BodyTooLarge(max_bytes, url, int(announced))
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():  # decoded bytes: a gzip bomb counts at its unpacked size
        size += len(chunk)
        if size > max_bytes:
            raise BodyTooLarge(max_bytes, url)
        chunks.append(chunk)
        if deadline.expired:
            raise DeadlineExceeded(deadline.seconds, url)
    return b"".join(chunks)


def parse_json(body: bytes, url: str, status: int | None = None) -> Any:
    """JSON from bytes; HTML, cut-off or absurdly nested answers become NationalSourceError."""
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise NationalSourceError(
            "Källan svarade med något som inte är giltig JSON",
            "The source answered with something that is not valid JSON",
            url,
            status,
            detail=_short(body[:400].decode("utf-8", errors="replace")),
        ) from None


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
