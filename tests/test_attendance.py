"""Attendance (franvaro/) at the door and in the indicators.

The loader is tested on hand-written files: every contract rule quarantines its row with the right line
and reason, rows in = loaded + quarantined, encodings and separators read alike, no personnummer anywhere.
The indicators are checked end to end (`skolanalys run`, the shared hand-built run) against shares computed by
hand in this file from the same lessons, not by the code under test.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from skolanalys.processes import scratch_folder
from sources.landing.attendance import AttendanceLoader, Staged, fast_path, sniff
from sources.landing.attendance import loader as loader_module
from sources.landing.attendance.schema import COLUMNS, COMPRESSION, SCHEMA
from sources.landing.csvfile import LandingFileError
from sources.landing.door import Entry
from sources.landing.folder import sync_folder
from sources.landing.kinds import POLARS_KINDS
from sources.landing.ledger import FileOutcome, Ledger
from tests import derivability
from tests.conftest import ATTENDANCE_AS_TEXT, TEST_KEY, make_pnr, pupil_key, write_landing_csv

KEY = TEST_KEY.encode()
# The contract's columns with a name after the personnummer: exported by school systems, dropped at the door.
HEADER = [COLUMNS[0], "fornamn", *COLUMNS[1:]]
SCHOOL = "11110001"


def pnr(i: int, female: bool = True, form: str = "12-dash") -> str:
    return make_pnr(date(2012, 1 + i % 12, 1 + i % 28), 500 + i, female, form)


def lesson(p: str, day: str, start: str = "08:15", scheduled=60, absent=0, kind="", reported="ja", name="Anna"):
    return [p, name, SCHOOL, day, start, "MA", scheduled, absent, kind, reported]


def load(folder: Path, conn: duckdb.DuckDBPyConnection | None = None):
    conn = conn or duckdb.connect()
    return conn, sync_folder(conn, folder, AttendanceLoader(KEY, other_kinds=POLARS_KINDS))


def quarantine(conn) -> dict[int, tuple[str, str, str]]:
    rows = conn.execute("select line, \"column\", reason, raw from raw.quarantine where kind = 'franvaro'").fetchall()
    return {line: (column, reason, raw) for line, column, reason, raw in rows}


# At the door ---------------------------------------------------------------------------------------------


def test_every_contract_rule_quarantines_its_row_with_line_and_reason(tmp_path):
    good, other, luhn_bad, only_broken = pnr(1), pnr(2, female=False), "20120101-1235", pnr(3)
    rows = [
        lesson(good, "2024-09-02"),  # line 2
        None,  # line 3: a blank line is not a row, but it is a line
        lesson(other, "2024-09-02", absent=60, kind="giltig"),  # 4
        lesson(luhn_bad, "2024-09-02"),  # 5
        [good, "Anna", "1234", "2024-09-03", "08:15", "MA", 60, 0, "", "ja"],  # 6 school unit
        lesson(good, "2024-13-01"),  # 7 date
        lesson(good, "2024-09-04", start="25:00"),  # 8 time
        lesson(good, "2024-09-05", scheduled=0),  # 9 scheduled time
        lesson(good, "2024-09-06", scheduled=40, absent=50, kind="ogiltig"),  # 10 more absent than scheduled
        lesson(good, "2024-09-09", absent=0, kind="giltig"),  # 11 a type without absence
        lesson(good, "2024-09-10", absent=10, kind=""),  # 12 absence without a type
        lesson(good, "2024-09-11", reported="kanske"),  # 13
        [*lesson(good, "2024-09-12"), "extra"],  # 14 one field too many
        lesson(good, "2024-09-02", absent=5, kind="ogiltig"),  # 15 same key as line 2
        lesson("", "2024-09-13"),  # 16 no personnummer
        lesson(luhn_bad, "2024-02-30"),  # 17 two faults
        [other, "Anna", SCHOOL, "2024-09-03", " 8:15 ", "ma", "45", "45", "Giltig", "JA"],  # 18 fine
        lesson(only_broken, "2024-09-31"),  # 19 date: a pupil with no row loaded
    ]
    path = tmp_path / "franvaro" / "sept.csv"
    path.parent.mkdir()
    lines = [";".join(HEADER)] + ["" if r is None else ";".join(str(v) for v in r) for r in rows]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")

    conn, sync = load(path.parent)

    ((name, outcome),) = sync.loaded
    assert (outcome.rows_in, outcome.rows_loaded, outcome.rows_quarantined) == (17, 3, 14)
    q = quarantine(conn)
    assert set(q) == {5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 19}
    expected_column = {
        5: "personnummer",
        6: "skolenhetskod",
        7: "datum",
        8: "lektion_start",
        9: "schemalagd_tid_min",
        10: "franvaro_min",
        11: "franvarotyp",
        12: "franvarotyp",
        13: "rapporterad",
        14: "rad",
        15: "nyckel",
        16: "personnummer",
        17: "personnummer",
        19: "datum",
    }
    assert {line: q[line][0] for line in q} == expected_column
    assert "Luhn" in q[5][1] and "'1234'" in q[6][1] and "'2024-13-01'" in q[7][1] and "'25:00'" in q[8][1]
    assert "'kanske'" in q[13][1] and "11 fält" in q[14][1] and "saknas" in q[16][1]
    assert "dubblett" in q[15][1] and "rad 2" in q[15][1]
    assert "Luhn" in q[17][1] and "datum" in q[17][1]  # every reason, the personnummer's first
    assert q[14][2] is None  # a misaligned row is not shown: a name could sit in any of its fields
    assert all(raw.startswith("<maskerat>;") for line, (_, _, raw) in q.items() if line != 14)
    loaded = conn.execute(
        "select source_line, lesson_start::varchar, subject, absent_min, absence_type, reported "
        f"from {ATTENDANCE_AS_TEXT} order by source_line"
    ).fetchall()
    assert loaded == [
        (2, "08:15:00", "MA", 0, None, True),
        (4, "08:15:00", "MA", 60, "giltig", True),
        (18, "08:15:00", "MA", 45, "giltig", True),
    ]
    # The pupils of the rows loaded, each with the gender of its personnummer; not the pupil of line 19 alone.
    pupils = conn.execute("select * from raw.attendance_pupils order by pupil_gender").fetchall()
    assert pupils == [(pupil_key(good), "K"), (pupil_key(other), "M")]
    ledger = conn.execute("select file_name, state, rows_in, rows_loaded, rows_quarantined from raw.loaded_files")
    assert ledger.fetchall() == [("sept.csv", "active", 17, 3, 14)]
    everything = str(conn.execute("select * from raw.quarantine").fetchall()) + str(sync.warnings)
    assert all(p not in everything and p.replace("-", "") not in everything for p in (good, other, luhn_bad))


def _rows(conn) -> list[tuple]:
    return conn.execute(
        "select pupil_key, pupil_gender, school_unit_code, lesson_date, lesson_start, subject, "
        "scheduled_min, absent_min, absence_type, reported, source_line "
        f"from {ATTENDANCE_AS_TEXT} left join raw.attendance_pupils using (pupil_key) order by all"
    ).fetchall()


@pytest.mark.parametrize(
    "encoding, sep, packed",
    [("utf-8-sig", ";", False), ("cp1252", ";", False), ("utf-8", ",", True), ("cp1252", ";", True)],
)
def test_encodings_separators_and_gzip_read_alike(tmp_path, encoding, sep, packed):
    rows = [
        lesson(pnr(i), "2024-10-01", start=start, name="Åsa Öberg") for i in range(3) for start in ("08:15", "09:15")
    ]
    reference = write_landing_csv(tmp_path / "ref" / "franvaro" / "a.csv", HEADER, rows)
    path = write_landing_csv(tmp_path / "x" / "franvaro" / "a.csv", HEADER, rows, encoding=encoding, sep=sep)
    if packed:
        path.with_suffix(".csv.gz").write_bytes(gzip.compress(path.read_bytes()))
        path.unlink()
    expected, _ = load(reference.parent)
    conn, sync = load(path.parent)
    assert not sync.warnings
    assert _rows(conn) == _rows(expected) and len(_rows(conn)) == 6


def test_a_cp1252_file_that_looks_like_utf8_for_its_first_mebibyte_is_read_again(tmp_path):
    """The encoding is sniffed from the first MiB; an Å after it makes DuckDB fail, and the file is
    transcoded and read again instead of being rejected."""
    day = date(2024, 9, 2)
    rows = [
        lesson(pnr(i % 50), str(day + timedelta(days=i // 50)), start=f"{8 + i % 50 // 10:02d}:{i % 10 * 5:02d}")
        for i in range(25_000)
    ]
    rows[-1][1] = "Åsa"
    path = write_landing_csv(tmp_path / "franvaro" / "stor.csv", HEADER, rows, encoding="cp1252")
    assert path.stat().st_size > 1 << 20 and sniff(path).encoding == "utf-8"
    conn, sync = load(path.parent)
    assert not sync.warnings
    assert sync.loaded[0][1].rows_loaded == 25_000


def test_forgiving_headers_and_the_optional_subject(tmp_path):
    header = [
        "PersonNummer",
        "Skolenhetskod ",
        "Datum",
        " Lektion_Start",
        "Schemalagd tid min",
        "Frånvaro_min",
        "FRÅNVAROTYP",
        "Rapporterad",
    ]
    path = write_landing_csv(
        tmp_path / "franvaro" / "a.csv", header, [[pnr(1), SCHOOL, "2024-09-02", "08:15", 60, 0, "", "ja"]]
    )
    conn, sync = load(path.parent)
    assert not sync.warnings
    assert conn.execute("select subject, scheduled_min from raw.attendance").fetchall() == [(None, 60)]


def test_a_file_without_a_required_column_is_not_loaded_and_says_which(tmp_path):
    path = write_landing_csv(
        tmp_path / "franvaro" / "a.csv",
        [h for h in HEADER if h != "franvaro_min"],
        [[pnr(1), "Anna", SCHOOL, "2024-09-02", "08:15", "MA", 60, "", "ja"]],
    )
    conn, sync = load(path.parent)
    assert sync.unreadable == ["a.csv"] and "kolumn saknas: franvaro_min" in sync.warnings[0]
    assert conn.execute("select count(*) from raw.loaded_files").fetchall() == [(0,)]
    # The same file in the next run is tried (and reported) again, until it is replaced.
    assert load(path.parent, conn)[1].unreadable == ["a.csv"]


@pytest.mark.parametrize("form", ["header", "header and blank lines", "quoted header", "gzip"])
def test_a_file_with_its_header_alone_is_set_aside_and_the_others_load(tmp_path, form):
    """A month's export without a lesson: rejected with the reason every kind gives (never the whole step
    failing, as a NULL list of personnummer once made it), the next file loaded."""
    folder = tmp_path / "franvaro"
    header = ";".join(f'"{h}"' if form == "quoted header" else h for h in HEADER)
    text = header + ("\r\n;;;\r\n\r\n" if form == "header and blank lines" else "\r\n")
    folder.mkdir()
    if form == "gzip":
        (folder / "a_tom.csv.gz").write_bytes(gzip.compress(text.encode("utf-8")))
    else:
        (folder / "a_tom.csv").write_text(text, encoding="utf-8")
    write_landing_csv(folder / "b.csv", HEADER, [lesson(pnr(1), "2024-09-02"), lesson(pnr(2), "2024-09-02")])
    conn, sync = load(folder)
    empty = "a_tom.csv.gz" if form == "gzip" else "a_tom.csv"
    assert sync.unreadable == [empty] and [name for name, _ in sync.loaded] == ["b.csv"]
    assert sync.warnings == [f"{empty}: filen har en rubrikrad men inga rader"]
    assert conn.execute("select count(*) from raw.attendance").fetchall() == [(2,)]


def test_an_error_of_our_own_in_one_file_sets_that_file_aside_and_the_others_load(tmp_path, monkeypatch):
    """No file stops the others, even one that trips a bug: it is named with where the error happened, never
    the error's message (it may quote a value), and tried again next run."""
    folder = tmp_path / "franvaro"
    write_landing_csv(folder / "a.csv", HEADER, [lesson(pnr(1), "2024-09-02")])
    write_landing_csv(folder / "b.csv", HEADER, [lesson(pnr(2), "2024-09-03")])
    read = AttendanceLoader.read

    def failing(self, conn, path, digest, name):
        if name == "a.csv":
            {}["Anna Andersson"]  # a KeyError quoting a value
        return read(self, conn, path, digest, name)

    monkeypatch.setattr(AttendanceLoader, "read", failing)
    conn, sync = load(folder)
    assert sync.unreadable == ["a.csv"] and [name for name, _ in sync.loaded] == ["b.csv"]
    (warning,) = sync.warnings
    assert warning.startswith("a.csv: filen kunde inte läsas in: ett fel i Skolanalys (KeyError i test_attendance.py:")
    assert "Anna" not in warning
    assert conn.execute("select count(*) from raw.attendance").fetchall() == [(1,)]
    monkeypatch.setattr(AttendanceLoader, "read", read)
    assert [name for name, _ in load(folder, conn)[1].loaded] == ["a.csv"]


