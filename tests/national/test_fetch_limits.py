"""The overall deadline, the per-request timeout and the body-size cap, against misbehaving servers on 127.0.0.1.

Deadlines here are 2 s so the suite stays fast; the margins allow for a loaded CI machine.
"""

from __future__ import annotations

import time
import tracemalloc

import pytest

from pipelines.resources import NationalSources
from sources.national import kolada_api as kolada
from sources.national.http import BodyTooLarge, DeadlineExceeded, JsonFetcher, NationalSourceError, RetryPolicy
from sources.national.limits import FetchLimits

# The variables as the README publishes them.
DEADLINE_ENV = "SKOLANALYS_NATIONAL_DEADLINE_SECONDS"
TIMEOUT_ENV = "SKOLANALYS_NATIONAL_TIMEOUT_SECONDS"
MAX_BODY_ENV = "SKOLANALYS_NATIONAL_MAX_BODY_BYTES"

try:
    from tests.national.fake_servers import HUGE_BYTES, FakeNationalServer
except ImportError:  # tests/ is not a package: pytest puts this folder on sys.path instead
    from fake_servers import HUGE_BYTES, FakeNationalServer

DEADLINE = 2.0
MARGIN = 1.0


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def limited(*, deadline=DEADLINE, timeout=30.0, max_body=1_000_000, backoff=1.0, sleeps=None) -> JsonFetcher:
    return JsonFetcher(
        timeout=timeout,
        deadline_seconds=deadline,
        max_body_bytes=max_body,
        retry=RetryPolicy(attempts=5, backoff_base=backoff),
        sleep=sleeps if sleeps is not None else Sleeps(),
    )


def timed(call) -> tuple[Exception, float]:
    started = time.monotonic()
    with pytest.raises(NationalSourceError) as caught:
        call()
    return caught.value, time.monotonic() - started


def test_a_hanging_server_is_given_up_at_the_deadline():
    # per-request timeout 30 s, retries 5: without the deadline this would wait minutes
    with FakeNationalServer(misbehave="hang") as srv, limited() as fetcher:
        error, elapsed = timed(lambda: kolada.fetch_values(srv.kolada_url, ["N15505"], [2019], fetcher=fetcher))
    assert isinstance(error, DeadlineExceeded)
    assert DEADLINE / 2 < elapsed < DEADLINE + MARGIN
    assert "tidsgränsen 2 s" in str(error) and srv.kolada_url in str(error)


def test_a_trickling_server_is_cut_off_at_the_deadline():
    # one byte every 0.5 s: no single read ever times out, only the overall deadline stops it
    with FakeNationalServer(misbehave="trickle") as srv, limited() as fetcher:
        error, elapsed = timed(lambda: kolada.fetch_municipalities(srv.kolada_url, fetcher=fetcher))
        assert srv.bytes_sent >= 2  # it really was trickling when the fetch gave up
    assert isinstance(error, DeadlineExceeded)
    assert DEADLINE / 2 < elapsed < DEADLINE + MARGIN


def test_the_deadline_covers_every_page_and_retry_not_each_request():
    # page 1 answers at once; every later request hangs past the 1 s per-request timeout and is retried (the
    # backoff is recorded, not slept): one request alone stays within its timeout, page 2 and its retry meet
    # the dataset's 2 s deadline. The retry starts ~1 s before the deadline, so a loaded machine answering
    # page 1 slowly still sees it (with 1.5 s it once did not: CI, 2026-12-03).
    kpis = [k.id for k in kolada.load_kpi_config()]
    hangs = dict.fromkeys(range(2, 20), "hang")
    with FakeNationalServer(page_size=40, misbehave=hangs) as srv, limited(timeout=1.0, backoff=0.1) as fetcher:
        error, elapsed = timed(lambda: kolada.fetch_values(srv.kolada_url, kpis, range(2016, 2020), fetcher=fetcher))
        assert len(srv.requests) == 3  # page 1, page 2, page 2 again
    assert isinstance(error, DeadlineExceeded) and DEADLINE / 2 < elapsed < DEADLINE + MARGIN


def test_a_slow_request_is_retried_within_the_deadline():
    # request 1 hangs past the 0.5 s per-request timeout; the retry answers: the fetch succeeds in time
    with FakeNationalServer(misbehave={1: "hang"}) as srv, limited(deadline=3.0, timeout=0.5) as fetcher:
        started = time.monotonic()
        munis = kolada.fetch_municipalities(srv.kolada_url, fetcher=fetcher)
        assert len(srv.requests) == 2
    assert munis.height > 0 and time.monotonic() - started < 3.0


def test_backoff_never_sleeps_past_the_deadline():
    sleeps = Sleeps()
    with FakeNationalServer(fail_on={1: (429, {"Retry-After": "7"})}) as srv, limited(sleeps=sleeps) as fetcher:
        error, elapsed = timed(lambda: kolada.fetch_municipalities(srv.kolada_url, fetcher=fetcher))
        assert len(srv.requests) == 1
    assert isinstance(error, DeadlineExceeded) and sleeps == [] and elapsed < MARGIN


