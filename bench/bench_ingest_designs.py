"""What each part of an attendance load costs against DuckDB's floor, and what other shapes of the load would give.

bench_attendance.py measures the loader as it is against `read_csv` of the same files (the floor). This bench
takes the load apart on the same files, each variant in its own child process and a fresh database, its close
(the checkpoint) included, as bench_attendance.py measures:

- floor: `create table as select * from read_csv(<the gzip files>)`, types detected (bench_attendance.py's floor);
- text: the unpacked files in one statement, the contract's columns as text (fast_path.py's read);
- typed: the same typed and judged by the contract's expressions and rules (rules.py), broken rows left out;
- joined as guessed / as written: the same with each personnummer's key joined in, raw.attendance's eleven
  columns, in DuckDB's own plan and in the plan as written (text_path.py `joins_as_written`);
- stage and insert per file: the loader's shape (fast_path.py) one file after another, without its pipeline:
  each file staged in memory, then inserted with its keys in a transaction of its own;
- direct per file: each file's distinct personnummer read first (a second, lighter read), then the rows inserted
  straight from the CSV with their keys and lines (`row_number`), a transaction a file, one file after another;
- direct, two lanes: the same, two files at a time on two connections (concurrent transactions);
- direct, two lanes, keys known: the same without the first read, every key made before the measured part (the
  best case of a pass's later files, whose pupils an earlier file of the pass already brought);
- … and the rest of a file's load: the same from the gzip files, each unpacked and counted by the loader's own
  `fast_path.unpack`, its rows checked against its lines, its date range and the run check (fast_path.py
  `keys_may_repeat`) read back from the rows it inserted, and a ledger row, all in its transaction. Still without
  the keyed hash, the pupils' table, the corrections and a guard for two files of overlapping dates written at once;
- … and no key known before: a pupil no earlier file brought is keyed in the insert itself, by a Python function
  DuckDB calls only for the rows the join left without a key (the loader's own keyed hash and gender, once a value),
  the file's new pupils added to the keys for the files after it. Still without the pupils' table, the corrections
  and the guard;
- … one file at a time instead (`direct_one_lane_udf_whole`), each in its own transaction as the door writes them,
  the next file unpacked beside it, the parser on both cores (small read buffers), the lines from the order the rows
  were appended in (an update of the file's rows in its transaction).

Keys are md5 of the personnummer, a stand-in for the keyed hash (its cost is the loader's, in
bench_attendance.py); where a variant has no first read, they are made for all files before the measured part.
The files are unpacked once, before any variant (the loader's unpacking is in bench_attendance.py's figures).

    .venv/bin/python bench/bench_ingest_designs.py /tmp/b/kavlinge/landing/franvaro --out /tmp/designs --rounds 3
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import resource
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

from bench_attendance import child, machine  # bench/ is the script directory

BENCH = Path(__file__).resolve().parent
VARIANTS = {
    "floor": "DuckDB read_csv of the gzip files, types detected (the floor)",
    "text": "the unpacked files as text, one statement",
    "typed": "… typed and judged by the contract's rules",
    "joined_as_guessed": "… keys joined, 11 columns, DuckDB's plan",
    "joined_as_written": "… keys joined, 11 columns, plan as written",
    "stage_insert": "stage and insert, a transaction a file (the loader's shape)",
    "direct": "first read, then insert straight from the CSV, a transaction a file",
    "direct_two_lanes": "the same, two files at a time",
    "direct_two_lanes_known": "the same, keys known before (no first read)",
    "direct_two_lanes_known_whole": "… with the unpacking, the checks read back and a ledger row",
    "direct_two_lanes_udf_whole": "… no key known before: new pupils keyed in the insert (keyed hash, gender)",
    "direct_one_lane_udf_whole": "… one file at a time, the next unpacked beside it, lines from the rows' order",
}
# md5 of the personnummer, a stand-in for the keyed hash, stored as raw.attendance stores a key: a number
KEY_NUMBER = "('0x' || md5(pnr))::uhugeint"
FILE_BUFFER = 64 << 20  # fast_path.READ_BUFFER: a file handed over in one batch, whole row groups
ONE_LANE_BUFFER = 4 << 20  # several buffers a file: the parser on both cores


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Load:
    """One variant in this process: the database, the contract's SQL and the unpacked files."""

    def __init__(self, plain: list[str], db: str):
        import duckdb

        from sources.landing.attendance import rules
        from sources.landing.attendance.schema import COLUMNS, SCHEMA, attendance_number

        self.plain, self.duckdb = plain, duckdb
        self.conn = duckdb.connect(db)
        # The loader's own limits (loader.py Limits) and the order its lines rely on.
        self.conn.execute("set memory_limit = '2GB'; set threads = 2; set checkpoint_threshold = '4GB'")
        self.conn.execute("set preserve_insertion_order = true; set enable_progress_bar = false")
        self.conn.execute("attach ':memory:' as mem")
        self.spec = ", ".join(f"'{c}': 'VARCHAR'" for c in COLUMNS)
        self.table = "create table attendance (" + ", ".join(f"{c} {t}" for c, t in SCHEMA.items()) + ")"
        school = attendance_number("school_unit_number", "skolenhetskod")
        self.file_number = attendance_number("source_file_number", "$hash")
        self.typed = f"""
            select KEEP personnummer as pnr, {school} as school, lesson_date, lesson_start,
                   {rules.SUBJECT} as subject, scheduled_min, absent_min,
                   try_cast(absence_type as {SCHEMA["absence_type"]}) as absence_type,
                   {rules.REPORTED} as reported, {rules.broken_sql()} as broken
            from (select *, {rules.typed_sql()} from SOURCE)"""

    def typed_from(self, source: str, keep: str = "") -> str:
        """The typed rows of `source`, with its columns `keep` ("line, ") in front."""
        return self.typed.replace("SOURCE", source).replace("KEEP", keep)

    def csv(self, files: str | list[str], buffer: int | None = None) -> str:
        size = f", buffer_size = {buffer}" if buffer else ""
        return (
            f"read_csv({files!r}, columns = {{{self.spec}}}, header = true, delim = ';', quote = '', escape = '',"
            f" auto_detect = false, strict_mode = true{size})"
        )

    def all_keys(self) -> None:
        self.conn.execute(f"""
            create table mem.keys as select pnr, {KEY_NUMBER} as pupil_key
            from (select distinct personnummer as pnr from {self.csv(self.plain)})""")

    def joined(self, source: str, keys: str, line: str = "null::bigint", keep: str = "", udf: bool = False) -> str:
        """raw.attendance's columns: the typed rows without the broken ones, their keys, a file hash, a line.
        `udf`: a pupil not in `keys` is keyed in the statement itself (`key_udf`)."""
        key, join = "k.pupil_key", "join"
        if udf:
            key, join = "coalesce(k.pupil_key, ('0x' || pupil_key_of(s.pnr))::uhugeint)", "left join"
        return f"""
            select {key}, s.school, s.lesson_date, s.lesson_start, s.subject, s.scheduled_min, s.absent_min,
                   s.absence_type, s.reported, {self.file_number}, {line}
            from ({self.typed_from(source, keep)}) s {join} {keys} k on s.pnr = k.pnr
            where not s.broken"""

    def key_udf(self) -> None:
        """`pupil_key_of(pnr)`: the keyed hash of a personnummer no earlier file brought (the loader's own HMAC, in
        Python, once a value), its gender kept aside for the pupils' table; DuckDB calls it only for the rows the
        join left without a key. Every file adds its new pupils to mem.keys for the files after it."""
        import pyarrow as pa
        from duckdb.sqltypes import VARCHAR

        from sources.personnummer import InvalidPersonnummer, gender_from_personnummer, normalise, pseudonym

        secret, made, self.genders = b"bench-key-not-secret", {}, {}

        def keys(pnrs):  # no annotations: DuckDB reads them, and pyarrow is imported here only
            out = []
            for value in pnrs.to_pylist():
                if value not in made:
                    try:
                        full = normalise(value, 2026)
                        made[value] = pseudonym(full, secret)
                        self.genders[made[value]] = gender_from_personnummer(full)
                    except InvalidPersonnummer:
                        made[value] = None
                out.append(made[value])
            return pa.array(out, pa.string())

        self.conn.create_function("pupil_key_of", keys, [VARCHAR], VARCHAR, type="arrow")
        self.made = made
        self.conn.execute("create table mem.keys (pnr varchar, pupil_key uhugeint)")

    def one_lane(self, conn, paths: list[str], work: Path) -> None:
        """`whole` with new pupils keyed in the insert, one file at a time in one transaction each (as the door
        writes them), the next file unpacked beside it; the parser on every core (DuckDB's own read buffer), so the
        lines come from the order the rows are appended in (insertion order kept: rowid order is the file's),
        written by an update of the file's rows in its transaction."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1) as pool:
            ahead = pool.submit(_unpacked, paths[0], work)
            for i, path in enumerate(paths):
                target, scan = ahead.result()
                if i + 1 < len(paths):
                    ahead = pool.submit(_unpacked, paths[i + 1], work)
                self.write_one(conn, path, target, scan)
                target.unlink()

    def write_one(self, conn, path: str, target: Path, scan) -> None:
        from sources.landing.attendance.schema import FILE_NUMBER_PARAM

        digest = _digest(path)
        conn.begin()
        conn.execute("set disabled_optimizers = 'join_order,build_side_probe_side'")
        joined = self.joined(self.csv(str(target), ONE_LANE_BUFFER), "mem.keys", udf=True)
        inserted = conn.execute(f"insert into attendance {joined}", {"hash": digest}).fetchall()[0][0]
        if inserted != scan.lines - 1:
            raise RuntimeError(f"{path}: {inserted} rows of {scan.lines - 1} lines")
        mine = f"source_file_number = {FILE_NUMBER_PARAM}"
        conn.execute(
            f"update attendance set source_line = rowid - (select min(rowid) from attendance where {mine}) + 2"
            f" where {mine}",
            [digest, digest],
        )
        _read_back_and_record(conn, digest, inserted)
        conn.commit()
        self.add_new_keys(conn)

    def add_new_keys(self, conn) -> None:
        """The file's new pupils known to the files after it (the pupils' table would take them here)."""
        import pyarrow as pa

        with self.lock:
            new = [(p, k) for p, k in list(self.made.items()) if k is not None and p not in self.added]
            self.added.update(p for p, _ in new)
        if new:
            conn.register("new_keys", pa.table({"pnr": [p for p, _ in new], "pupil_key": [k for _, k in new]}))
            conn.execute("insert into mem.keys select pnr, ('0x' || pupil_key)::uhugeint from new_keys")
            conn.unregister("new_keys")

    def whole(self, conn, path: str, work: Path, udf: bool = False) -> int:
        """One gzip file as `direct` without a first read, with the rest of a file's load (the module's docstring)."""
        digest = _digest(path)
        target, scan = _unpacked(path, work)
        source = (
            f"(select row_number() over () as line, * from {self.csv(str(target), max(FILE_BUFFER, scan.size + 1))})"
        )
        conn.begin()
        conn.execute("set disabled_optimizers = 'join_order,build_side_probe_side'")
        joined = self.joined(source, "mem.keys", "s.line + 1", "line, ", udf)
        inserted = conn.execute(f"insert into attendance {joined}", {"hash": digest}).fetchall()[0][0]
        if inserted != scan.lines - 1:
            raise RuntimeError(f"{path}: {inserted} rows of {scan.lines - 1} lines")
        _read_back_and_record(conn, digest, inserted)
        conn.commit()
        if udf:
            self.add_new_keys(conn)
        target.unlink()
        return inserted

    def direct(self, conn, path: str, as_written: bool, first_read: bool = True) -> int:
        """One file: its distinct personnummer and their keys (or, without the first read, every file's keys made
        before), then its rows in one transaction."""
        keys = "keys" if first_read else "mem.keys"
        if first_read:
            conn.execute(f"""
                create or replace temp table keys as select pnr, {KEY_NUMBER} as pupil_key
                from (select distinct personnummer as pnr from {self.csv(path)})""")
        source = f"(select row_number() over () as line, * from {self.csv(path, max(FILE_BUFFER, _size(path)))})"
        conn.begin()
        if as_written:
            conn.execute("set disabled_optimizers = 'join_order,build_side_probe_side'")
        inserted = conn.execute(
            f"insert into attendance {self.joined(source, keys, 's.line + 1', 'line, ')}", {"hash": _digest(path)}
        ).fetchall()[0][0]
        conn.commit()
        return inserted


def _read_back_and_record(conn, digest: str, inserted: int) -> None:
    """The file's date range and the run check (fast_path.py `keys_may_repeat`) read back from the rows it inserted,
    and its ledger row, in its transaction."""
    from sources.landing.attendance.schema import FILE_NUMBER_PARAM

    mine = f"source_file_number = {FILE_NUMBER_PARAM}"
    first, last = conn.execute(
        f"select min(lesson_date), max(lesson_date) from attendance where {mine}", [digest]
    ).fetchall()[0]
    runs, distinct, unordered = conn.execute(
        f"""select count(*) filter (where pupil_number is distinct from b), count(distinct pupil_number),
                  count(*) filter (where pupil_number = b
                                   and not (lesson_date > bd or (lesson_date = bd and lesson_start > bs)))
           from (select pupil_number, lesson_date, lesson_start, lag(pupil_number) over () as b,
                        lag(lesson_date) over () as bd, lag(lesson_start) over () as bs
                 from attendance where {mine})""",
        [digest],
    ).fetchall()[0]
    repeat = not (runs == distinct and unordered == 0)
    conn.execute("insert into ledger values (?, ?, ?, ?, ?)", [digest, inserted, first, last, repeat])


def _digest(name: str) -> str:
    """A file's stand-in hash (hex digits, as raw.attendance numbers a file by them)."""
    return hashlib.sha256(str(name).encode()).hexdigest()


