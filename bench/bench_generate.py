"""Benchmark the synthetic municipality generator: wall time, peak memory, rows and bytes per preset.

Each preset runs in its own child process, so its peak RSS (from os.wait4) is its own and not the
benchmark's. Usage:

    .venv/bin/python bench/bench_generate.py kavlinge storstad --out /tmp/skolanalys-bench \
        --write-docs docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from docs_section import write_section  # bench/ is the script directory

from skolanalys.meminfo import meminfo

REPO = Path(__file__).resolve().parent.parent
SECTION = "## Synthetic generation"
TARGETS = {"storstad": (15 * 60, 4 * 1024)}  # seconds, MiB

CHILD = """
import json, sys
from pathlib import Path
from skolanalys.synth import generate
preset, seed, out = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
summary = generate(preset, seed, out / "landing", out / "truth.json")
(out / "summary.json").write_text(json.dumps(summary))
"""


def machine() -> dict:
    mem_kib = meminfo("MemTotal") // 1024
    import numpy
    import polars

    return {
        "nproc": len(os.sched_getaffinity(0)),
        "ram_gib": round(mem_kib / 1024**2, 1),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "polars": polars.__version__,
        "numpy": numpy.__version__,
    }


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def run(preset: str, seed: int, out: Path) -> dict:
    target = out / preset
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    load_before = os.getloadavg()[0]  # the machine may be shared: say how busy it was
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, preset, str(seed), str(target)], cwd=REPO)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{preset}: generator exited with {proc.returncode}")
    summary = json.loads((target / "summary.json").read_text())
    peak_mib = usage.ru_maxrss / 1024  # Linux reports KiB
    result = {
        "preset": preset,
        "seed": seed,
        "wall_seconds": round(wall, 1),
        "peak_rss_mib": round(peak_mib),
        "rows": summary["rows"],
        "total_rows": sum(summary["rows"].values()),
        "files": len(summary["files"]),
        "bytes": summary["bytes"],
        "load_avg_1min_before": round(load_before, 2),
    }
    if preset in TARGETS:
        max_s, max_mib = TARGETS[preset]
        result["meets_target"] = wall < max_s and peak_mib < max_mib
    return result


def markdown(results: list[dict], info: dict, command: str) -> str:
    kinds = ["elever", "betyg", "nationella_prov", "bedomningar", "franvaro", "enkater"]
    lines = [
        SECTION,
        "",
        f"Machine: {info['nproc']} cores ({info['cpu']}), {info['ram_gib']} GiB RAM; Python {info['python']},"
        f" polars {info['polars']}, numpy {info['numpy']}.",
        "",
        "Command (from the repository root; output goes to /tmp, not the repository):",
        "",
        "```",
        command,
        "```",
        "",
        "| preset | wall time | peak RSS | rows total | "
        + " | ".join(kinds)
        + " | files | size on disk | load avg before |",
        "|---|---:|---:|---:|" + "---:|" * len(kinds) + "---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['preset']} | {r['wall_seconds']:.1f} s | {r['peak_rss_mib']:,} MiB | {r['total_rows']:,} | "
            + " | ".join(f"{r['rows'][k]:,}" for k in kinds)
            + f" | {r['files']} | {r['bytes'] / 1024**2:,.0f} MiB | {r['load_avg_1min_before']} |"
        )
    lines += [
        "",
        "Target for `storstad`: under 15 minutes and under 4 GiB peak memory on 2 cores"
        + "".join(
            f" — {r['preset']}: {'met' if r['meets_target'] else 'NOT met'}" for r in results if "meets_target" in r
        )
        + ".",
        "`load avg before` is the 1-minute load average when the run started: the machine may be shared with"
        " other jobs, which slows the run.",
        "Attendance dominates: lesson rows are built with numpy per (month x 20,000 pupils) and streamed into"
        " one gzip file per month (level 1), compressed in a background thread while the next chunk is built.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("presets", nargs="+")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path("/tmp/skolanalys-bench"))
    ap.add_argument("--keep", action="store_true", help="keep the generated files")
    ap.add_argument("--write-docs", type=Path, help="update the '## Synthetic generation' section of this file")
    args = ap.parse_args()

    info = machine()
    results = []
    for preset in args.presets:
        result = run(preset, args.seed, args.out)
        print(json.dumps(result), flush=True)
        results.append(result)
        if not args.keep:
            shutil.rmtree(args.out / preset, ignore_errors=True)
    python = Path(sys.executable)
    python_shown = python.relative_to(REPO) if python.is_relative_to(REPO) else python
    command = f"{python_shown} bench/bench_generate.py " + " ".join(sys.argv[1:])
    text = markdown(results, info, command)
    print(text)
    if args.write_docs:
        write_section(args.write_docs, SECTION, text)


if __name__ == "__main__":
    main()
