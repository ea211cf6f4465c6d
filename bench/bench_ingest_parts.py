"""Where the attendance loader's CPU goes, part by part: each part alone, one file after another, in one thread.

bench_attendance.py measures the loader as it runs (its reads beside its writes, on both cores); this bench runs
the loader's own `read`, `write` and `cleanup` (sources/landing/attendance/loader.py) for one file after another
in this process, with the process's CPU time (all threads) around each part, so that no part overlaps another:
- the unpacking and counting (`fast_path.unpack`), the stage (`fast_path.stage`: the parse, the contract's rules,
  the rows kept in memory and their aggregates), the keys (`Pseudonyms.lookup`), the run check
  (`fast_path.keys_may_repeat`), the rest of `write` (the insert and the file's transaction), `cleanup` and the
  close (the checkpoint); the first file's keys are made after its stage, not beside it;
- then the stage taken apart on the files unpacked by bench_ingest_designs.py (`--plain`): DuckDB's parse of every
  field (counted, not kept), the same typed and judged by the contract's rules (counted), and the stage as the
  loader makes it (kept in memory).

    .venv/bin/python bench/bench_ingest_parts.py /tmp/b/kavlinge/landing/franvaro --plain /tmp/designs/plain

Files and databases go to a temporary folder, never into the repository.
"""

from __future__ import annotations

import argparse
import collections
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import duckdb  # noqa: E402

from sources.landing.attendance import corrections, fast_path, loader, rules  # noqa: E402
from sources.landing.attendance.fileformat import sniff  # noqa: E402
from sources.landing.ledger import Ledger  # noqa: E402
from sources.landing.pseudonyms import Pseudonyms  # noqa: E402


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Parts:
    """Wall and CPU time per part, summed over the files."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 0.0])

    def add(self, name: str, wall: float, cpu: float) -> None:
        self.times[name][0] += wall
        self.times[name][1] += cpu

    def timed(self, name: str, fn):
        def measured(*args, **kwargs):
            wall, cpu = time.perf_counter(), _cpu()
            try:
                return fn(*args, **kwargs)
            finally:
                self.add(name, time.perf_counter() - wall, _cpu() - cpu)

        return measured


def loader_parts(folder: Path, work: Path) -> Parts:
    parts = Parts()
    # The parts inside `read` and `write`, measured where the loader calls them.
    fast_path.unpack = parts.timed("unpacking and counting", fast_path.unpack)
    fast_path.stage = parts.timed("the stage (parse, rules, rows kept, aggregates)", fast_path.stage)
    fast_path.keys_may_repeat = parts.timed("the run check (keys_may_repeat)", fast_path.keys_may_repeat)
    corrections.earlier_rows = parts.timed("earlier rows among the file's dates", corrections.earlier_rows)
    Pseudonyms.lookup = parts.timed("the keys", Pseudonyms.lookup)
    # The first file's keys are made after its stage, as every other file's: beside it (`_keys_beside`), their
    # part would be counted with the unpacking that runs meanwhile.
    loader.AttendanceLoader._keys_beside = lambda self, conn, path, fmt: None
    conn = duckdb.connect(str(work / "parts.duckdb"))
    load = loader.AttendanceLoader(b"bench-key")
    load.prepare(conn, Ledger(conn, load.folder))
    start, cpu = time.perf_counter(), _cpu()
    for number, path in enumerate(sorted(folder.glob("*.csv.gz"))):
        digest = f"{number:064x}"
        wall, used = time.perf_counter(), _cpu()
        staged = load.read(conn, path, digest, path.name)
        parts.add("read, in all", time.perf_counter() - wall, _cpu() - used)
        wall, used = time.perf_counter(), _cpu()
        conn.begin()
        load.write(conn, staged, digest)
        conn.commit()
        parts.add("write and commit, in all", time.perf_counter() - wall, _cpu() - used)
        parts.timed("cleanup", load.cleanup)(conn, staged)
    parts.timed("the close (checkpoint)", conn.close)()
    parts.add("all, one file after another", time.perf_counter() - start, _cpu() - cpu)
    return parts


def stage_parts(plain: list[Path]) -> Parts:
    parts = Parts()
    conn = duckdb.connect()
    conn.execute("set threads = 2; set preserve_insertion_order = true; set memory_limit = '2GB'")
    fast_path.attach(conn)
    fmt = sniff(plain[0], [])
    fields = ", ".join(f"count({c})" for c in ("personnummer", "skolenhetskod", "datum", "lektion_start", "amne"))
    judged = f"count_if({rules.broken_sql()}), count({rules.SUBJECT}), count({rules.REPORTED})"
    for path in plain:
        source = fast_path._fields_sql(path, "none", fmt, False)
        parts.timed("parse of every field (counted)", conn.execute)(
            f"select {fields}, count(schemalagd_tid_min), count(franvaro_min), count(franvarotyp),"
            f" count(rapporterad) from ({source})"
        )
        parts.timed("… typed and judged by the rules (counted)", conn.execute)(
            f"select {judged} from (select *, {rules.typed_sql()} from ({source}))"
        )
        parts.timed("… and kept in memory (the loader's stage)", conn.execute)(
            fast_path._stage_sql(path, "none", fmt, "parts", False)
        )
    conn.close()
    return parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="franvaro/ of a generated landing folder (gzip files)")
    parser.add_argument("--plain", type=Path, help="the same files unpacked (bench_ingest_designs.py's plain/)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ingest-parts-") as work:
        tables = [("The loader's parts", loader_parts(args.folder, Path(work)))]
    if args.plain:
        tables.append(("The stage taken apart", stage_parts(sorted(args.plain.glob("*.csv")))))
    for title, parts in tables:
        print(f"\n{title}\n\n| part | wall | CPU |\n|---|---:|---:|")
        for name, (wall, cpu) in parts.times.items():
            print(f"| {name} | {wall:.2f} s | {cpu:.2f} s |")


if __name__ == "__main__":
    main()
