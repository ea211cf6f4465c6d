"""What dbt's own Python costs a whole build's models: `dbt build --full-refresh --threads 1` on a copy of a built
warehouse, run in this process with the pipeline's flags and logging (pipelines/dbt_command.py,
pipelines/dbt_logging.py), and the CPU time of dbt's worker thread counted in the models' `execute` (the
materialisations) and in `adapter.execute_macro` (each call builds a macro context anew: a rename, a drop).

One thread, so that the counts are the thread's CPU and not two threads' turns at the interpreter's lock. The
Python models' libraries are imported first, as the warm dbt process has them (pipelines/dbt_warm.py). Each round
starts from a fresh copy of the warehouse, so the models replace existing relations, as a night's do. Run it
with the environment of a run (SKOLANALYS_KOMMUNKOD, …) from each of two clones, alternated, to compare them:

    .venv/bin/python bench/bench_dbt_nodes.py /tmp/runs/kavlinge/data/warehouse.duckdb --rounds 3
"""

from __future__ import annotations

import argparse
import importlib
import os
import resource
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def count_thread_cpu(totals: dict[str, list[float]]) -> None:
    """Wrap the two dbt methods so that each call adds its thread's CPU time and a count to `totals`."""
    from dbt.adapters.base.impl import BaseAdapter
    from dbt.task.run import ModelRunner

    for cls, name, key in ((BaseAdapter, "execute_macro", "execute_macro"), (ModelRunner, "execute", "models")):
        original = getattr(cls, name)

        def counted(*args, _original=original, _key=key, **kwargs):
            started = time.thread_time()
            try:
                return _original(*args, **kwargs)
            finally:
                totals[_key][0] += time.thread_time() - started
                totals[_key][1] += 1

        setattr(cls, name, counted)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("warehouse", type=Path, help="a built warehouse; copied, never changed")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from pipelines import dbt_logging
    from pipelines.dbt_command import DBT_PROJECT_DIR, RUN_FLAGS, seed_parse
    from pipelines.dbt_warm import python_model_imports
    from skolanalys.dbt_vars import WAREHOUSE_PATH_ENV

    work = Path(tempfile.mkdtemp(prefix="bench-dbt-nodes-"))
    try:
        os.chdir(work)  # the profile names the warehouse by its file name, as in a run (pipelines/dbt_command.py)
        os.environ[WAREHOUSE_PATH_ENV] = "warehouse.duckdb"
        target = work / "target"
        seed_parse(target)
        dbt_logging.write_only_what_the_level_lets_through()
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
        from dbt.cli.main import dbtRunner

        project = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
        folders = ["--target-path", str(target), "--log-path", str(target)]
        parsed = dbtRunner().invoke(["parse", "--quiet", *RUN_FLAGS, *folders, *project])
        if not parsed.success:
            raise SystemExit(f"dbt parse failed: {parsed.exception}")
        for module in python_model_imports(parsed.result):  # as the warm dbt process has them before a build
            importlib.import_module(module)
        totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
        count_thread_cpu(totals)
        build = ["build", "--exclude-resource-type", "unit_test", "--full-refresh", "--threads", "1", "--quiet"]
        print("| round | wall | process CPU | models' execute (thread CPU) | execute_macro (thread CPU, calls) |")
        print("|---:|---:|---:|---:|---:|")
        for round_ in range(1, args.rounds + 1):
            shutil.copyfile(args.warehouse, work / "warehouse.duckdb")
            totals.clear()
            usage = resource.getrusage(resource.RUSAGE_SELF)
            cpu = usage.ru_utime + usage.ru_stime
            started = time.perf_counter()
            result = dbtRunner(manifest=parsed.result).invoke([*build, *RUN_FLAGS, *folders, *project])
            DuckDBConnectionManager.close_all_connections()
            wall = time.perf_counter() - started
            usage = resource.getrusage(resource.RUSAGE_SELF)
            if not result.success:
                raise SystemExit(f"dbt build failed in round {round_}")
            models, macros = totals["models"], totals["execute_macro"]
            print(
                f"| {round_} | {wall:.2f} s | {usage.ru_utime + usage.ru_stime - cpu:.2f} s | {models[0]:.2f} s "
                f"({models[1]}) | {macros[0]:.2f} s ({macros[1]}) |",
                flush=True,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