def _unpacked(path: str, work: Path):
    """A gzip file unpacked by the loader's own `fast_path.unpack` into `work`: the plain file and its scan."""
    from sources.landing.attendance import fast_path

    target = work / f"{_digest(path)}.csv"
    with target.open("wb") as file:
        return target, fast_path.unpack(Path(path), file, ";")


def _size(path: str) -> int:
    return os.path.getsize(path) + 1


def run_variant(variant: str, gz: list[str], plain: list[str], db: str) -> dict:
    load = Load(plain, db)
    conn = load.conn
    if variant.endswith("_udf_whole"):
        load.key_udf()
        load.lock, load.added = threading.Lock(), set()
    elif variant in ("joined_as_guessed", "joined_as_written", "stage_insert") or variant.startswith("direct_two_"):
        load.all_keys()
    if variant.endswith("_whole"):
        conn.execute("create table ledger (hash varchar, rows bigint, first date, last date, repeat boolean)")
        work = Path(tempfile.mkdtemp(prefix="bench-designs-"))
    if variant != "floor":
        conn.execute(load.table)
    start, cpu_start = time.perf_counter(), _cpu()
    if variant == "floor":
        conn.execute(f"create table attendance as select * from read_csv({gz!r})")
    elif variant == "text":
        conn.execute(f"create table text_rows as select * from {load.csv(plain)}")
    elif variant == "typed":
        typed = load.typed_from(load.csv(plain))
        conn.execute(f"create table typed_rows as select * exclude (broken) from ({typed}) where not broken")
    elif variant in ("joined_as_guessed", "joined_as_written"):
        if variant == "joined_as_written":
            conn.execute("set disabled_optimizers = 'join_order,build_side_probe_side'")
        conn.execute(f"insert into attendance {load.joined(load.csv(plain), 'mem.keys')}", {"hash": _digest("all")})
    elif variant == "stage_insert":
        for path in plain:
            conn.execute(f"create or replace table mem.stage as {load.typed_from(load.csv(path, FILE_BUFFER))}")
            conn.begin()
            conn.execute(
                f"""insert into attendance
                   select k.pupil_key, s.school, s.lesson_date, s.lesson_start, s.subject, s.scheduled_min,
                          s.absent_min, s.absence_type, s.reported, {load.file_number}, s.rowid + 2
                   from mem.stage s join mem.keys k on s.pnr = k.pnr""",
                {"hash": _digest(path)},
            )
            conn.commit()
    elif variant == "direct":
        for path in plain:
            load.direct(conn, path, as_written=True)
    elif variant == "direct_one_lane_udf_whole":
        load.one_lane(conn, gz, work)
        shutil.rmtree(work, ignore_errors=True)
    elif variant.startswith("direct_two_lanes"):
        first_read = variant == "direct_two_lanes"
        whole, udf = variant.endswith("_whole"), variant == "direct_two_lanes_udf_whole"
        queue, lock, failures = list(gz if whole else plain), threading.Lock(), []

        def lane() -> None:
            cursor = conn.cursor()
            try:
                while True:
                    with lock:
                        if not queue:
                            return
                        path = queue.pop(0)
                    if whole:
                        load.whole(cursor, path, work, udf)
                    else:
                        load.direct(cursor, path, as_written=True, first_read=first_read)
            except Exception as exc:  # told, not swallowed: the measurement would be wrong
                failures.append(repr(exc))
            finally:
                cursor.close()

        lanes = [threading.Thread(target=lane) for _ in range(2)]
        for t in lanes:
            t.start()
        for t in lanes:
            t.join()
        if whole:
            shutil.rmtree(work, ignore_errors=True)
        if failures:
            raise SystemExit(failures[0])
    table = {"text": "text_rows", "typed": "typed_rows"}.get(variant, "attendance")
    rows = conn.execute(f"select count(*) from {table}").fetchall()[0][0]
    conn.close()
    return {"rows": rows, "seconds": time.perf_counter() - start, "cpu_measured": _cpu() - cpu_start}