def test_an_announced_huge_body_is_refused_before_reading_it():
    with FakeNationalServer(misbehave="huge") as srv, limited() as fetcher:
        error, elapsed = timed(lambda: kolada.fetch_municipalities(srv.kolada_url, fetcher=fetcher))
        srv.wait_until_quiet()
        sent = srv.bytes_sent
    assert isinstance(error, BodyTooLarge) and "1 MB" in str(error) and "50 MB" in str(error)
    assert sent < HUGE_BYTES / 5 and elapsed < MARGIN


def test_an_unannounced_huge_body_is_cut_off_at_the_cap_in_bounded_memory():
    cap = 1_000_000
    tracemalloc.start()
    try:
        with FakeNationalServer(misbehave="huge_unannounced") as srv, limited(max_body=cap) as fetcher:
            error, _ = timed(lambda: kolada.fetch_municipalities(srv.kolada_url, fetcher=fetcher))
            _, peak = tracemalloc.get_traced_memory()
            srv.wait_until_quiet()
            sent = srv.bytes_sent
    finally:
        tracemalloc.stop()
    assert isinstance(error, BodyTooLarge)
    assert peak < 4 * cap, f"peak {peak} bytes: the body was not streamed"
    assert sent < HUGE_BYTES / 5, f"the server got to send {sent} bytes"


@pytest.mark.parametrize(
    "body",
    [
        "<!DOCTYPE html><html><body>Service Unavailable</body></html>",
        '{"values": [ {"kpi": "N15505",',
        "[1, 2, 3]",
        '{"values": {"kpi": "N15505"}}',
        '{"values": [{"kpi": "N15505", "municipality": "0117", "period": 2019, "values": {"T": 1}}]}',
        "[" * 100_000 + "]" * 100_000,  # nesting deep enough to break a recursive parser
    ],
)
def test_html_invalid_json_and_wrong_shapes_are_clean_errors(body):
    with FakeNationalServer(raw_on={1: body}) as srv, limited() as f, pytest.raises(NationalSourceError) as caught:
        kolada.fetch_values(srv.kolada_url, ["N15505"], [2019], fetcher=f)
    assert srv.kolada_url in str(caught.value)


def test_limits_come_from_the_environment_with_defaults():
    assert FetchLimits.from_environment({}) == FetchLimits(600.0, 30.0, 20_000_000)
    env = {DEADLINE_ENV: "120", TIMEOUT_ENV: "5.5", MAX_BODY_ENV: "1000"}
    assert FetchLimits.from_environment(env) == FetchLimits(120.0, 5.5, 1000)
    for bad in ({DEADLINE_ENV: "0"}, {TIMEOUT_ENV: "fem"}, {MAX_BODY_ENV: "1.5"}, {DEADLINE_ENV: "inf"}):
        with pytest.raises(ValueError, match="positivt tal"):
            FetchLimits.from_environment(bad)


def test_the_resource_passes_the_limits_to_its_fetcher(monkeypatch):
    monkeypatch.setenv(DEADLINE_ENV, "42")
    monkeypatch.setenv(MAX_BODY_ENV, "1234")
    national = NationalSources.from_environment()
    assert (national.deadline_seconds, national.timeout_seconds, national.max_body_bytes) == (42.0, 30.0, 1234)
    with national.fetcher() as fetcher:
        assert fetcher.deadline.seconds == 42.0 and fetcher.max_body_bytes == 1234 and fetcher.timeout == 30.0


def test_the_resource_reads_attempts_and_addresses_and_names_a_bad_value(monkeypatch):
    monkeypatch.setenv("SKOLANALYS_HTTP_ATTEMPTS", "2")
    monkeypatch.setenv("SKOLANALYS_KOLADA_URL", "http://127.0.0.1:9/kolada/v3")
    monkeypatch.setenv("SKOLANALYS_PLANNED_EDUCATIONS_URL", "")  # empty: the default address
    national = NationalSources.from_environment()
    assert national.attempts == 2 and national.kolada_url == "http://127.0.0.1:9/kolada/v3"
    assert national.planned_educations_url.startswith("https://")
    monkeypatch.setenv("SKOLANALYS_HTTP_ATTEMPTS", "två")
    with pytest.raises(ValueError, match="SKOLANALYS_HTTP_ATTEMPTS='två': ska vara ett positivt tal"):
        NationalSources.from_environment()
    monkeypatch.setenv("SKOLANALYS_HTTP_ATTEMPTS", "3")
    monkeypatch.setenv(TIMEOUT_ENV, "-1")
    with pytest.raises(ValueError, match="SKOLANALYS_NATIONAL_TIMEOUT_SECONDS='-1'"):
        NationalSources.from_environment()
