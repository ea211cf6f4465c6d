"""Benchmark the value-added estimates against the generator's truth over many seeds (not part of pytest).

For each seed: generate the preset's landing folder (without lesson-level attendance, which the value added
does not read), load elever/, betyg/, nationella_prov/ and bedomningar/ through the door's readers, `dbt
build` the models up to int_value_added_estimates — the warehouse's own SQL and its Python model, i.e. the
estimation code of skolanalys.value_added — and compare the contextual model's meritvärde estimates
(school units, gender T) with the truth file's `value_added`:

- r: the correlation over school units of the pooled estimate (cohort null) with the pooled true_va;
- coverage: the share of school × cohort 95 % intervals that contain the cohort's true_va, for the cells
  the dashboard shows (at least 10 pupils) and for every cell with an interval.

Usage (about a minute and a half per seed at mellanstor on the project's machines):

    .venv/bin/python bench/bench_value_added.py --preset mellanstor --seeds 1-20 --out /tmp/skolanalys-va \
        --write-docs docs/value_added.md
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl
from docs_section import write_section  # bench/ is the script directory

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.value_added_pipeline import (  # noqa: E402 (the repository on the path first)
    DBT_DIR,
    dbt_build,
    estimates_and_pupils,
    generate_without_attendance,
    load_pupil_files,
    truth_frame,
)

SECTION = "## Validation against the generator's truth"
SELECT = "+int_value_added_estimates"


def compare(estimates: pl.DataFrame, truth: pl.DataFrame, stage: str) -> dict:
    """r of the pooled estimates and the coverage of the school × cohort intervals, for one stage."""
    est = estimates.filter(
        (pl.col("stage") == stage)
        & (pl.col("model") == "contextual")
        & (pl.col("outcome") == "meritvarde")
        & (pl.col("level") == "skolenhet")
        & (pl.col("gender") == "T")
    )
    joined = est.join(
        truth.filter(pl.col("stage") == stage), on=["unit_code", "cohort"], suffix="_true", nulls_equal=True
    )
    pooled = joined.filter(pl.col("cohort").is_null())
    cells = joined.filter(pl.col("cohort").is_not_null() & pl.col("ci_low").is_not_null())
    inside = (cells["ci_low"] <= cells["true_va"]) & (cells["true_va"] <= cells["ci_high"])
    shown = cells["n"] >= 10
    error = (cells["va"] - cells["true_va"]).filter(shown)
    pooled_inside = (pooled["ci_low"] <= pooled["true_va"]) & (pooled["true_va"] <= pooled["ci_high"])
    return {
        "schools": pooled.height,
        "pooled_covered": int(pooled_inside.sum()),
        "r": float(np.corrcoef(pooled["va"], pooled["true_va"])[0, 1]) if pooled.height > 2 else math.nan,
        "cells": int(shown.sum()),
        "covered": int((inside & shown).sum()),
        "cells_all": cells.height,
        "covered_all": int(inside.sum()),
        "n_mismatch": int((joined["n"] != joined["n_true"]).sum()),
        "bias": float(error.mean()) if error.len() else math.nan,
        "rmse": float((error**2).mean() ** 0.5) if error.len() else math.nan,
        "mean_se": float(cells.filter(shown)["se"].mean() or math.nan),
    }


def run_seed(preset: str, seed: int, out: Path, project: Path, reuse: bool = False) -> dict:
    root = out / f"{preset}-{seed}"
    warehouse = root / "warehouse.duckdb"
    started = time.monotonic()
    if reuse and warehouse.exists():  # compare again what an earlier run built
        truth = json.loads((root / "truth.json").read_text(encoding="utf-8"))
    else:
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        landing, truth = generate_without_attendance(preset, seed, root)
        load_pupil_files(landing, warehouse)
        dbt_build(warehouse, SELECT, out / "dbt", project=project)  # one target folder: dbt parses once
        shutil.rmtree(landing)  # the warehouse stays for a closer look
    estimates, _ = estimates_and_pupils(warehouse)
    result = {stage: compare(estimates, truth_frame(truth), stage) for stage in ("6-9", "3-6")}
    result["seconds"] = time.monotonic() - started
    return result


def coverage_text(covered: int, cells: int) -> str:
    share = covered / cells
    se = math.sqrt(share * (1 - share) / cells)
    return f"{100 * share:.1f} % ± {196 * se:.1f} ({covered}/{cells})"


def summary(preset: str, seeds: list[int], results: dict[int, dict]) -> str:
    lines = [
        SECTION,
        "",
        f"Measured with `.venv/bin/python bench/bench_value_added.py --preset {preset} --seeds "
        f"{seeds[0]}-{seeds[-1]}` on {time.strftime('%Y-%m-%d')}: {len(seeds)} seeds; the contextual model's",
        "meritvärde estimates of school units (gender T) against the truth file's `value_added`. r: the",
        "correlation of the pooled estimates with the pooled true_va, over the school units of one seed;",
        "coverage: the share of the school × cohort 95 % intervals (cells of at least 10 pupils, as served;",
        "all cells with an interval in brackets) that contain the cohort's true_va, over all seeds, ± 1.96",
        "binomial standard errors; coverage, pooled: the same for the pooled estimates (all cohorts together).",
        "",
        "| stage | school units per seed | r: mean (min–max) | coverage, cells ≥ 10 pupils | (all cells) "
        "| coverage, pooled | error: mean, RMSE | mean standard error |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for stage in ("6-9", "3-6"):
        rs = [results[s][stage]["r"] for s in seeds]
        covered = sum(results[s][stage]["covered"] for s in seeds)
        cells = sum(results[s][stage]["cells"] for s in seeds)
        covered_all = sum(results[s][stage]["covered_all"] for s in seeds)
        cells_all = sum(results[s][stage]["cells_all"] for s in seeds)
        bias = np.mean([results[s][stage]["bias"] for s in seeds])
        rmse = np.mean([results[s][stage]["rmse"] for s in seeds])
        se = np.mean([results[s][stage]["mean_se"] for s in seeds])
        schools = np.mean([results[s][stage]["schools"] for s in seeds])
        pooled = sum(results[s][stage].get("pooled_covered", 0) for s in seeds)
        pooled_all = sum(results[s][stage]["schools"] for s in seeds)
        lines.append(
            f"| {stage} | {schools:.0f} | {np.mean(rs):.3f} ({min(rs):.3f}–{max(rs):.3f}) "
            f"| {coverage_text(covered, cells)} | ({coverage_text(covered_all, cells_all)}) "
            f"| {coverage_text(pooled, pooled_all)} | {bias:+.2f}, {rmse:.2f} | {se:.2f} |"
        )
    seconds = np.mean([results[s]["seconds"] for s in seeds])
    mismatches = sum(results[s][stage]["n_mismatch"] for s in seeds for stage in ("6-9", "3-6"))
    lines += [
        "",
        f"Every estimate's n equals the truth's n (pupils attributed) in {'every' if not mismatches else 'not every'}"
        f" cell{'' if not mismatches else f' ({mismatches} differ)'}. Wall time per seed (generate, load, dbt):"
        f" {seconds:.0f} s.",
    ]
    return "\n".join(lines) + "\n"


def seed_list(text: str) -> list[int]:
    if "-" in text:
        first, last = text.split("-")
        return list(range(int(first), int(last) + 1))
    return [int(s) for s in text.split(",")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="mellanstor")
    parser.add_argument("--seeds", default="1-20", help="e.g. 1-20 or 3,5,8")
    parser.add_argument("--out", type=Path, default=Path("/tmp/skolanalys-va"))
    parser.add_argument("--write-docs", type=Path, help="write the results' section into this file")
    parser.add_argument("--dbt-project", type=Path, default=DBT_DIR, help="the dbt project (default: the repository's)")
    parser.add_argument("--reuse", action="store_true", help="compare the warehouses an earlier run left in --out")
    args = parser.parse_args()
    seeds = seed_list(args.seeds)
    results: dict[int, dict] = {}
    results_file = args.out / f"results-{args.preset}.json"
    args.out.mkdir(parents=True, exist_ok=True)
    earlier = json.loads(results_file.read_text()) if args.reuse and results_file.exists() else {}
    for seed in seeds:
        results[seed] = run_seed(args.preset, seed, args.out, args.dbt_project, args.reuse)
        if str(seed) in earlier:  # the wall time is the run's that built the warehouse
            results[seed]["seconds"] = earlier[str(seed)]["seconds"]
        line = ", ".join(
            f"{stage}: r {results[seed][stage]['r']:.3f}, "
            f"coverage {results[seed][stage]['covered']}/{results[seed][stage]['cells']}"
            for stage in ("6-9", "3-6")
        )
        print(f"seed {seed}: {line} ({results[seed]['seconds']:.0f} s)", flush=True)
        results_file.write_text(json.dumps(results, indent=1))
    text = summary(args.preset, seeds, results)
    print(text)
    if args.write_docs:
        write_section(args.write_docs, SECTION, text)


if __name__ == "__main__":
    main()