def unpack(folder: Path, out: Path) -> tuple[list[str], list[str]]:
    gz = sorted(str(p.resolve()) for p in folder.glob("*.csv.gz"))
    target = out / "plain"
    target.mkdir(parents=True, exist_ok=True)
    plain = []
    for path in gz:
        name = target / Path(path).name.removesuffix(".gz")
        if not name.exists():
            with gzip.open(path, "rb") as src, name.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        plain.append(str(name))
    return gz, plain


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path, help="franvaro/ of a generated landing folder (gzip files)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=list(VARIANTS))
    args = parser.parse_args()
    gz, plain = unpack(args.folder, args.out)
    code = (
        f"import json, sys; sys.path[:0] = [{str(BENCH)!r}, {str(BENCH.parent)!r}]; import bench_ingest_designs as b; "
        "print(json.dumps(b.run_variant(sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4])))"
    )
    results: dict[str, list[dict]] = {v: [] for v in args.only}
    for _ in range(args.rounds):
        for variant in args.only:
            db = args.out / "design.duckdb"
            for p in args.out.glob("design.duckdb*"):
                p.unlink()
            measured = child(code, variant, json.dumps(gz), json.dumps(plain), str(db))
            results[variant].append(measured)
            print(json.dumps({"variant": variant, **{k: measured[k] for k in ("rows", "seconds", "cpu_measured")}}))
    info = machine()
    floor = statistics.median(r["seconds"] for r in results.get("floor", [])) if "floor" in results else None
    print(
        f"\n{info['nproc']} cores ({info['cpu']}), DuckDB {info['duckdb']}; {len(gz)} files; medians of {args.rounds}"
    )
    print("\n| variant | rows | wall | CPU | peak RSS | floor ÷ wall |\n|---|---:|---:|---:|---:|---:|")
    for variant, runs in results.items():
        wall = statistics.median(r["seconds"] for r in runs)
        cpu = statistics.median(r["cpu_measured"] for r in runs)
        rss = statistics.median(r["peak_rss_mib"] for r in runs)
        ratio = f"{floor / wall:.2f}" if floor else "–"
        print(f"| {VARIANTS[variant]} | {runs[0]['rows']:,} | {wall:.1f} s | {cpu:.1f} s | {rss:,.0f} MiB | {ratio} |")
    loads = [r["load_avg_1min_before"] for runs in results.values() for r in runs]
    print(f"\n1-minute load average before the runs: {min(loads):.2f}–{max(loads):.2f}")


if __name__ == "__main__":
    main()
