"""Benchmark whole runs as the nightly job sees them: a full build, a run with nothing new, one new school day.

For each preset: generate the landing folder, hold back the last school day of attendance (moved into a
file of its own outside the folder), then time three `skolanalys run`s, each in its own process (wall time
with time.monotonic around it, peak RSS of the largest process (the run or its dbt) from os.wait4):
1. full build on a new warehouse,
2. the same folder again (nothing new),
3. the held-back day dropped into franvaro/ (one new day).
With --repeat N the one-new-day run is made N times, each on a copy of the same state before it (the warehouse,
the serving file and Dagster's storage as the nothing-new run left them), and the table gives the median: one
run of ~8 s moves by ±10 % with the machine, which is ±0.5 points of a share whose target is 5 %.
The machine's load average is recorded before each run. Usage:

    .venv/bin/python bench/bench_runs.py kavlinge storstad --out /tmp/skolanalys-runs --repeat 3 \
        --write-docs docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from docs_section import write_section  # bench/ is the script directory

from skolanalys.meminfo import meminfo

REPO = Path(__file__).resolve().parent.parent
SECTION = "## Whole runs: full, nothing new, one new day"
CLI = Path(sys.executable).with_name("skolanalys")
MIB = 1 << 20


def hold_back_last_day(landing: Path, held: Path) -> tuple[str, int]:
    """Move the last school day's rows of the last attendance file into `held` (gzip CSV). Streamed line by
    line: a child's peak RSS (os.wait4) starts from this process's at the fork, so the bench stays small."""
    last = sorted((landing / "franvaro").glob("*.csv.gz"))[-1]
    with gzip.open(last, "rt", encoding="utf-8", newline="") as lines:
        next(lines)
        day = max(line.split(";", 3)[2] for line in lines)
    kept_path, moved = last.with_suffix(".kept"), 0
    with (
        gzip.open(last, "rt", encoding="utf-8", newline="") as lines,
        gzip.open(kept_path, "wt", encoding="utf-8", newline="", compresslevel=1) as kept,
        gzip.open(held, "wt", encoding="utf-8", newline="", compresslevel=1) as out,
    ):
        header = next(lines)
        kept.write(header)
        out.write(header)
        for line in lines:
            if line.split(";", 3)[2] == day:
                out.write(line)
                moved += 1
            else:
                kept.write(line)
    kept_path.replace(last)
    return day, moved


# The benchmarks' pseudonym key: synthetic pupils only, never a real key.
BENCH_KEY = "benchmark-key-not-secret-0123"


def run_env(landing: Path, data: Path, dagster_home: Path) -> dict[str, str]:
    """The environment of a benchmark's `skolanalys run`: offline, the benchmark's key, these folders."""
    return {
        **os.environ,
        "SKOLANALYS_LANDING_DIR": str(landing),
        "SKOLANALYS_DATA_DIR": str(data),
        "SKOLANALYS_PSEUDONYM_KEY": BENCH_KEY,
        "DAGSTER_HOME": str(dagster_home),
        "SKOLANALYS_OFFLINE": "1",
    }


def _run(env: dict[str, str]) -> tuple[float, float, str, int, float]:
    """Wall time, peak RSS, load before, lines of output, and the peak of shared memory above its level at the
    start (sampled every 0.1 s): RSS + that is the run's memory, copies included."""
    load = os.getloadavg()[0]
    start = time.monotonic()
    # The attendance load's unpacked copies live in shared memory (a memfd each): memory in no process's RSS.
    base, peak, done = meminfo("Shmem") / MIB, [0.0], threading.Event()

    def sample() -> None:
        while not done.wait(0.1):
            peak[0] = max(peak[0], meminfo("Shmem") / MIB - base)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    process = subprocess.Popen([str(CLI), "run"], env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = process.stdout.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - start
    done.set()
    sampler.join()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"skolanalys run failed:\n{output[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, f"{load:.2f}", len(output.splitlines()), peak[0]


def bench(preset: str, out: Path, repeat: int = 1) -> dict:
    root = out / preset
    shutil.rmtree(root, ignore_errors=True)
    landing, data = root / "landing", root / "data"
    env = run_env(landing, data, root / "dagster_home")
    subprocess.run(
        [str(CLI), "generate", "--scale", preset, "--out", str(landing)], env=env, check=True, stdout=subprocess.DEVNULL
    )
    held = root / "held_back_day.csv.gz"
    day, rows = hold_back_last_day(landing, held)
    results = {"preset": preset, "day": day, "day_rows": rows}
    results["full"] = _run(env)
    results["nothing_new"] = _run(env)
    before = root / "before_new_day"  # the state the night starts from, for each repetition
    if repeat > 1:
        for folder in (data, root / "dagster_home"):
            shutil.copytree(folder, before / folder.name, symlinks=True)
    shutil.copyfile(held, landing / "franvaro" / f"franvaro_{day}.csv.gz")
    nights = []
    for i in range(repeat):
        if i:
            for folder in (data, root / "dagster_home"):
                shutil.rmtree(folder)
                shutil.copytree(before / folder.name, folder, symlinks=True)
        os.sync()  # the copies' writes (1.4 GB at storstad) on disk before the night, not during it
        nights.append(_run(env))
    shutil.rmtree(before, ignore_errors=True)
    results["one_new_day"] = sorted(nights)[len(nights) // 2]  # the median run (by wall time)
    results["one_new_day_all"] = [n[0] for n in nights]
    return results


def _table(results: list[dict]) -> str:
    lines = [
        "| preset | run | wall time | share of full | peak RSS | + shared memory (unpacked copies) | load avg before |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        full = r["full"][0]
        for name, label in (("full", "full build"), ("nothing_new", "nothing new"), ("one_new_day", "one new day")):
            seconds, rss, load, _, shmem = r[name]
            extra = ""
            if name == "one_new_day":
                every = r["one_new_day_all"]
                each = ", ".join(f"{x:.1f}" for x in every)
                runs = f"; median of {len(every)}: {each} s" if len(every) > 1 else ""
                extra = f" ({r['day_rows']:,} rows, {r['day']}{runs})"
            lines.append(
                f"| {r['preset']} | {label}{extra} | {seconds:.1f} s | {100 * seconds / full:.1f} % | "
                f"{rss:,.0f} MiB | {shmem:,.0f} MiB | {load} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("presets", nargs="+")
    parser.add_argument("--out", default="/tmp/skolanalys-runs")
    parser.add_argument("--write-docs")
    parser.add_argument("--repeat", type=int, default=1, help="one-new-day runs, each on a copy of the same state")
    args = parser.parse_args()
    results = [bench(p, Path(args.out), args.repeat) for p in args.presets]
    table = _table(results)
    print(table)
    if args.write_docs:
        text = (
            f"{SECTION}\n\nMeasured with `.venv/bin/python bench/bench_runs.py {' '.join(args.presets)} "
            f"--repeat {args.repeat} --write-docs docs/benchmarks.md`: each `skolanalys run` in its own process on a "
            "fresh warehouse (offline, synthetic data), peak RSS of the largest process of the run — the CLI or its "
            "dbt child — (os.wait4), the 1-minute load "
            f"average before each run, {len(os.sched_getaffinity(0))} cores.\n\n{table}\n"
        )
        write_section(REPO / args.write_docs, SECTION, text)


if __name__ == "__main__":
    main()