def test_quotes_are_read_as_the_other_kinds_read_them_and_a_broken_one_quarantines_its_row(tmp_path):
    """Python's csv (strict), as every other kind's reader: a quoted field may hold the separator and "" for a
    quote, a quote inside an unquoted field is text; a quoted field without its end, or with text after it, is
    a bad row. The split once skipped past such a field: a subject `Lind"s` was stored as `S`, silently."""
    subjects = ["MA", 'Lind"s', '"MA', '"x"y', '"M;A"', '"x""y"', 'Sv"']  # lines 2–8
    lines = [";".join(HEADER)]
    for i, subject in enumerate(subjects):
        row = lesson(pnr(40 + i), "2024-09-02")
        row[HEADER.index("amne")] = subject
        lines.append(";".join(str(v) for v in row))
    folder = tmp_path / "franvaro"
    folder.mkdir()
    (folder / "a.csv").write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    conn, sync = load(folder)
    assert sync.warnings == ["a.csv: 2 av 7 rader i karantän"]
    loaded = dict(conn.execute("select source_line, subject from raw.attendance").fetchall())
    assert loaded == {2: "MA", 3: 'LIND"S', 6: "M;A", 7: 'X"Y', 8: 'SV"'}
    reason = 'ett citattecken (") saknar sin avslutning på raden'
    assert quarantine(conn) == {4: ("rad", reason, None), 5: ("rad", reason, None)}


