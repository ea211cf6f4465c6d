"""One new school day run by two versions of the code, alternated, each on a warehouse its own code built.

The machine's speed swings by ±20 % within minutes, so two separate `bench_runs.py` benches cannot tell a
change of a few seconds from the noise; alternating the two versions on the same landing folder can. Each
version is a clone after `make setup` (its own .venv). Steps:
1. generate the preset and hold back its last school day (as bench_runs.py), one full build with the first clone;
2. for each clone, a copy of that warehouse brought up to its own code (a run and a run with nothing new: a
   version's first run rebuilds what its code changed, which is not what a night costs);
3. rounds of: a fresh copy of the clone's warehouse, the held-back day dropped in, `skolanalys run` timed
   (wall time around the process, the 1-minute load average before), the two clones in turn, the order
   swapped every round.

    .venv/bin/python bench/bench_new_day_ab.py storstad --root /tmp/ab \\
        --side new=/tmp/clone-new --side old=/tmp/clone-old --rounds 4

`--reuse` starts from step 2 on a root that an earlier bench of the same preset left (its `built` folder and
held-back day), so that one generated warehouse serves several comparisons.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import statistics
import subprocess
import time
from pathlib import Path

from bench_runs import hold_back_last_day, run_env  # bench/ is the script directory


def _env(root: Path) -> dict[str, str]:
    # Dagster's home inside the data folder: each copy of a warehouse carries the runs that built it.
    return run_env(root / "landing", root / "data", root / "data" / "dagster_home")


def timed_run(clone: Path, root: Path, label: str) -> float:
    load = os.getloadavg()[0]
    start = time.monotonic()
    cli = clone / ".venv" / "bin" / "skolanalys"
    result = subprocess.run([str(cli), "run"], env=_env(root), cwd=clone, capture_output=True, text=True)
    seconds = time.monotonic() - start
    if result.returncode != 0:
        raise SystemExit(f"{label}: skolanalys run failed:\n{result.stdout[-3000:]}{result.stderr[-2000:]}")
    how = next((line for line in result.stdout.splitlines() if line.startswith(("Kör", "Nytt"))), "ingen körning")
    print(f"{label}: {seconds:.1f} s (load {load:.2f}) — {how}", flush=True)
    return seconds


def _fresh_data(root: Path, source: Path) -> None:
    shutil.rmtree(root / "data", ignore_errors=True)
    shutil.copytree(source, root / "data", symlinks=True)


def ab_arguments(reuse: bool = False) -> tuple[argparse.Namespace, dict[str, Path]]:
    """An A/B bench's command line (this one's and bench_full_ab.py's): the preset, the root folder, the rounds,
    and the two sides NAME=CLONE as {name: clone}."""
    parser = argparse.ArgumentParser()
    parser.add_argument("preset")
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--side", action="append", required=True, help="NAME=CLONE (twice)")
    parser.add_argument("--rounds", type=int, default=4)
    if reuse:
        parser.add_argument("--reuse", action="store_true", help="start from an earlier bench's generated root")
    args = parser.parse_args()
    return args, {name: Path(clone).resolve() for name, clone in (s.split("=", 1) for s in args.side)}


def generate(clone: Path, root: Path, preset: str) -> Path:
    """A new root folder with `preset` generated into its landing folder by `clone`'s CLI; the landing folder."""
    landing = root / "landing"
    shutil.rmtree(root, ignore_errors=True)
    cli = clone / ".venv" / "bin" / "skolanalys"
    subprocess.run(
        [str(cli), "generate", "--scale", preset, "--out", str(landing)],
        env=_env(root),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return landing


def main() -> None:
    args, sides = ab_arguments(reuse=True)
    root, first = args.root, next(iter(sides.values()))
    landing, held = root / "landing", root / "held_back_day.csv.gz"
    if args.reuse and (root / "built").is_dir() and held.exists():
        # An earlier bench's generated folder and full build (the day is the held-back file's).
        with gzip.open(held, "rt", encoding="utf-8") as lines:
            next(lines)
            day = next(lines).split(";", 3)[2]
        print(f"{args.preset}: reusing {root}'s full build; the held-back day {day}", flush=True)
    else:
        landing = generate(first, root, args.preset)
        day, rows = hold_back_last_day(landing, held)
        print(f"{args.preset}: the held-back day {day}, {rows:,} rows", flush=True)
        timed_run(first, root, "full build")
        shutil.copytree(root / "data", root / "built", symlinks=True)
    for name, clone in sides.items():
        _fresh_data(root, root / "built")
        timed_run(clone, root, f"{name}: brought up to its code")
        timed_run(clone, root, f"{name}: nothing new")
        shutil.rmtree(root / f"built_{name}", ignore_errors=True)  # an earlier bench's, with --reuse
        shutil.copytree(root / "data", root / f"built_{name}", symlinks=True)
    target = landing / "franvaro" / f"franvaro_{day}.csv.gz"
    times: dict[str, list[float]] = {name: [] for name in sides}
    order = list(sides)
    for round_ in range(args.rounds):
        for name in order if round_ % 2 == 0 else order[::-1]:
            _fresh_data(root, root / f"built_{name}")
            shutil.copyfile(held, target)
            times[name].append(timed_run(sides[name], root, name))
            target.unlink()
    for name, seconds in times.items():
        listed = " / ".join(f"{s:.1f}" for s in seconds)
        print(f"{name}: {listed} s, median {statistics.median(seconds):.1f} s")


if __name__ == "__main__":
    main()
