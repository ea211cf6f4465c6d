"""Whole builds by two versions of the code, alternated, each on a new data folder from the same landing folder.

The machine's speed swings by ±20 % within minutes (bench_new_day_ab.py), more than most changes to a whole build;
alternating the two versions round by round, the order swapped every round, can tell them apart. Each version is
a clone after `make setup`. Each build's wall time (`skolanalys run`, in its own process) and its dbt step's time
(from the run's log) are printed, then each version's medians.

    .venv/bin/python bench/bench_full_ab.py kavlinge --root /tmp/fab \\
        --side new=/tmp/clone-new --side old=/tmp/clone-old --rounds 4
"""

from __future__ import annotations

import re
import shutil
import statistics
from pathlib import Path

from bench_new_day_ab import ab_arguments, generate, timed_run  # bench/ is the script directory

DBT_STEP = re.compile(r'step "dbt_models" in (?:(\d+)m)?([\d.]+)(ms|s)\.')


def dbt_step_seconds(data: Path) -> float | None:
    """The dbt step's time in the newest run log of `data` (Dagster writes e.g. `in 13.4s.`, `in 1m2s.`)."""
    log = max((data / "logs").glob("run-*.log"), default=None)
    found = DBT_STEP.search(log.read_text(encoding="utf-8")) if log else None
    if found is None:
        return None
    minutes, value, unit = found.groups()
    return int(minutes or 0) * 60 + float(value) / (1000 if unit == "ms" else 1)


def main() -> None:
    args, sides = ab_arguments()
    root = args.root
    generate(next(iter(sides.values())), root, args.preset)
    times: dict[str, list[float]] = {name: [] for name in sides}
    dbt: dict[str, list[float]] = {name: [] for name in sides}
    order = list(sides)
    for round_ in range(args.rounds):
        for name in order if round_ % 2 == 0 else order[::-1]:
            shutil.rmtree(root / "data", ignore_errors=True)
            times[name].append(timed_run(sides[name], root, f"{name}: full build"))
            step = dbt_step_seconds(root / "data")
            if step is not None:
                dbt[name].append(step)
                print(f"  {name}: the dbt step {step:.1f} s", flush=True)
    for name in sides:
        listed = " / ".join(f"{s:.1f}" for s in times[name])
        steps = f", the dbt step's median {statistics.median(dbt[name]):.1f} s" if dbt[name] else ""
        print(f"{name}: {listed} s, median {statistics.median(times[name]):.1f} s{steps}")


if __name__ == "__main__":
    main()
