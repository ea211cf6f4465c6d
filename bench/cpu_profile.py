"""Where a command's CPU time goes: by process and by library, with Linux perf's `cpu-clock` sampling.

py-spy samples Python threads only and counts a thread waiting in native code (a DuckDB query) as busy, so it
gives wall time, not CPU. perf samples whatever each thread of the command and of its children (the warm dbt
process, the Great Expectations worker, DuckDB's and polars' own threads) is doing on a core, the kernel
included: page faults apart from the rest. `cpu-clock` is a software event, so it works in a virtual machine
without hardware counters. Each sample is 1/frequency s of one core.

    .venv/bin/python bench/cpu_profile.py --out /tmp/cpu -- .venv/bin/skolanalys run

The command runs with the current environment (the landing and data folders, the key, …); its output goes to
<out>/command.log, perf's samples to <out>/perf.data. Needs `perf` (Debian's linux-perf) and permission to
sample (root, or kernel.perf_event_paranoid ≤ 1). Prints tables in Markdown for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

PAGE_FAULT = "exc_page_fault"
KERNEL = "[kernel.kallsyms]"
# Shared objects by the name a reader knows them by (prefix of the file name).
LIBRARIES = {
    "_duckdb": "DuckDB",
    "libpython": "Python interpreter",
    "_polars_runtime": "polars",
    "libc.so": "libc (memcpy, malloc, …)",
    "isal_zlib": "ISA-L inflate",
    "libsqlite3": "SQLite (Dagster's storage)",
    "_multiarray": "NumPy",
    "libscipy_openblas": "OpenBLAS",
    "libcrypto": "OpenSSL",
    "libz.so": "zlib",
}


@dataclass
class Process:
    name: str = "?"
    by_library: collections.Counter = field(default_factory=collections.Counter)
    by_symbol: collections.Counter = field(default_factory=collections.Counter)

    @property
    def samples(self) -> int:
        return self.by_library.total()


def library(dso: str, chain: list[tuple[str, str]]) -> str:
    if dso == KERNEL:
        faulting = any(PAGE_FAULT in sym for sym, _ in chain)
        return "kernel: page faults" if faulting else "kernel: other (I/O, scheduling)"
    name = Path(dso).name
    return next((label for prefix, label in LIBRARIES.items() if name.startswith(prefix)), name or "?")


def samples(perf_data: Path):
    """(pid, tid, comm, [(symbol, dso), …] innermost first) for each sample of `perf script`."""
    script = subprocess.Popen(
        ["perf", "script", "-i", str(perf_data), "-F", "pid,tid,comm,ip,sym,dso"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        errors="replace",
    )
    head, chain = None, []
    for line in script.stdout:
        if not line.strip():
            if head:
                yield (*head, chain)
            head, chain = None, []
        elif not line[0].isspace():
            comm, ids = line.rsplit(None, 1)
            pid, tid = ids.split("/")
            head = (int(pid), int(tid), comm.strip())
        else:
            parts = line.split(None, 1)[1].rsplit(" (", 1)
            chain.append((parts[0], parts[1].rstrip(")\n") if len(parts) > 1 else "?"))
    if head:
        yield (*head, chain)
    script.wait()


def profile(perf_data: Path) -> dict[int, Process]:
    processes: dict[int, Process] = collections.defaultdict(Process)
    for pid, tid, comm, chain in samples(perf_data):
        process = processes[pid]
        if tid == pid:
            process.name = comm  # the process's main thread: DuckDB's and polars' threads have names of their own
        symbol, dso = chain[0] if chain else ("?", "?")
        where = library(dso, chain)
        process.by_library[where] += 1
        process.by_symbol[f"{symbol} ({where})"] += 1
    return processes


def report(processes: dict[int, Process], frequency: int, wall: float, top: int) -> str:
    total = sum(p.samples for p in processes.values())
    seconds = total / frequency
    lines = [
        f"{seconds:.1f} s of CPU in {wall:.1f} s ({seconds / wall:.2f} cores on average), {total} samples at "
        f"{frequency} Hz",
        "",
        "| process | library | CPU s | share |",
        "|---|---|---:|---:|",
    ]
    for process in sorted(processes.values(), key=lambda p: -p.samples):
        if process.samples / total < 0.005:
            continue
        share = process.samples / total
        lines.append(f"| **{process.name}** | all | **{process.samples / frequency:.1f}** | {share:.0%} |")
        for name, n in process.by_library.most_common():
            if n / total >= 0.005:
                lines.append(f"| | {name} | {n / frequency:.1f} | {n / total:.1%} |")
    symbols = collections.Counter()
    for process in processes.values():
        symbols.update({f"{process.name}: {s}": n for s, n in process.by_symbol.items()})
    lines += ["", f"The {top} functions with most CPU of their own:", ""]
    lines += ["| function | CPU s | share |", "|---|---:|---:|"]
    lines += [f"| {name} | {n / frequency:.2f} | {n / total:.1%} |" for name, n in symbols.most_common(top)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for perf.data and the command's output")
    parser.add_argument("--frequency", type=int, default=499, help="samples per second of each core (Hz)")
    parser.add_argument("--top", type=int, default=20, help="how many functions to list")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command to run")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("the command to profile is missing (after --)")
    if shutil.which("perf") is None:
        sys.exit("perf is not installed (Debian: apt-get install linux-perf)")
    args.out.mkdir(parents=True, exist_ok=True)
    perf_data = args.out / "perf.data"
    started = time.perf_counter()
    with (args.out / "command.log").open("wb") as log:
        status = subprocess.run(
            ["perf", "record", "-e", "cpu-clock", "-F", str(args.frequency), "-g", "-q", "-o", str(perf_data), "--",
             *command],
            stdout=log,
            stderr=subprocess.STDOUT,
        ).returncode  # fmt: skip
    wall = time.perf_counter() - started
    print(f"exit status {status}; the command's output: {args.out / 'command.log'}")
    print(report(profile(perf_data), args.frequency, wall, args.top))


if __name__ == "__main__":
    main()
