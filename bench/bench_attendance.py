"""Benchmark the attendance loader against DuckDB's own read_csv of the same files (the floor).

Each measurement runs in its own child process, so its peak RSS and CPU time (from os.wait4) are its own,
into a fresh DuckDB file under --out. The floor is `create table as select * from read_csv(<the files>)`,
once with DuckDB's type detection and once all text: reading and storing, nothing else. The loader does what
the nightly run does: hash every file, sniff it, validate every row in SQL, pseudonymise, quarantine, check
keys against earlier files, record the ledger, close the database (its checkpoint); then a second pass over
the same folder (nothing new).
With --repeat N the three run N times, alternating, and the tables give medians: on a shared machine one
run's wall time can be off by half, the ratio within a round (floor and loader back to back) much less.
Usage (files generated into /tmp, never into the repository):

    .venv/bin/skolanalys generate --scale storstad --seed 1 --out /tmp/attendance-loader-bench/landing
    .venv/bin/python bench/bench_attendance.py /tmp/attendance-loader-bench/landing/franvaro \
        --out /tmp/attendance-loader-bench/run --write-docs docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from docs_section import write_section  # bench/ is the script directory

from skolanalys.meminfo import meminfo

REPO = Path(__file__).resolve().parent.parent
SECTION = "## Attendance load"

FLOOR = """
import duckdb, json, resource, sys, time
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
files, all_varchar, db = json.loads(sys.argv[1]), sys.argv[2] == "text", sys.argv[3]
con = duckdb.connect(db)
con.execute("set enable_progress_bar = false")
start, cpu_start = time.perf_counter(), cpu()
con.execute(f"create table t as select * from read_csv({files!r}, all_varchar = {all_varchar})")
rows = con.execute("select count(*) from t").fetchall()[0][0]
con.close()
print(json.dumps({"rows": rows, "seconds": time.perf_counter() - start, "cpu_measured": cpu() - cpu_start}))
"""

LOADER = """
import duckdb, json, resource, sys, time
from pathlib import Path
from sources.landing.attendance import AttendanceLoader
from sources.landing.folder import sync_folder
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
folder, db = Path(sys.argv[1]), sys.argv[2]
con = duckdb.connect(db)
start, cpu_start = time.perf_counter(), cpu()
sync = sync_folder(con, folder, AttendanceLoader(b"bench-key"))
# The close writes the load's checkpoint, which merges the partial row groups the files' transactions leave: the
# load's work, measured as the run's attendance step pays it, as the floor's time includes its close.
con.close()
seconds, cpu_measured = time.perf_counter() - start, cpu() - cpu_start
con = duckdb.connect(db)
start = time.perf_counter()
again = sync_folder(con, folder, AttendanceLoader(b"bench-key"))
second = time.perf_counter() - start
rows = con.execute("select count(*) from raw.attendance").fetchall()[0][0]
con.close()
print(json.dumps({
    "rows": rows, "seconds": seconds, "cpu_measured": cpu_measured, "second_pass_seconds": second,
    "files": len(sync.loaded),
    "rows_in": sync.total("rows_in"), "rows_quarantined": sync.total("rows_quarantined"),
    "second_pass_files_loaded": len(again.loaded), "warnings": sync.warnings[:5],
}))
"""


def machine() -> dict:
    import duckdb

    mem_kib = meminfo("MemTotal") // 1024
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "ram_gib": round(mem_kib / 1024**2, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
    }


def child(code: str, *args: str) -> dict:
    """Run `code` in a fresh Python; its result, wall time, CPU time and peak RSS."""
    load = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], cwd=REPO, stdout=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    output = proc.stdout.read()
    proc.stdout.close()
    if status != 0:
        raise SystemExit(f"child failed ({status}): {output[-2000:]}")
    result = json.loads(output.strip().splitlines()[-1])
    return {
        **result,
        "wall_seconds": wall,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,  # the whole child, start-up included
        "peak_rss_mib": usage.ru_maxrss // 1024,
        "load_avg_1min_before": load,
        "load_avg_1min_after": os.getloadavg()[0],
    }


def subset(folder: Path, n: int | None, out: Path) -> Path:
    """The first n files of the folder (by name), as hard links in a folder of their own (the door does not
    follow symbolic links); a copy where a hard link cannot be made."""
    files = sorted(p for p in folder.iterdir() if p.is_file())
    if n is None or n >= len(files):
        return folder
    target = out / f"first_{n}_files"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for p in files[:n]:
        try:
            os.link(p.resolve(), target / p.name)
        except OSError:
            shutil.copy2(p, target / p.name)
    return target


def measure(folder: Path, out: Path, repeat: int = 1) -> list[dict]:
    files = sorted(str(p.resolve()) for p in folder.iterdir() if p.is_file())
    results = []
    for round_ in range(1, repeat + 1):
        for name, code, args in [
            ("DuckDB read_csv, types detected (floor)", FLOOR, [json.dumps(files), "typed"]),
            ("DuckDB read_csv, all text (floor)", FLOOR, [json.dumps(files), "text"]),
            ("attendance loader (sources/landing/attendance/)", LOADER, [str(folder)]),
        ]:
            db = out / "bench.duckdb"
            for p in out.glob("bench.duckdb*"):
                shutil.rmtree(p) if p.is_dir() else p.unlink()
            measured = child(code, *args, str(db))
            result = {"what": name, "round": round_, **measured, "db_mib": db.stat().st_size // 1024**2}
            print(json.dumps(result), flush=True)
            results.append(result)
    return results


def _cpu(result: dict) -> float:
    """CPU seconds of the measured part (the child's own count), else of the whole child (older results)."""
    return result.get("cpu_measured", result.get("cpu_seconds", float("nan")))


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def rounds(results: list[dict]) -> list[dict]:
    """Per round: the faster floor, the loader, and floor ÷ loader in wall time and in CPU time."""
    out = []
    for round_ in sorted({r.get("round", 1) for r in results}):
        mine = [r for r in results if r.get("round", 1) == round_]
        floors = [r for r in mine if "floor" in r["what"]]
        loader = next((r for r in mine if "loader" in r["what"]), None)
        if not floors or loader is None:
            continue
        floor = min(floors, key=lambda r: r["seconds"])
        out.append(
            {
                "round": round_,
                "floor": floor["seconds"],
                "loader": loader["seconds"],
                "ratio": floor["seconds"] / loader["seconds"],
                "cpu_ratio": _cpu(floor) / _cpu(loader),
                "load": (floor["load_avg_1min_before"], loader.get("load_avg_1min_after", float("nan"))),
            }
        )
    return out


def markdown(results: list[dict], info: dict, command: str, files: int, size_mib: int) -> str:
    whats = list(dict.fromkeys(r["what"] for r in results))
    per_round = rounds(results)
    n = len(per_round)
    floor = _median([r["floor"] for r in per_round])
    lines = [
        SECTION,
        "",
        f"Machine: {info['nproc']} cores ({info['cpu']}), {info['ram_gib']} GiB RAM; Python {info['python']},"
        f" DuckDB {info['duckdb']}. Input: {files} gzip files, {size_mib:,} MiB compressed.",
        "",
        "Commands (from the repository root; files and databases in /tmp, not the repository):",
        "",
        "```",
        command,
        "```",
        "",
        f"Medians of {n} round{'s' if n != 1 else ''} (each round: the two floors and the loader, back to back):",
        "",
        "| what | rows | wall time | rows/s | floor ÷ time | CPU time | peak RSS | database | load avg before/after |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for what in whats:
        mine = [r for r in results if r["what"] == what]
        seconds = _median([r["seconds"] for r in mine])
        cpu = _median([_cpu(r) for r in mine])
        before = _median([r["load_avg_1min_before"] for r in mine])
        after = _median([r.get("load_avg_1min_after", float("nan")) for r in mine])
        lines.append(
            f"| {what} | {mine[0]['rows']:,} | {seconds:.1f} s | {mine[0]['rows'] / seconds:,.0f} | "
            f"{floor / seconds:.2f} | {cpu:.1f} s | {_median([r['peak_rss_mib'] for r in mine]):,.0f} MiB | "
            f"{_median([r['db_mib'] for r in mine]):,.0f} MiB | {before:.2f} / {after:.2f} |"
        )
    ratios = [r["ratio"] for r in per_round]
    cpu_ratios = [r["cpu_ratio"] for r in per_round]
    loader = [r for r in results if "loader" in r["what"]]
    lines += [
        "",
        f"Floor ÷ loader within each round (wall time): {', '.join(f'{x:.2f}' for x in ratios)}; median"
        f" **{_median(ratios):.2f}**. In CPU time (user + system, the measured part only): median"
        f" {_median(cpu_ratios):.2f}. The loader's second pass over the same folder (every file hashed, none"
        f" read): {_median([r['second_pass_seconds'] for r in loader]):.1f} s,"
        f" {loader[0]['second_pass_files_loaded']} files loaded.",
        "",
        "Each measurement is a separate child process in a fresh database; peak RSS from `os.wait4`, CPU time"
        " from `getrusage` around the measured part (all threads; for both, closing the database is part of it:"
        " its checkpoint)."
        " The floor runs with DuckDB's defaults (memory limit 80 % of RAM, a thread per core, two files read"
        " at a time in parallel); the loader with its own limits (2 GB, 2 threads). The target is"
        " floor ÷ time ≥ 0.7 for the loader, against the faster floor of the same round. `load avg` is the"
        " 1-minute load average when a run started and ended: the machine is shared with other jobs.",
        "",
    ]
    return "\n".join(lines)


HAND_WRITTEN = "\n### "  # the section's own subsections (design, costs, history) are kept as they are


def keep_history(path: Path, text: str) -> str:
    """The new section with the existing section's hand-written subsections (from its first `### `) below."""
    if not path.exists():
        return text
    old = path.read_text(encoding="utf-8")
    start = old.find(SECTION)
    end = old.find("\n## ", start + len(SECTION)) if start >= 0 else -1
    section = old[start : end if end >= 0 else len(old)] if start >= 0 else ""
    at = section.find(HAND_WRITTEN)
    return text if at < 0 else text.rstrip("\n") + "\n\n" + section[at + 1 :].rstrip("\n") + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path, help="a franvaro/ folder, e.g. of the storstad preset")
    ap.add_argument("--out", type=Path, default=Path("/tmp/attendance-loader-bench/run"))
    ap.add_argument("--files", type=int, help="only the first N files (by name)")
    ap.add_argument("--repeat", type=int, default=1, help="rounds of floor, floor, loader (medians reported)")
    ap.add_argument("--scale", default="storstad", help="the preset the folder was generated with (for the docs)")
    ap.add_argument("--write-docs", type=Path, help="update the '## Attendance load' section of this file")
    ap.add_argument("--results", type=Path, help="render the JSON lines of an earlier run instead of measuring")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    folder = subset(args.folder.resolve(), args.files, args.out)
    files = [p for p in folder.iterdir() if p.is_file()]
    size_mib = sum(p.stat().st_size for p in files) // 1024**2
    if args.results:
        results = [json.loads(line) for line in args.results.read_text().splitlines() if line.startswith("{")]
    else:
        results = measure(folder, args.out, args.repeat)
    shown_args = list(sys.argv[1:])  # as measured: without --results (a re-rendering of a saved run)
    if "--results" in shown_args:
        i = shown_args.index("--results")
        del shown_args[i : i + 2]
    python = Path(sys.executable)
    python_shown = python.relative_to(REPO) if python.is_relative_to(REPO) else python
    command = (
        f"{python_shown.with_name('skolanalys')} generate --scale {args.scale} --seed 1 --out {args.folder.parent}\n"
        f"{python_shown} bench/bench_attendance.py " + " ".join(shown_args)
    )
    text = markdown(results, machine(), command, len(files), size_mib)
    print(text)
    if args.write_docs:
        write_section(args.write_docs, SECTION, keep_history(args.write_docs, text))


if __name__ == "__main__":
    main()
