"""Benchmark the dashboard as a user sees it: how long each page takes to open, in Debian's chromium.

`skolanalys serve` in open local mode on a data folder that a `skolanalys run` has published (e.g. storstad's
from bench_runs.py), driven by Playwright as the browser tests drive it (tests/browser/conftest.py: the same
`serve`, chromium and flags). Each page is opened by its address, as a link or a bookmark opens it (a new
Streamlit session each time), and timed from the navigation until its heading shows, Streamlit reports the
script run finished (`data-test-script-state="notRunning"`), no element is a skeleton any more and every
chart has drawn (tests/browser/conftest.py `wait_until_shown`). Round 0 is each page's
first load after the server started (Streamlit's caches empty); the rounds after it give the median, the 95th
percentile and the slowest load. A page that shows an exception stops the bench. Usage:

    .venv/bin/python bench/bench_dashboard.py /tmp/skolanalys-runs/storstad/data \
        --landing /tmp/skolanalys-runs/storstad/landing --label storstad --rounds 20 --write-docs docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from docs_section import write_section  # bench/ is the script directory

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from dashboards.pages import PAGES  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, serve, wait_until_shown  # noqa: E402

SECTION = "## Dashboard: page times"
TIMEOUT_MS = 180_000


def open_page(page, url: str, heading: str) -> float:
    """Seconds from the navigation to the page shown whole."""
    start = time.perf_counter()
    page.goto(url, timeout=TIMEOUT_MS)
    page.get_by_role("heading", name=heading, exact=True).wait_for(timeout=TIMEOUT_MS)
    wait_until_shown(page, TIMEOUT_MS)
    seconds = time.perf_counter() - start
    if page.locator("[data-testid='stException']").count():
        raise SystemExit(f"{url}: the page shows an exception:\n{page.inner_text('body')[:3000]}")
    return seconds


def measure(data_dir: Path, landing: Path | None, rounds: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    times: dict[str, list[float]] = {p.title: [] for p in PAGES}
    extra = {"SKOLANALYS_LANDING_DIR": str(landing)} if landing else {}
    with serve(data_dir, extra) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="sv-SE")
            for round_no in range(rounds + 1):
                for p in PAGES:
                    times[p.title].append(open_page(page, f"{server.url}/{p.url_path}", p.title))
                print(f"  omgång {round_no} klar", file=sys.stderr, flush=True)
            page.goto("about:blank")
        finally:
            browser.close()
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18] if len(values) > 1 else values[0]


def table(times: dict[str, list[float]]) -> str:
    lines = ["| page | first load | median | p95 | slowest |", "|---|---:|---:|---:|---:|"]
    for title, values in times.items():
        first, rest = values[0], values[1:] or values
        lines.append(
            f"| {title} | {first:.2f} s | {statistics.median(rest):.2f} s | {p95(rest):.2f} s | {max(rest):.2f} s |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", type=Path, help="a data folder with serving.duckdb (after `skolanalys run`)")
    parser.add_argument("--landing", type=Path, help="its landing folder (the Årshjul and Datakvalitet read it)")
    parser.add_argument("--rounds", type=int, default=20, help="loads of each page after its first")
    parser.add_argument("--label", default="", help="what the data folder holds, for the docs (e.g. storstad)")
    parser.add_argument("--write-docs", type=Path, help="update the '## Dashboard: page times' section of this file")
    args = parser.parse_args()
    serving = args.data / "serving.duckdb"
    if not serving.exists():
        raise SystemExit(f"no {serving}: run `skolanalys run` for that data folder first")
    load_before = os.getloadavg()[0]
    times = measure(args.data.resolve(), args.landing.resolve() if args.landing else None, args.rounds)
    load_after = os.getloadavg()[0]
    text = table(times)
    print(text)
    if args.write_docs:
        what = f"{args.label}'s" if args.label else "the"
        command = " ".join(["bench/bench_dashboard.py", *sys.argv[1:]])
        section = (
            f"{SECTION}\n\nMeasured with `.venv/bin/python {command}`: {what} serving snapshot "
            f"({serving.stat().st_size / 1024**2:,.0f} MiB) served by `skolanalys serve` in open local mode, each "
            "page opened by its address in Debian's chromium (Playwright) and timed until its heading shows, "
            "Streamlit's script run has finished, no element is a skeleton any more and every chart has drawn; "
            "the first load after the server "
            f"started, then {args.rounds} more of each page. {len(os.sched_getaffinity(0))} cores, 1-minute "
            f"load average {load_before:.2f} before and {load_after:.2f} after.\n\n{text}\n"
        )
        write_section(args.write_docs, SECTION, section)


if __name__ == "__main__":
    main()
