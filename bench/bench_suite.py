"""Where the test suite's time and CPU go: `pytest` as `make test` runs it (two workers), with each test's end and
the workers' CPU logged, and the machine's CPU meter (/proc/stat) sampled every second beside it. Prints the
wall time, the CPU by test module (a worker's own and that of the processes it waited for — a process still
running when counted, a dashboard server or a browser, is counted late or not at all) and how busy both cores
were, ten seconds at a time, with the module each worker ran. Beside it, every process's CPU is read from
/proc/<pid>/stat four times a second and charged to the worker whose process tree it is in, and to the test that
worker was running then: the browsers, servers and runs a test starts are counted as they run (a process that
lives less than a quarter of a second is missed).

    .venv/bin/python bench/bench_suite.py --out /tmp/suite-bench [pytest arguments]

This file is also the pytest plugin (`-p bench_suite`, bench/ on the workers' path); it logs only when the
runner sets BENCH_SUITE_DIR.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT_ENV = "BENCH_SUITE_DIR"
WINDOW = 10  # seconds per line of the CPU meter's table


# The plugin: in each xdist worker, one JSON line per test phase -----------------------------------------------


def _cpu() -> tuple[float, float]:
    own, waited = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, waited.ru_utime + waited.ru_stime


def _write(record: dict) -> None:
    folder, worker = os.environ.get(OUT_ENV), os.environ.get("PYTEST_XDIST_WORKER")
    if folder and worker:
        with open(Path(folder) / f"{worker}.jsonl", "a", encoding="utf-8") as log:
            log.write(json.dumps(record) + "\n")


def pytest_collection_finish(session) -> None:
    own, waited = _cpu()
    _write({"id": "(collection)", "stop": time.time(), "own": own, "waited": waited})


def pytest_runtest_logreport(report) -> None:
    own, waited = _cpu()
    _write(
        {
            "id": report.nodeid,
            "start": report.start,
            "stop": report.stop,
            "own": own,
            "waited": waited,
            "pid": os.getpid(),
        }
    )


# The runner -------------------------------------------------------------------------------------------------


def _busy(stop: threading.Event, samples: list[tuple[float, float]]) -> None:
    """The share of all cores busy, once a second, from /proc/stat."""

    def read() -> tuple[int, int]:
        with open("/proc/stat", encoding="ascii") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
        return sum(values), values[3] + values[4]  # idle and iowait

    before = read()
    while not stop.wait(1.0):
        now = read()
        total, idle = now[0] - before[0], now[1] - before[1]
        samples.append((time.time(), 1 - idle / max(total, 1)))
        before = now


def _tree_sampler(root: int, stop: threading.Event, samples: list[tuple[float, dict[int, float]]]) -> None:
    """Every 0.25 s: the CPU each worker's process tree (the worker and every process below it) used since the
    last sample, from /proc/<pid>/stat. The workers are the direct children of `root`, pytest's own process."""
    tick = os.sysconf("SC_CLK_TCK")
    seen: dict[int, float] = {}
    while not stop.wait(0.25):
        processes: dict[int, tuple[int, float]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            processes[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
        workers = {pid for pid, (parent, _) in processes.items() if parent == root}
        used: dict[int, float] = defaultdict(float)
        for pid, (_, cpu) in processes.items():
            worker, hops = pid, 0
            while worker not in workers and worker in processes and hops < 64:
                worker, hops = processes[worker][0], hops + 1
            if worker in workers:
                if pid in seen:  # a process first seen counts from then on: its earlier CPU is not this run's
                    used[worker] += cpu - seen[pid]
                seen[pid] = cpu
        samples.append((time.time(), dict(used)))


def _by_test(out: Path, samples: list[tuple[float, dict[int, float]]]) -> dict[str, float]:
    """The process trees' CPU (_tree_sampler) charged to the test each worker was running at the sample's time
    (a test's span: its set-up's start to its teardown's end); between tests, to '(between tests)'."""
    spans: dict[int, list[tuple[float, float, str]]] = defaultdict(list)
    for path in sorted(out.glob("gw*.jsonl")):
        for record in (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()):
            if "pid" in record and "start" in record:
                rows = spans[record["pid"]]
                if rows and rows[-1][2] == record["id"]:
                    rows[-1] = (rows[-1][0], record["stop"], record["id"])
                else:
                    rows.append((record["start"], record["stop"], record["id"]))
    cpu: dict[str, float] = defaultdict(float)
    for at, used in samples:
        for worker, seconds in used.items():
            test = next((t for start, end, t in spans.get(worker, []) if start <= at <= end + 0.25), "(between tests)")
            cpu[test] += seconds
    return cpu


def _modules(out: Path, started: float) -> tuple[dict[str, list[float]], dict[str, list[tuple[float, float, str]]]]:
    """CPU by module {module: [own, waited]} and each worker's modules in order [(start, end, module)]."""
    cpu: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    spans: dict[str, list[tuple[float, float, str]]] = {}
    for path in sorted(out.glob("gw*.jsonl")):
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        own = waited = 0.0
        last = started
        rows: list[list] = []
        for record in records:
            module = record["id"].split("::")[0]
            cpu[module][0] += record["own"] - own
            cpu[module][1] += record["waited"] - waited
            own, waited = record["own"], record["waited"]
            if rows and rows[-1][2] == module:
                rows[-1][1] = record["stop"] - started
            else:
                rows.append([last - started, record["stop"] - started, module])
            last = record["stop"]
        spans[path.stem] = [tuple(row) for row in rows]
    return cpu, spans


def _running(spans: list[tuple[float, float, str]], at: float) -> str:
    return next((module for start, end, module in spans if start <= at <= end), "-")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True, help="a folder for the workers' logs (emptied first)")
    parser.add_argument("--top", type=int, default=15)
    args, pytest_args = parser.parse_known_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("gw*.jsonl"):
        old.unlink()
    env = {**os.environ, OUT_ENV: str(args.out)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).parent), env.get("PYTHONPATH")]))
    samples: list[tuple[float, float]] = []
    stop = threading.Event()
    meter = threading.Thread(target=_busy, args=(stop, samples), daemon=True)
    load = os.getloadavg()[0]
    started = time.time()
    meter.start()
    pytest = subprocess.Popen([sys.executable, "-m", "pytest", "-p", "bench_suite", *pytest_args], cwd=REPO, env=env)
    trees: list[tuple[float, dict[int, float]]] = []
    sampler = threading.Thread(target=_tree_sampler, args=(pytest.pid, stop, trees), daemon=True)
    sampler.start()
    returncode = pytest.wait()
    seconds = time.time() - started
    stop.set()
    meter.join()
    sampler.join()

    cpu, spans = _modules(args.out, started)
    own, waited = sum(c[0] for c in cpu.values()), sum(c[1] for c in cpu.values())
    mean = sum(s for _, s in samples) / max(len(samples), 1)
    print(f"\npytest: {seconds:.1f} s (exit {returncode}), load {load:.2f} before")
    print(f"CPU counted per process: {own:.1f} s in the workers, {waited:.1f} s in what they waited for")
    print(f"both cores busy on average: {100 * mean:.0f} % (/proc/stat, {len(samples)} samples)\n")
    print("| module | CPU, workers | CPU, waited for |\n|---|---:|---:|")
    for module, (mine, theirs) in sorted(cpu.items(), key=lambda kv: -sum(kv[1]))[: args.top]:
        print(f"| {module} | {mine:.1f} s | {theirs:.1f} s |")
    workers = sorted(spans)
    print(f"\n| seconds | cores busy | {' | '.join(workers)} |\n|---|---:|{'---|' * len(workers)}")
    for start in range(0, int(seconds) + 1, WINDOW):
        window = [share for at, share in samples if start <= at - started < start + WINDOW]
        if window:
            running = " | ".join(_running(spans[w], start + WINDOW / 2) for w in workers)
            print(f"| {start}–{start + WINDOW} | {100 * sum(window) / len(window):.0f} % | {running} |")
    tests = _by_test(args.out, trees)
    modules: dict[str, float] = defaultdict(float)
    for test, used in tests.items():
        modules[test.split("::")[0]] += used
    print(f"\nThe workers' process trees (/proc, every 0.25 s): {sum(tests.values()):.1f} s of CPU in all")
    for name, rows in (("module", modules), ("test", tests)):
        print(f"\n| {name} | CPU, process tree |\n|---|---:|")
        for key, used in sorted(rows.items(), key=lambda kv: -kv[1])[: args.top]:
            print(f"| {key} | {used:.1f} s |")
    sys.exit(returncode)


if __name__ == "__main__":
    main()