def test_a_bom_before_windows_1252_is_read_and_told_as_every_kind_tells_it(tmp_path):
    folder = tmp_path / "franvaro"
    folder.mkdir()
    rows = [lesson(pnr(1), "2024-09-02", name="Åsa"), lesson(pnr(2), "2024-09-02", name="Örjan")]
    text = "\r\n".join(";".join(str(v) for v in r) for r in [HEADER, *rows]) + "\r\n"
    (folder / "a.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("cp1252"))
    conn, sync = load(folder)
    assert [name for name, _ in sync.loaded] == ["a.csv"]
    assert conn.execute("select count(*) from raw.attendance").fetchall() == [(2,)]
    assert sync.warnings == [
        "a.csv: filen börjar med en UTF-8-BOM men är skriven i Windows-1252; den lästes som Windows-1252"
    ]


def test_broken_gzip_is_a_clear_message(tmp_path):
    folder = tmp_path / "franvaro"
    folder.mkdir()
    (folder / "trasig.csv.gz").write_bytes(b"\x1f\x8b" + b"not gzip at all")
    with pytest.raises(LandingFileError, match="gzip"):
        sniff(folder / "trasig.csv.gz")
    assert "trasig.csv.gz" in load(folder)[1].warnings[0]


def test_a_files_scratch_copy_goes_with_it_and_one_a_killed_load_left_goes_with_the_next_load(tmp_path, monkeypatch):
    """The unpacked copy of a packed file holds every personnummer: it lives in a scratch folder named by the
    loading process, removed after the file, and one left by a process killed with kill -9 is removed by the next
    load; a live process's folder is never touched."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    ended = subprocess.Popen(["true"])
    ended.wait()  # a loading process that is gone, as after kill -9
    dead = scratch / f"{loader_module.WORKDIR_PREFIX}{ended.pid}-abc123"
    live = scratch / f"{loader_module.WORKDIR_PREFIX}{os.getppid()}-def456"  # a live process's (pytest's parent)
    other = scratch / "skolanalys-something-else-1-x"
    for folder in (dead, live, other):
        folder.mkdir()
        (folder / "plain.csv").write_text(f"{pnr(1)};{SCHOOL}\n", encoding="utf-8")
    made = []

    def recorded(prefix: str):
        made.append(scratch_folder(prefix))
        return made[-1]

    monkeypatch.setattr(loader_module, "scratch_folder", recorded)
    folder = tmp_path / "franvaro"
    write_landing_csv(folder / "ren.csv", HEADER, [lesson(pnr(2), "2024-09-02")])
    with gzip.open(folder / "packad.csv.gz", "wt", encoding="utf-8") as packed:  # unpacked into its scratch folder
        packed.write(";".join(HEADER) + "\n" + ";".join(map(str, lesson(pnr(3), "2024-09-03"))) + "\n")
    broken = [lesson(pnr(4), "2024-09-04"), lesson(pnr(4), "2024-09-05", scheduled="x")]  # the exact-line path
    write_landing_csv(folder / "trasig_rad.csv", HEADER, broken)
    conn, sync = load(folder)
    assert sync.total("rows_in") == 4 and sync.total("rows_quarantined") == 1
    assert len(made) >= 2 and all(m.name.startswith(f"{loader_module.WORKDIR_PREFIX}{os.getpid()}-") for m in made)
    assert sorted(p.name for p in scratch.iterdir()) == sorted([live.name, other.name])
    assert (live / "plain.csv").exists()


def test_keys_gender_and_no_personnummer_or_name_in_the_warehouse(tmp_path):
    twelve, ten = pnr(7, female=False), pnr(7, female=False, form="10")
    rows = [lesson(twelve, "2024-06-30", name="Zlatan"), lesson(ten, "2024-07-01", name="Zlatan")]
    path = write_landing_csv(tmp_path / "franvaro" / "a.csv", HEADER, rows)
    db = tmp_path / "w.duckdb"
    conn, _ = load(path.parent, duckdb.connect(str(db)))
    # The läsår is derived from the date in dbt (stg_raw__attendance's unit test pins 30 June / 1 July).
    got = conn.execute("select pupil_number, lesson_date from raw.attendance order by lesson_date")
    # Stored as the number of the key's 32 hex digits (sources/landing/attendance/schema.py).
    number = int(pupil_key(twelve), 16)
    assert got.fetchall() == [(number, date(2024, 6, 30)), (number, date(2024, 7, 1))]
    # Two spellings of one personnummer: one pupil, its gender once.
    assert conn.execute("select * from raw.attendance_pupils").fetchall() == [(pupil_key(twelve), "M")]
    conn.close()
    stored = db.read_bytes()
    for secret in (twelve, twelve.replace("-", ""), ten, "Zlatan"):
        assert secret.encode() not in stored


def _clean_lines(n: int) -> list[str]:
    """n lessons, each with its own (pupil, date, start), in canonical forms; a name with a blank beside."""
    rows = []
    for i in range(n):
        day = date(2024, 9, 2) + timedelta(days=i // 200)
        start = f"{8 + i % 200 // 20:02d}:{i % 20 * 3:02d}"
        absent, kind = (15, "ogiltig") if i % 7 == 0 else (0, "")
        rows.append(";".join(str(v) for v in lesson(pnr(i % 10), str(day), start, 60, absent, kind, name="Åsa Ek")))
    return rows


def _loaded_lines(conn) -> dict[int, tuple[str, str]]:
    rows = conn.execute("select source_line, lesson_date::varchar, left(lesson_start::varchar, 5) from raw.attendance")
    return {line: (day, start) for line, day, start in rows.fetchall()}


def _expected_lines(lines: list[str]) -> dict[int, tuple[str, str]]:
    """Physical line (header = 1) → (datum, lektion_start) of every data line, as a text editor counts."""
    return {i: (f[3], f[4]) for i, line in enumerate(lines, start=1) if i > 1 and line for f in [line.split(";")]}


def _write_lines(tmp_path: Path, lines: list[str], eol: str = "\n") -> Path:
    """franvaro/a.csv of `lines` (the header first), each ended by `eol`, in UTF-8."""
    path = tmp_path / "franvaro" / "a.csv"
    path.parent.mkdir()
    path.write_bytes((eol.join(lines) + eol).encode("utf-8"))
    return path


@contextmanager
def _staged(path: Path) -> Iterator[tuple[duckdb.DuckDBPyConnection, Staged]]:
    """The file as the loader stages it, on the fast path or the text path, in a new connection that stays open
    for loading the file whole afterwards; the staged rows are dropped at the end of the block."""
    conn = duckdb.connect()
    loader = AttendanceLoader(KEY, other_kinds=POLARS_KINDS)
    loader.prepare(conn, Ledger(conn, "franvaro"))
    staged = loader.read(conn, path, "0" * 64, path.name)
    try:
        yield conn, staged
    finally:
        loader.cleanup(conn, staged)


def test_a_file_whose_number_an_earlier_file_has_is_refused_not_mixed_with_it(tmp_path):
    """raw.attendance knows a file by the first 15 hex digits of its hash: a file whose 15 an earlier file has
    (one chance in ~10^18 a pair) would have its rows mixed with that file's, so it is refused with a reason; a
    file of other digits loads."""
    path = write_landing_csv(tmp_path / "franvaro" / "a.csv", HEADER, [lesson(pnr(1), "2024-09-02")])
    earlier, same_number, other = "abc" * 5 + "0" * 49, "abc" * 5 + "1" * 49, "abd" * 5 + "0" * 49
    with _staged(path) as (conn, staged):
        Ledger(conn, "franvaro").record(earlier, "tidigare.csv", FileOutcome(1, 1, 0))
        with pytest.raises(LandingFileError, match="kontrollsumma"):
            AttendanceLoader(KEY).write(conn, staged, same_number)
        assert conn.execute("select count(*) from raw.attendance").fetchall() == [(0,)]
        assert AttendanceLoader(KEY).write(conn, staged, other).rows_loaded == 1
        stored = conn.execute("select source_file_number from raw.attendance").fetchall()
        assert stored == [(int(other[:15], 16),)]


def test_a_raw_table_of_other_types_is_rebuilt_from_the_files():
    """A warehouse whose raw.attendance has the columns but not their types (an older version's) is rebuilt
    empty, so that the folder's files load again, and the user is told."""
    conn = duckdb.connect()
    conn.execute("create schema raw")
    columns = ", ".join(f"{c} {'varchar' if c == 'pupil_number' else t}" for c, t in SCHEMA.items())
    conn.execute(f"create table raw.attendance ({columns})")
    messages = AttendanceLoader(KEY).prepare(conn, Ledger(conn, "franvaro"))
    assert len(messages) == 1 and "kolumner har ändrats" in messages[0]
    types = conn.execute("select data_type from information_schema.columns where column_name = 'pupil_number'")
    assert types.fetchall() == [("UHUGEINT",)]
    assert _declared_compression(conn) == COMPRESSION  # rebuilt as a new one is made


def test_raw_attendance_stores_each_column_as_declared(tmp_path):
    """raw.attendance is made with each column's storage method (schema.COMPRESSION) rather than DuckDB's trial of
    every method on every row group, and a loaded file is stored so (or as one constant value a segment)."""
    folder = tmp_path / "franvaro"
    write_landing_csv(
        folder / "a.csv", HEADER, [lesson(pnr(i), f"2024-02-{1 + d:02d}") for i in range(40) for d in range(9)]
    )
    conn, sync = load(folder, duckdb.connect(str(tmp_path / "w.duckdb")))
    assert sync.loaded[0][1].rows_loaded == 360
    assert _declared_compression(conn) == COMPRESSION
    conn.execute("checkpoint")
    stored = conn.execute(
        "select column_name, list(distinct lower(compression)) from pragma_storage_info('raw.attendance')"
        " where segment_type <> 'VALIDITY' group by column_name"
    ).fetchall()
    assert {column: set(methods) - {"constant"} <= {COMPRESSION[column]} for column, methods in stored} == {
        column: True for column in SCHEMA
    }


def _declared_compression(conn) -> dict[str, str]:
    sql = conn.execute("select sql from duckdb_tables() where schema_name = 'raw' and table_name = 'attendance'")
    return {
        c: m.lower()
        for c, m in re.findall(r"(\w+) (?:ENUM\([^)]*\)|[^,(]*?) USING COMPRESSION (\w+)", sql.fetchall()[0][0])
    }


@pytest.mark.parametrize("packed, eol", [("gzip", "\r\n"), ("gzip, two members", "\n"), ("", "\n"), ("", "\r\n")])
def test_a_clean_file_is_read_once_by_the_fast_path_with_exact_line_numbers(tmp_path, packed, eol):
    lines = [";".join(HEADER), *_clean_lines(3000)]
    data = (eol.join(lines) + eol).encode("utf-8")
    folder = tmp_path / "franvaro"
    folder.mkdir()
    path = folder / ("a.csv.gz" if packed else "a.csv")
    if packed == "gzip, two members":  # as `cat a.gz b.gz` writes it
        cut = data.index(b"\n", len(data) // 2) + 1
        data = gzip.compress(data[:cut]) + gzip.compress(data[cut:])
    elif packed:
        data = gzip.compress(data)
    path.write_bytes(data)
    with _staged(path) as (conn, staged):
        assert staged.fast is not None and staged.rows_in == 3000  # the fast path, not the text path

    conn, sync = load(folder, conn)
    assert not sync.warnings and sync.loaded[0][1].rows_loaded == 3000
    assert _loaded_lines(conn) == _expected_lines(lines)


@pytest.mark.parametrize("copy", ["in memory", "on disk: over the bound", "on disk: a trailer that understates"])
def test_a_packed_file_is_unpacked_in_memory_or_on_disk_and_read_alike(tmp_path, monkeypatch, copy):
    """A gzip file is unpacked into memory (a memfd) when it fits under the bound, else into its scratch folder;
    one of many members (as bgzip writes), whose trailer gives only its small last member's size, starts in memory
    and goes on disk when it grows past the bound. Either way: the fast path, every line's number, nothing left."""
    lines = [";".join(HEADER), *_clean_lines(3000)]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    folder = tmp_path / "franvaro"
    folder.mkdir()
    if copy == "on disk: a trailer that understates":
        members = [data[i : i + 997] for i in range(0, len(data), 997)]
        (folder / "a.csv.gz").write_bytes(b"".join(gzip.compress(m) for m in members))
        assert fast_path.unpacked_size(folder / "a.csv.gz") < 1000 < len(data)
    else:
        (folder / "a.csv.gz").write_bytes(gzip.compress(data))
    bound = len(data) + 1 if copy == "in memory" else 1000
    read = []
    unpack = fast_path.unpack
    monkeypatch.setattr(fast_path, "unpack", lambda path, target, sep: read.append(target) or unpack(path, target, sep))
    conn = duckdb.connect()
    sync = sync_folder(conn, folder, AttendanceLoader(KEY, limits=loader_module.Limits(in_memory_copy=bound)))
    assert not sync.warnings and sync.loaded[0][1].rows_loaded == 3000
    assert _loaded_lines(conn) == _expected_lines(lines)
    kinds = ["memory" if isinstance(t, fast_path._Bounded) else "disk" for t in read]
    assert kinds == {"in memory": ["memory"], "on disk: over the bound": ["disk"]}.get(copy, ["memory", "disk"])
    # The copy in memory is let go with the file: no descriptor of it is left open.
    held = []
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # the listing's own descriptor is closed by now
            held.append(os.readlink(f"/proc/self/fd/{fd}"))
    assert held and not [target for target in held if "skolanalys-franvaro" in target]


def test_unpack_counts_every_byte_of_pieces_larger_than_its_output_bound(tmp_path):
    """Highly packed input: one MiB read unpacks to far more than one piece; every byte is counted and written."""
    data = b"".join(b"%d;x;y\n" % (i % 10) for i in range(1_500_000))  # ~9 MB, packed to a few hundred kB
    path = tmp_path / "a.csv.gz"
    path.write_bytes(gzip.compress(data) + gzip.compress(data[:70]))
    out = tmp_path / "a.csv"
    with out.open("wb") as target:
        scan = fast_path.unpack(path, target, ";")
    assert out.read_bytes() == data + data[:70]
    whole = data + data[:70]
    assert (scan.size, scan.newlines, scan.separators) == (len(whole), whole.count(b"\n"), whole.count(b";"))


@pytest.mark.parametrize(
    "change, fast",
    [
        ("blank line", False),
        ("blank lines at the end", False),
        ("one-digit hour", True),  # 9:15: the contract's rules accept it, the same on both paths
        ("leading zero", True),  # 060: likewise
        ("plus sign", False),
        ("exponent", False),
        ("decimals", False),
        ("seconds", False),
        ("quotes", True),  # the parser unquotes as the text path does: only a blank beside a quote reads otherwise
        ("a blank beside a quote", False),
        ("the separator and a quote in quotes", False),  # a separator inside quotes: the count cannot prove the rows
        ("a separator at a line's end", False),  # the parser drops an empty last field; the text path counts it
        ("short date and two blank lines", False),  # a byte count would see neither: 2 bytes short, 2 over
    ],
)
def test_a_file_the_parser_would_misnumber_or_misread_takes_the_exact_line_path(tmp_path, change, fast):
    """A blank line shifts the parser's numbering; a value DuckDB's typed parser would read (`+60`, `1e2`,
    `60.4`, `08:15:00`, `2024-9-2`) is judged by the contract's own rules, which reject it; a blank beside a quote
    would be read otherwise by the text path. Either way: the exact line numbers, and the rules' verdict."""
    lines = [";".join(HEADER), *_clean_lines(500)]
    fields = lines[30].split(";")  # line 31: 09:27
    if change == "one-digit hour":
        fields[4] = fields[4].lstrip("0")  # 9:15 is a valid lektion_start, written otherwise
    elif change == "leading zero":
        fields[6] = "060"
    elif change == "plus sign":
        fields[6] = "+60"
    elif change == "exponent":  # 100 to DuckDB's typed parser, in as many bytes
        fields[6] = "1e2"
    elif change == "decimals":
        fields[6] = "60.4"
    elif change == "seconds":
        fields[4] += ":00"
    elif change == "quotes":
        fields[5] = '"MA"'
    elif change == "a blank beside a quote":
        fields[5] = '"MA" '
    elif change == "the separator and a quote in quotes":
        fields[5] = '"M;""A"'
    elif change == "a separator at a line's end":
        fields.append("")
    elif change == "short date and two blank lines":
        fields[3] = fields[3].replace("-0", "-")
    lines[30] = ";".join(fields)
    if change == "blank line":
        lines.insert(100, "")
    elif change == "blank lines at the end":
        lines += ["", ""]
    elif change == "short date and two blank lines":
        lines[200:200] = ["", ""]
    path = _write_lines(tmp_path, lines, "\r\n")
    with _staged(path) as (conn, staged):
        assert (staged.fast is not None) == fast  # the fast path, or the text path

    conn, sync = load(path.parent, conn)
    ((_, outcome),) = sync.loaded
    assert outcome.rows_in == 500
    # The contract's integer is digits only; a lesson starts at HH:MM; a date is ÅÅÅÅ-MM-DD.
    # A blank after a closing quote: csv (strict) takes it for text after the quoted field.
    bad = {"plus sign", "exponent", "decimals", "seconds", "short date and two blank lines", "a blank beside a quote"}
    bad.add("a separator at a line's end")  # ten fields against the header's nine
    assert outcome.rows_quarantined == (1 if change in bad else 0)
    expected = _expected_lines(lines)
    changed = 31  # the changed line, as a text editor counts (the blank line comes after it)
    if change in bad:
        assert set(quarantine(conn)) == {changed}
        del expected[changed]
    else:
        expected[changed] = (expected[changed][0], expected[changed][1].rjust(5, "0"))
    assert _loaded_lines(conn) == expected


def _quoted(row: list) -> str:
    return ";".join('"' + str(v).replace('"', '""') + '"' for v in row)


@pytest.mark.parametrize("form", ["quoted", "Windows-1252", "Windows-1252, gzip, a lesson twice"])
def test_a_quoted_or_windows_1252_export_is_read_once_by_the_fast_path_as_the_text_path_reads_it(
    tmp_path, monkeypatch, form
):
    """An export that quotes every field (a quote inside a value, an empty field as "") or is saved in
    Windows-1252 (as Excel saves a CSV) is staged by one read of the parser, and holds exactly the rows — and the
    quarantine — that the exact-line text path gives the same file."""
    quoted = form == "quoted"
    rows = []
    for i in range(600):
        start = f"{8 + i % 60 // 6:02d}:{i % 6 * 9:02d}"
        row = lesson(pnr(i % 12), str(date(2024, 9, 2) + timedelta(days=i // 60)), start, name="Åsa Ek")
        row[HEADER.index("amne")] = ["MA", "M A", 'Lind"s', "SV"][i % 4]
        rows.append(_quoted(row) if quoted else ";".join(str(v) for v in row))
    if quoted:
        rows[7] = rows[7].replace('"MA"', "MA")  # an unquoted field among quoted ones
    if form.endswith("twice"):
        rows.insert(300, rows[299])  # line 302 repeats line 301: quarantined as a duplicate
    text = "\r\n".join([_quoted(HEADER) if quoted else ";".join(HEADER), *rows]) + "\r\n"
    data = text.encode("utf-8" if quoted else "cp1252")
    folder = tmp_path / "franvaro"
    folder.mkdir()
    path = folder / ("a.csv.gz" if "gzip" in form else "a.csv")
    path.write_bytes(gzip.compress(data) if "gzip" in form else data)
    with _staged(path) as (_, staged):
        assert staged.fast is not None and staged.rows_in == len(rows)
    fast, _ = load(folder)
    monkeypatch.setattr(AttendanceLoader, "_read_fast", lambda *args: None)
    text_path, _ = load(folder)
    for query in (
        "select * exclude (source_file_number) from raw.attendance order by source_line",
        "select * exclude (loaded_at) from raw.quarantine order by all",
    ):
        assert fast.execute(query).fetchall() == text_path.execute(query).fetchall()
    assert fast.execute("select count(*) from raw.attendance").fetchall() == [(600,)]
    lines = [line for (line,) in fast.execute("select line from raw.quarantine").fetchall()]
    assert lines == ([302] if form.endswith("twice") else [])
    subjects = {v for (v,) in fast.execute("select distinct subject from raw.attendance").fetchall()}
    assert subjects == {"MA", "M A", 'LIND"S', "SV"}


@pytest.mark.parametrize("line", ['"M\r\nA"', '"MA"x'])
def test_a_quoted_field_over_two_lines_or_with_text_after_it_takes_the_exact_line_path(tmp_path, line):
    rows = [";".join(str(v) for v in lesson(pnr(i), "2024-09-02")) for i in range(5)]
    rows[2] = rows[2].replace(";MA;", f";{line};")
    path = _write_lines(tmp_path, [";".join(HEADER), *rows], "\r\n")
    with _staged(path) as (_, staged):
        assert staged.fast is None


def _ordered(lines: list[str], order: str) -> list[str]:
    """The header and the lessons: one run per pupil in date and start order, or the pupils mixed."""
    rows = lines[1:]
    if order == "one run per pupil":
        rows = sorted(rows, key=lambda line: [line.split(";")[i] for i in (0, 3, 4)])
    return [lines[0], *rows]


@pytest.mark.parametrize("order", ["one run per pupil", "pupils mixed"])
def test_a_repeated_key_in_a_clean_file_is_found_on_the_fast_path(tmp_path, order):
    """A clean file whose key repeats (also under another spelling of the same personnummer) is still staged
    once; the repeated lines are quarantined as duplicates of the first, with their lines."""
    lines = _ordered([";".join(HEADER), *_clean_lines(600)], order)
    twin = lines[7].split(";")
    lines += [lines[5], ";".join([twin[0].replace("-", ""), *twin[1:]])]  # line 6 again; line 8 without dash
    path = _write_lines(tmp_path, lines)
    with _staged(path) as (conn, staged):
        assert staged.fast is not None  # staged once, the repeats found in the staged rows
        assert staged.repeated_keys and fast_path.keys_may_repeat(conn, staged.fast)  # the twin spelling; line 6

    conn, sync = load(path.parent, conn)
    ((_, outcome),) = sync.loaded
    assert (outcome.rows_in, outcome.rows_loaded, outcome.rows_quarantined) == (602, 600, 2)
    q = quarantine(conn)
    last = len(lines)
    assert set(q) == {last - 1, last}
    assert "dubblett" in q[last - 1][1] and "rad 6" in q[last - 1][1] and "rad 8" in q[last][1]
    expected = _expected_lines(lines)
    del expected[last - 1], expected[last]
    assert _loaded_lines(conn) == expected


@pytest.mark.parametrize("order", ["one run per pupil", "pupils mixed"])
def test_distinct_keys_in_any_order_need_no_search_for_duplicates(tmp_path, order):
    lines = _ordered([";".join(HEADER), *_clean_lines(600)], order)
    path = _write_lines(tmp_path, lines)
    with _staged(path) as (conn, staged):
        assert staged.fast is not None and not staged.repeated_keys
        assert not fast_path.keys_may_repeat(conn, staged.fast)


@pytest.mark.parametrize("pupil_hash, tells_apart", [(fast_path.PUPIL_HASH, True), ("hash(left({pnr}, 4))", False)])
def test_staged_rows_find_their_pupils_by_a_hash_only_where_it_tells_the_files_pupils_apart(
    tmp_path, monkeypatch, pupil_hash, tells_apart
):
    """The fast path compares and joins a row's personnummer by its hash when that tells the file's personnummer
    apart. A hash that does not (here: of the birth year alone, the same for all ten pupils) is not used, and each
    line still gets its own pupil's key."""
    monkeypatch.setattr(fast_path, "PUPIL_HASH", pupil_hash)
    lines = _ordered([";".join(HEADER), *_clean_lines(600)], "one run per pupil")
    path = _write_lines(tmp_path, lines)
    with _staged(path) as (conn, staged):
        assert staged.fast is not None and staged.fast.distinct_pnrs == 10
        assert staged.fast.hashed == tells_apart
        assert not fast_path.keys_may_repeat(conn, staged.fast)
    conn, sync = load(path.parent)
    assert [(o.rows_in, o.rows_loaded) for _, o in sync.loaded] == [(600, 600)]
    got = dict(conn.execute("select source_line, pupil_number from raw.attendance").fetchall())
    expected = {n: int(pupil_key(line.split(";")[0]), 16) for n, line in enumerate(lines, start=1) if n > 1}
    assert got == expected


def test_a_file_is_read_beside_another_when_it_unpacks_into_one_read_buffer(tmp_path, monkeypatch):
    monkeypatch.setattr(fast_path, "READ_BUFFER", 1000)
    content = "\n".join([";".join(HEADER), *_clean_lines(20)]).encode()  # ~1,300 bytes
    packed, plain, small = tmp_path / "a.csv.gz", tmp_path / "b.csv", tmp_path / "c.csv.gz"
    packed.write_bytes(gzip.compress(content))  # ~300 bytes on disk
    plain.write_bytes(content)
    small.write_bytes(gzip.compress(content[:900]))
    assert [fast_path.unpacked_size(p) for p in (packed, plain, small)] == [len(content), len(content), 900]
    loader = AttendanceLoader(KEY)
    assert [loader.reads_beside(Entry(p, p.name)) for p in (packed, plain, small)] == [False, False, True]


def test_a_passs_first_keys_are_computed_beside_its_stage_and_a_failure_there_changes_nothing(tmp_path, monkeypatch):
    """The first file of a pass has its keys computed by a light read beside its stage (a night's one file is read
    sooner); the rows are the same when that read fails, as the stage and the lookup after it judge the file."""
    lines = [";".join(HEADER), *_clean_lines(300)]
    path = _write_lines(tmp_path, lines)
    packed = path.parent / "b.csv.gz"
    packed.write_bytes(gzip.compress(path.read_bytes().replace(b"2024-09-", b"2024-10-")))
    calls, real = [], fast_path.personnummer

    def counted(conn, source, fmt):
        calls.append(source.name)
        return real(conn, source, fmt)

    monkeypatch.setattr(fast_path, "personnummer", counted)
    with_head_start, sync = load(path.parent)
    assert "a.csv" in calls and len(sync.loaded) == 2

    def failing(conn, source, fmt):
        raise duckdb.IOException("the light read failed")

    monkeypatch.setattr(fast_path, "personnummer", failing)
    without, sync = load(path.parent)
    assert len(sync.loaded) == 2
    rows = "select * from raw.attendance order by all"
    assert with_head_start.execute(rows).fetchall() == without.execute(rows).fetchall()
    assert len(with_head_start.execute(rows).fetchall()) == 600


class _PlanRecorder:
    """The loader's connection, recording the plan of each statement that joins the file's CSV read with keys."""

    def __init__(self, conn: duckdb.DuckDBPyConnection):
        self._conn, self.plans = conn, []

    def __getattr__(self, name: str):
        return getattr(self._conn, name)

    def execute(self, sql: str, params=None):
        if "read_csv(" in sql and "attendance_keys" in sql:
            self.plans.append(json.loads(self._conn.execute(f"explain (format json) {sql}", params).fetchall()[0][1]))
        return self._conn.execute(sql, params)


def _build_sides(node: dict) -> Iterator[dict]:
    """The build side (second child) of every hash join in a plan."""
    if node["name"].strip() == "HASH_JOIN":
        yield node["children"][1]
    for child in node.get("children", []):
        yield from _build_sides(child)


def _reads_csv(node: dict) -> bool:
    return node["name"].startswith("READ_CSV") or any(_reads_csv(child) for child in node.get("children", []))


def test_the_exact_line_path_builds_its_joins_on_the_keys_not_on_the_files_lines(tmp_path):
    """DuckDB guesses a CSV read at a few rows: left to itself it builds the hash table of passes 2 and 3 on every
    line of the file (a storstad month: 2.1 GB) instead of its keys and duplicates."""
    lines = [";".join(HEADER), *_clean_lines(300)]
    lines[4] = lines[4].replace("2024-09-02", "2024-13-02")  # a rule broken: the text path, and a quarantine
    lines.append(lines[9])  # a duplicate key: pass 3 joins the duplicates too
    path = _write_lines(tmp_path, lines)
    conn = _PlanRecorder(duckdb.connect())
    _, sync = load(path.parent, conn)
    ((_, outcome),) = sync.loaded
    assert (outcome.rows_loaded, outcome.rows_quarantined) == (299, 2)
    assert len(conn.plans) == 2  # pass 2's insert and pass 3's quarantine
    joins = [side for plan in conn.plans for root in plan for side in _build_sides(root)]
    assert len(joins) == 3 and not any(_reads_csv(side) for side in joins)


# Through `skolanalys run`: the indicators -------------------------------------------------------------------

SCHOOL_A, SCHOOL_B, SCHOOL_C = "21110001", "21110002", "21110003"
MONTHS = {1: "2024-09", 2: "2025-02", 3: "2025-05"}  # one month in each period of 2024/25
# Pupil: (female, school per period, absent minutes per period out of 10 lessons x 60 min, ogiltig share
# of the absence, unreported lessons per period, enrolled). 600 scheduled minutes a period.
PUPILS = {
    # a0–a19: 0 + 15i + 30i of 1800 minutes = 2.5i % (a4 exactly 10 %, a6 exactly 15 %); half ogiltig.
    **{f"a{i}": (i < 10, (SCHOOL_A,) * 3, (0, 15 * i, 30 * i), 0.5, (0, 1, 0), True) for i in range(20)},
    # Exactly 10 % of the year (180 of 1800 min): not above 10 %.
    "a_exactly_10": (True, (SCHOOL_A,) * 3, (60, 60, 60), 0.0, (0, 0, 0), True),
    # More than half the year absent, all ogiltig, nothing reported in period 3.
    "a_long_absent": (False, (SCHOOL_A,) * 3, (600, 300, 120), 1.0, (0, 0, 10), True),
    # Moved from A to B after period 1; not enrolled: gender from the personnummer (a boy).
    "moved_not_enrolled": (False, (SCHOOL_A, SCHOOL_B, SCHOOL_B), (120, 0, 0), 0.0, (0, 0, 0), False),
    "b1": (True, (SCHOOL_B,) * 3, (0, 0, 0), 0.0, (0, 0, 0), True),
    "b2": (False, (SCHOOL_B,) * 3, (60, 60, 60), 0.0, (0, 0, 0), True),
    # School C: 12 pupils, 6 girls and 6 boys; c0 and c6 absent two thirds of the time, c1 and c7 a fifth
    # (giltig, ogiltig or both), the others never: B and C together hold no share at 0 or 100 % (which would
    # say it of every pupil of theirs and hide A too, macros/disclosure_control.sql `bounds`).
    **{f"c{i}": (i < 6, (SCHOOL_C,) * 3, (0, 0, 0), 0.0, (0, 0, 0), True) for i in range(12)},
    "c0": (True, (SCHOOL_C,) * 3, (400, 400, 400), 1.0, (0, 0, 0), True),
    "c1": (True, (SCHOOL_C,) * 3, (120, 120, 120), 0.0, (0, 0, 0), True),
    "c6": (False, (SCHOOL_C,) * 3, (400, 400, 400), 0.5, (0, 0, 0), True),
    "c7": (False, (SCHOOL_C,) * 3, (120, 120, 120), 1.0, (0, 0, 0), True),
}


def _lessons(p: str, spec) -> list[list]:
    female, schools, absent, invalid_share, unreported, _ = spec
    rows = []
    for period, month in MONTHS.items():
        left = absent[period - 1]
        for k in range(10):
            a = min(60, left)
            left -= a
            invalid = k < round(10 * invalid_share)
            kind = "" if a == 0 else ("ogiltig" if invalid else "giltig")
            rep = "nej" if k < unreported[period - 1] else "ja"
            day = f"{month}-{3 + k:02d}"
            rows.append([p, "Namn", schools[period - 1], day, "10:00", "SV", 60, a, kind, rep])
    return rows


def _expected(pupils: dict, unit: str | None, periods: tuple[int, ...], gender: str | None) -> dict[str, float]:
    """The figures by hand: per pupil minutes over the chosen periods at the unit (None = municipality)."""
    shares, invalid_shares, lessons, reported = [], [], 0, 0
    for p, spec in pupils.items():
        female, schools, absent, invalid_share, unreported, _ = spec
        if gender and gender != ("K" if female else "M"):
            continue
        chosen = [i for i in periods if unit is None or schools[i - 1] == unit]
        if not chosen:
            continue
        rows = [r for r in _lessons(p, spec) if int(r[3][5:7]) in {int(MONTHS[i][5:]) for i in chosen}]
        scheduled = sum(r[6] for r in rows)
        shares.append(sum(r[7] for r in rows) / scheduled)
        invalid_shares.append(sum(r[7] for r in rows if r[8] == "ogiltig") / scheduled)
        lessons += len(rows)
        reported += sum(r[9] == "ja" for r in rows)
    n = len(shares)
    return {
        "n": n,
        "SKA_FRV_TOTAL": 100 * sum(shares) / n,
        "SKA_FRV_OGILTIG": 100 * sum(invalid_shares) / n,
        "SKA_FRV_GILTIG": 100 * (sum(shares) - sum(invalid_shares)) / n,
        "SKA_FRV_OVER10": 100 * sum(s > 0.10 for s in shares) / n,
        "SKA_FRV_OVER15": 100 * sum(s > 0.15 for s in shares) / n,
        "SKA_FRV_OVER50": 100 * sum(s > 0.50 for s in shares) / n,
        "SKA_FRV_RAPPORTERAD": 100 * reported / lessons,
    }


def write_landing(landing: Path) -> dict[str, str]:
    """This module's pupils, written into the shared hand-built landing folder (tests/shared_runs.py); returns
    their personnummer by name. No other data set there has attendance in 2024/25 (the door's good file is
    in 2023/24), so the kommun's 2024/25 figures are these pupils'."""
    pnrs = {
        p: make_pnr(date(2013, 1 + i % 12, 1 + i % 28), 700 + i, spec[0]) for i, (p, spec) in enumerate(PUPILS.items())
    }
    enrol = [
        [pnrs[p], "2024/25", spec[1][0], "6", "6A", "Flicka" if spec[0] else "Pojke"]
        for p, spec in PUPILS.items()
        if spec[5]
    ]
    write_landing_csv(
        landing / "elever" / "elever_franvaro.csv",
        ["personnummer", "lasar", "skolenhetskod", "arskurs", "klass", "kon"],
        enrol,
    )
    rows = [r for p, spec in PUPILS.items() for r in _lessons(pnrs[p], spec)]
    for month in MONTHS.values():  # one gzip file per month, as the school systems export them
        path = write_landing_csv(
            landing / "franvaro" / f"franvaro_{month}.csv", HEADER, [r for r in rows if r[3].startswith(month)]
        )
        path.with_suffix(".csv.gz").write_bytes(gzip.compress(path.read_bytes()))
        path.unlink()
    return pnrs


@pytest.fixture(scope="module")
def attendance_run(handbuilt):
    """The shared hand-built run (`skolanalys run` once per session, tests/shared_runs.py)."""
    return handbuilt.data, handbuilt.attendance_pnrs


def _served(data: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(data / "serving.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_school_year_indicators_match_the_hand_computation(attendance_run):
    data, _ = attendance_run
    rows = _served(
        data,
        "select indicator_id, level, unit_code, gender, value, n, status from indicator_values "
        "where indicator_id like 'SKA_FRV_%' and school_year = '2024/25'",
    )
    got = {(i, level, unit, g): (v, n, s) for i, level, unit, g, v, n, s in rows}
    for level, unit, unit_filter in [("skolenhet", SCHOOL_A, SCHOOL_A), ("kommun", "1261", None)]:
        for gender in ("T", "K", "M"):
            expected = _expected(PUPILS, unit_filter, (1, 2, 3), None if gender == "T" else gender)
            for indicator, value in expected.items():
                if indicator == "n":
                    continue
                v, n, status = got[(indicator, level, unit, gender)]
                assert status == "" and n == expected["n"], (indicator, level, gender)
                assert v == pytest.approx(value), (indicator, level, gender)
    # School B has 3 pupils: every cell suppressed, value and n withheld. School C's total (12 pupils) is
    # hidden too, as the smallest school shown beside it: else B = the kommun − A − C (complementary
    # suppression); its girls and boys (6 each) are below 10 anyway.
    for school in (SCHOOL_B, SCHOOL_C):
        cells = {k: v for k, v in got.items() if k[2] == school}
        assert cells and all(v == (None, None, "..") for v in cells.values()), school


def test_the_boundaries_and_the_long_absent_pupil_count_as_defined(attendance_run):
    expected = _expected(PUPILS, SCHOOL_A, (1, 2, 3), None)
    # By hand: a_i is absent 2.5i %, so above 10 % means i ≥ 5 (15 pupils: exactly 10 % is not above), above
    # 50 % nobody of them; the long-absent pupil (1020 of 1800 min) is above both; the pupil who moved has
    # 120 of 600 minutes at A (20 %); a_exactly_10 is not above 10 %. 20 + 3 pupils at A.
    assert expected["n"] == 23
    assert expected["SKA_FRV_OVER10"] == pytest.approx(100 * (15 + 1 + 1) / 23)
    assert expected["SKA_FRV_OVER15"] == pytest.approx(100 * (13 + 1 + 1) / 23)
    assert expected["SKA_FRV_OVER50"] == pytest.approx(100 * 1 / 23)
    data, _ = attendance_run
    served = dict(
        _served(
            data,
            "select indicator_id, value from indicator_values where indicator_id like 'SKA_FRV_OVER%' "
            f"and unit_code = '{SCHOOL_A}' and gender = 'T' and school_year = '2024/25'",
        )
    )
    for indicator in ("SKA_FRV_OVER10", "SKA_FRV_OVER15", "SKA_FRV_OVER50"):
        assert served[indicator] == pytest.approx(expected[indicator])


def test_attendance_by_period_matches_and_is_disclosure_controlled(attendance_run):
    data, _ = attendance_run
    rows = _served(
        data,
        "select level, unit_code, period, gender, n, absence_pct, invalid_absence_pct, "
        "above_15_pct, reporting_rate_pct, status from attendance_by_period where school_year = '2024/25'",
    )
    got = {(level, unit, period, g): rest for level, unit, period, g, *rest in rows}
    for period in (1, 2, 3):
        expected = _expected(PUPILS, SCHOOL_A, (period,), None)
        n, absence, invalid, above_15, reporting, status = got[("skolenhet", SCHOOL_A, period, "T")]
        assert n == expected["n"] and status == ""
        assert absence == pytest.approx(expected["SKA_FRV_TOTAL"])
        assert invalid == pytest.approx(expected["SKA_FRV_OGILTIG"])
        assert above_15 == pytest.approx(expected["SKA_FRV_OVER15"])
        assert reporting == pytest.approx(expected["SKA_FRV_RAPPORTERAD"])
    # The municipality counts the pupil who moved once; period 0 is the whole school year.
    assert got[("kommun", "1261", 0, "T")][0] == len(PUPILS)
    # School B: 3 pupils in period 1, 4 later (the pupil who moved): all suppressed, genders in pairs; and
    # school C with it (complementary suppression, see above).
    for key, (n, *values, status) in got.items():
        if key[1] in (SCHOOL_B, SCHOOL_C):
            assert n is None and status == ".." and all(v is None for v in values), key
    assert not derivability.lonely_hidden_children(
        pd.DataFrame(
            [
                dict(zip(("level", "unit_code", "period", "gender", "status"), (*k, v[-1]), strict=True)) | {"year": 0}
                for k, v in got.items()
            ]
        ),
        derivability.SERVED_CELL_TABLES[3],
    )


def test_no_personnummer_in_either_warehouse_file(attendance_run):
    data, pnrs = attendance_run
    for name in ("warehouse.duckdb", "serving.duckdb"):
        stored = (data / name).read_bytes()
        for p in pnrs.values():
            assert p.encode() not in stored and p.replace("-", "").encode() not in stored
