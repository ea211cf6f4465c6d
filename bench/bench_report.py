"""Benchmark the kvalitetsrapport: `skolanalys rapport` for the huvudman (the kommun part and every school) on a
served snapshot, DOCX and PDF each in a process of its own, then both in one (what the förvaltning runs).

Wall time with time.monotonic around each process, peak RSS from os.wait4, the 1-minute load average before it;
the PDF's pages (pdfinfo) and the charts (the DOCX's pictures). The data folder needs a `serving.duckdb` (a
`skolanalys run` of a generated municipality, e.g. bench/bench_runs.py's). Usage:

    .venv/bin/python bench/bench_report.py /tmp/skolanalys-runs/storstad/data --label storstad \
        --out /tmp/skolanalys-report --write-docs docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from bench_runs import BENCH_KEY
from docs_section import write_section  # bench/ is the script directory

REPO = Path(__file__).resolve().parent.parent
SECTION = "## Kvalitetsrapport: time and memory"
CLI = Path(sys.executable).with_name("skolanalys")
FORMATS = ("docx", "pdf", "docx,pdf")


def _report(data: Path, formats: str, out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SKOLANALYS_DATA_DIR": str(data), "SKOLANALYS_OFFLINE": "1"}
    env.setdefault("SKOLANALYS_PSEUDONYM_KEY", BENCH_KEY)  # read by the settings only
    load = os.getloadavg()[0]
    start = time.monotonic()
    process = subprocess.Popen(
        [str(CLI), "rapport", "--format", formats, "--out", f"{out}/"],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    output = process.stdout.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"skolanalys rapport failed:\n{output[-3000:]}")
    return {"formats": formats, "seconds": seconds, "rss_mib": usage.ru_maxrss / 1024, "load": load}


def _size(out: Path) -> tuple[int | None, int | None]:
    """The PDF's pages and the DOCX's pictures (its charts), where written."""
    pages = charts = None
    for pdf in out.glob("*.pdf"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        pages = next((int(line.split()[-1]) for line in info.splitlines() if line.startswith("Pages:")), None)
    for document in out.glob("*.docx"):
        with zipfile.ZipFile(document) as packed:
            charts = sum(name.startswith("word/media/") for name in packed.namelist())
    return pages, charts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", type=Path, help="a data folder with serving.duckdb")
    parser.add_argument("--label", default="", help="the municipality's name in the table (e.g. the preset)")
    parser.add_argument("--out", type=Path, default=Path("/tmp/skolanalys-report"))
    parser.add_argument("--write-docs")
    args = parser.parse_args()
    rows = []
    for formats in FORMATS:
        out = args.out / formats.replace(",", "-")
        shutil.rmtree(out, ignore_errors=True)
        result = _report(args.data.resolve(), formats, out)
        result["pages"], result["charts"] = _size(out)
        rows.append(result)
        print(f"{formats}: {result['seconds']:.1f} s, {result['rss_mib']:,.0f} MiB", flush=True)
    pages = next((r["pages"] for r in rows if r["pages"]), None)
    charts = next((r["charts"] for r in rows if r["charts"]), None)
    lines = [
        f"The huvudman's report of {args.label or args.data}: {pages} pages (PDF), {charts} charts.",
        "",
        "| formats | wall time | peak RSS | load avg before |",
        "|---|---:|---:|---:|",
        *(f"| {r['formats']} | {r['seconds']:.1f} s | {r['rss_mib']:,.0f} MiB | {r['load']:.2f} |" for r in rows),
    ]
    table = "\n".join(lines)
    print(table)
    if args.write_docs:
        command = f"`.venv/bin/python bench/bench_report.py <data> --label {args.label} --write-docs {args.write_docs}`"
        text = (
            f"{SECTION}\n\nMeasured with {command}: `skolanalys rapport` for the huvudman, each format set in a "
            f"process of its own (peak RSS from os.wait4), {len(os.sched_getaffinity(0))} cores, "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.\n\n{table}\n"
        )
        write_section(REPO / args.write_docs, SECTION, text)


if __name__ == "__main__":
    main()
