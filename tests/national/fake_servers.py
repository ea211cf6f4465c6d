"""A local stand-in for Kolada v3, Skolenhetsregistret v2 and Planned Educations v3, for tests and offline demos.

Serves on 127.0.0.1 with an ephemeral port, so nothing leaves the machine. It mimics what the clients rely on:
Kolada pages via `next_url` (page size configurable to force paging), answers HTTP 422 for a path segment
with more than 25 ids or per_page above 5,000; Planned Educations answers 406 without its vendor Accept type.
Faults are injected by request number (1-based, counted over every request the server gets): an HTTP status
with headers (e.g. 429 with Retry-After, 500), a raw 200 body (invalid JSON, wrong shape), or a misbehaviour
(`misbehave`, per request number or one mode for every request): 'hang' accepts and never answers, 'trickle'
sends one byte every 0.5 s, 'huge' announces and sends 50 MB, 'huge_unannounced' streams 50 MB without a
Content-Length. `bytes_sent` counts what the misbehaving replies managed to write.

Offline demo: `python tests/national/fake_servers.py` prints the SKOLANALYS_*_URL values to export.

Recorded data in recorded/ (real published figures, reshaped to each API's documented JSON):
- kolada_kpi.json: Kolada's KPI catalogue rows for the configured KPIs (rKolada's cached v3 metadata) plus
  N00945 (a non-grundskola KPI, same source).
- kolada_municipality*.json: municipality names (Kolada), "Liknande kommuner grundskola" groups for Kävlinge,
  Svenljunga, Fagersta 2024 and one socioeconomic group for Arboga (rKolada's cached v3 metadata).
- kolada_data.json: Kolada values 2016–2019 of the Öppna jämförelser KPIs (api.kolada.se/v2 answers collected
  by jeas4378/Group11_Demo) and N15428/N15813 2016–2024 with their real Missing/Privacy statuses (pgmj/DIDreport).
- kolada_ou.json / kolada_oudata.json: Österåker's municipal grundskola units. The OU ids are constructed in
  Kolada's pattern; the values are the units' real Planned Educations figures (Kolada republishes them).
- skolenhetsregistret_*.json: Österåker's grundskola units (names, codes, organisers, addresses, coordinates,
  grades from Skolverket's Planned Educations answers recorded by mandrean/skolverket-ak9-karta, 2026-04).
- planned_educations_gr_statistics.json: those recorded /statistics/gr answers, unchanged.
- planned_educations_salsa.json: the SALSA examples of Skolverket's Planned Educations v3 OpenAPI document.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

RECORDED = Path(__file__).resolve().parent / "recorded"
MAX_IDS = 25
MAX_PER_PAGE = 5000
PE_ACCEPT = "application/vnd.skolverket.plannededucations.api.v3.hal+json"
HUGE_BYTES = 50_000_000
TRICKLE_EVERY = 0.5
MISBEHAVIOURS = ("hang", "trickle", "huge", "huge_unannounced")


@dataclass
class SeenRequest:
    number: int
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    misbehave: str | None = None


def _json(status: int, obj: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply(
        status,
        json.dumps(obj, ensure_ascii=False).encode(),
        {"Content-Type": "application/json", **(headers or {})},
    )


def _load(name: str) -> Any:
    return json.loads((RECORDED / name).read_text(encoding="utf-8"))


class FakeNationalServer:
    """Threaded fake of the national APIs. Use as a context manager; see the module docstring."""

    def __init__(
        self,
        *,
        page_size: int = MAX_PER_PAGE,
        fail_on: dict[int, int | tuple[int, dict[str, str]]] | None = None,
        raw_on: dict[int, str] | None = None,
        extra_kolada_data: list[dict] | None = None,
        misbehave: dict[int, str] | str | None = None,
    ) -> None:
        self.page_size = page_size
        if isinstance(misbehave, str) or misbehave is None:
            assert misbehave in (None, *MISBEHAVIOURS), misbehave
            self.misbehave_all, self.misbehave_on = misbehave, {}
        else:
            assert set(misbehave.values()) <= set(MISBEHAVIOURS), misbehave
            self.misbehave_all, self.misbehave_on = None, dict(misbehave)
        self.bytes_sent = 0
        self.misbehaving = 0  # replies still being (mis)sent
        self._stopping = threading.Event()
        self.fail_on = dict(fail_on or {})
        self.raw_on = dict(raw_on or {})
        self.requests: list[SeenRequest] = []
        self._lock = threading.Lock()
        self.kpis = _load("kolada_kpi.json")
        self.municipalities = _load("kolada_municipality.json")
        self.groups = _load("kolada_municipality_groups.json")
        self.ous = _load("kolada_ou.json")
        self.data = _load("kolada_data.json") + list(extra_kolada_data or [])
        self.oudata = _load("kolada_oudata.json")
        self.unit_list = _load("skolenhetsregistret_school_units_0117.json")
        self.unit_details = _load("skolenhetsregistret_school_unit_details.json")
        self.gr_statistics = _load("planned_educations_gr_statistics.json")
        self.salsa = _load("planned_educations_salsa.json")
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle ----
    def __enter__(self) -> FakeNationalServer:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                reply = fake._handle(self.path, {k.lower(): v for k, v in self.headers.items()})
                if reply.misbehave:
                    fake._misbehave(self, reply.misbehave)
                    return
                self.send_response(reply.status)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        # a short poll interval keeps shutdown (and so every test) fast
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()  # releases hanging and trickling replies
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def kolada_url(self) -> str:
        return f"{self.url}/kolada/v3"

    @property
    def skolenhetsregistret_url(self) -> str:
        return f"{self.url}/skolenhetsregistret/v2"

    @property
    def planned_educations_url(self) -> str:
        return f"{self.url}/planned-educations/v3"

    def paths(self, prefix: str = "") -> list[str]:
        return [r.path for r in self.requests if r.path.startswith(prefix)]

    # ---- dispatch ----
    def _handle(self, raw_path: str, headers: dict[str, str]) -> Reply:
        parts = urlsplit(raw_path)
        query = parse_qs(parts.query)
        with self._lock:
            number = len(self.requests) + 1
            self.requests.append(SeenRequest(number, parts.path, query, headers))
        mode = self.misbehave_on.get(number, self.misbehave_all)
        if mode:
            return Reply(200, b"", misbehave=mode)
        if number in self.fail_on:
            fault = self.fail_on[number]
            status, extra = fault if isinstance(fault, tuple) else (fault, {})
            return _json(status, {"error": f"injected HTTP {status}"}, extra)
        if number in self.raw_on:
            return Reply(200, self.raw_on[number].encode(), {"Content-Type": "application/json"})
        segments = [s for s in parts.path.split("/") if s]
        if segments[:2] == ["kolada", "v3"]:
            return self._kolada(segments[2:], query, parts.path)
        if segments[:2] == ["skolenhetsregistret", "v2"]:
            return self._skolenhetsregistret(segments[2:], query)
        if segments[:2] == ["planned-educations", "v3"]:
            if PE_ACCEPT not in headers.get("accept", ""):
                return _json(406, {"status": "NOT_ACCEPTABLE", "message": f"Accept must be {PE_ACCEPT}"})
            return self._planned_educations(segments[2:])
        return _json(404, {"error": "no such endpoint"})

    # ---- misbehaviour ----
    def _misbehave(self, handler: BaseHTTPRequestHandler, mode: str) -> None:
        with self._lock:
            self.misbehaving += 1
        try:
            if mode == "hang":  # the connection is open, the request read, and nothing ever comes back
                self._stopping.wait(120)
                return
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            if mode == "trickle":  # so slow that no single read times out
                handler.send_header("Content-Length", "1000000")
            elif mode == "huge":
                handler.send_header("Content-Length", str(HUGE_BYTES))
            handler.end_headers()
            if mode == "trickle":
                handler.wfile.write(b"[")
                while not self._stopping.wait(TRICKLE_EVERY):
                    self._write(handler, b"0")
                return
            chunk = b"[" + b"1," * 32767 + b"1"  # 64 KiB of valid-looking JSON, never closed
            while self.bytes_sent < HUGE_BYTES and not self._stopping.is_set():
                self._write(handler, chunk)
        except OSError:  # BrokenPipe, ConnectionReset: the client gave up, as it should
            pass
        finally:
            with self._lock:
                self.misbehaving -= 1

    def _write(self, handler: BaseHTTPRequestHandler, data: bytes) -> None:
        handler.wfile.write(data)
        handler.wfile.flush()
        with self._lock:
            self.bytes_sent += len(data)

    def wait_until_quiet(self, timeout: float = 5.0) -> None:
        """Until every misbehaving reply has noticed the client is gone (or timeout)."""
        ends = time.monotonic() + timeout
        while self.misbehaving and time.monotonic() < ends:
            time.sleep(0.02)

    # ---- Kolada v3 ----
    def _kolada(self, seg: list[str], query: dict[str, list[str]], path: str) -> Reply:
        if not seg:
            return _json(404, {"error": "no such endpoint"})
        entity, rest = seg[0], seg[1:]
        for ids in rest[1::2] if entity in ("data", "oudata") else rest:
            if len(ids.split(",")) > MAX_IDS:
                return _json(422, {"detail": f"At most {MAX_IDS} ids per path segment"})
        title = (query.get("title") or [""])[0].lower()
        if entity in ("kpi", "municipality", "municipality_groups", "ou"):
            source = {
                "kpi": self.kpis,
                "municipality": self.municipalities,
                "municipality_groups": self.groups,
                "ou": self.ous,
            }[entity]
            wanted = set(rest[0].split(",")) if rest else None
            munis = set(",".join(query.get("municipality", [])).split(",")) - {""}
            rows = [
                r
                for r in source
                if (wanted is None or r["id"] in wanted)
                and title in r["title"].lower()
                and (not munis or r.get("municipality") in munis)
            ]
            return self._page(rows, query, path)
        if entity in ("data", "oudata"):
            unit_key = "municipality" if entity == "data" else "ou"
            filters = dict(zip(rest[0::2], (set(v.split(",")) for v in rest[1::2]), strict=False))
            if set(filters) - {"kpi", unit_key, "year"} or len(filters) < 2:
                return _json(400, {"detail": "give two of kpi, municipality|ou, year"})
            source = self.data if entity == "data" else self.oudata
            rows = [
                r
                for r in source
                if ("kpi" not in filters or r["kpi"] in filters["kpi"])
                and (unit_key not in filters or r[unit_key] in filters[unit_key])
                and ("year" not in filters or str(r["period"]) in filters["year"])
            ]
            return self._page(rows, query, path)
        return _json(404, {"error": "no such endpoint"})

    def _page(self, rows: list[dict], query: dict[str, list[str]], path: str) -> Reply:
        page = int((query.get("page") or ["1"])[0])
        per_page = int((query.get("per_page") or [str(MAX_PER_PAGE)])[0])
        if per_page > MAX_PER_PAGE:
            return _json(422, {"detail": f"per_page may be at most {MAX_PER_PAGE}"})
        size = min(per_page, self.page_size)
        chunk = rows[(page - 1) * size : page * size]
        other = {k: v[0] for k, v in query.items() if k not in ("page", "per_page")}

        def link(p: int) -> str:
            return f"{self.url}{path}?{urlencode({**other, 'page': p, 'per_page': per_page})}"

        body: dict[str, Any] = {"count": len(chunk), "values": chunk}
        if page * size < len(rows):
            body["next_url"] = link(page + 1)
        if page > 1:
            body["previous_url"] = link(page - 1)
        return _json(200, body)

    # ---- Skolverket ----
    def _skolenhetsregistret(self, seg: list[str], query: dict[str, list[str]]) -> Reply:
        if seg == ["school-units"]:
            munis = set(query.get("municipality_code", []))
            types = set(query.get("school_type", []))
            units = [
                u
                for u in self.unit_list["data"]["attributes"]
                if (
                    not munis
                    or self.unit_details[u["schoolUnitCode"]]["data"]["attributes"]["municipalityCode"] in munis
                )
                and (
                    not types
                    or types & set(self.unit_details[u["schoolUnitCode"]]["data"]["attributes"]["schoolTypes"])
                )
            ]
            return _json(200, {"meta": self.unit_list["meta"], "data": {"type": "schoolunit", "attributes": units}})
        if len(seg) == 2 and seg[0] == "school-units" and seg[1] in self.unit_details:
            return _json(200, self.unit_details[seg[1]])
        return _json(404, {"type": "about:blank", "title": "Not Found", "status": "404", "detail": "Skolenhet saknas"})

    def _planned_educations(self, seg: list[str]) -> Reply:
        not_found = _json(404, {"status": "NOT_FOUND", "message": "Not found", "body": None})
        if len(seg) == 4 and seg[0] == "school-units" and seg[2:] == ["statistics", "gr"]:
            answer = self.gr_statistics.get(seg[1])
            return _json(200, answer) if answer else not_found
        if seg[:3] == ["statistics", "all-schools", "salsa"]:
            if len(seg) == 3:
                return _json(200, self.salsa)
            units = [
                u for u in self.salsa["body"]["compulsorySchoolUnitSalsaMetricList"] if u["schoolUnitCode"] == seg[3]
            ]
            if not units:
                return not_found
            body = {**self.salsa["body"], "compulsorySchoolUnitSalsaMetricList": units}
            return _json(200, {**self.salsa, "body": body})
        return not_found


@pytest.fixture
def fake_server() -> Iterator[FakeNationalServer]:
    with FakeNationalServer() as server:
        yield server


if __name__ == "__main__":
    with FakeNationalServer() as demo:
        print(f"export SKOLANALYS_KOLADA_URL={demo.kolada_url}")
        print(f"export SKOLANALYS_SKOLENHETSREGISTRET_URL={demo.skolenhetsregistret_url}")
        print(f"export SKOLANALYS_PLANNED_EDUCATIONS_URL={demo.planned_educations_url}")
        print("Ctrl-C to stop", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
