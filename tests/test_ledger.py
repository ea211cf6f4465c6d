"""The ledger (raw.loaded_files): each file loaded once, corrections replace rows by key, removed files keep
their history, a second pass over the same folder changes nothing, and a failed file leaves no trace."""

from __future__ import annotations

import gzip
import os
import shutil
import time
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from pipelines.assets.landing import attendance_asset
from pipelines.resources import LandingConfig
from sources.landing import file_hashes
from sources.landing.attendance import AttendanceLoader, corrections
from sources.landing.attendance import schema as attendance_schema
from sources.landing.folder import sync_folder
from sources.landing.kind_loader import KindLoader
from sources.landing.kinds import GRADE_RECORDS, POLARS_KINDS
from tests.conftest import ATTENDANCE_AS_TEXT, CONTRACT_COLUMNS, TEST_KEY, make_pnr, pupil_key, write_landing_csv

KEY = TEST_KEY.encode()
GRADE_HEADER = CONTRACT_COLUMNS["betyg"]
ATTENDANCE_HEADER = list(attendance_schema.COLUMNS)
PUPILS = [make_pnr(date(2010, 3, 1 + i), 40 + i, i % 2 == 0) for i in range(4)]


def grade(i: int, subject: str, value: str) -> list:
    return [PUPILS[i], "2023/24", "VT", "12345678", 9, subject, "TYS" if subject == "M2" else "", value, "slutbetyg"]


def lesson(i: int, day: str, absent: int = 0) -> list:
    return [PUPILS[i], "12345678", day, "08:15", "MA", 60, absent, "giltig" if absent else "", "ja"]


def write(path: Path, header: list[str], rows: list[list], age: int) -> Path:
    """A landing file whose modification time is `age` seconds in the past (older files load first)."""
    write_landing_csv(path, header, rows)
    stamp = 1_700_000_000 - age
    os.utime(path, (stamp, stamp))
    return path


def sync_all(conn, landing: Path):
    return {
        "betyg": sync_folder(conn, landing / "betyg", KindLoader(GRADE_RECORDS, KEY, POLARS_KINDS)),
        "franvaro": sync_folder(conn, landing / "franvaro", AttendanceLoader(KEY, POLARS_KINDS)),
    }


def snapshot(conn) -> dict[str, list]:
    return {
        table: conn.execute(f"select * exclude (loaded_at) from {table} order by all").fetchall()
        if table == "raw.quarantine"
        else conn.execute(f"select * from {table} order by all").fetchall()
        for table in ("raw.grades", "raw.attendance", "raw.loaded_files", "raw.quarantine")
    }


@pytest.fixture
def landing(tmp_path):
    landing = tmp_path / "landing"
    write(
        landing / "betyg" / "vt24.csv",
        GRADE_HEADER,
        [grade(0, "MA", "C"), grade(0, "EN", "B"), grade(1, "MA", "D"), grade(1, "M2", "E"), grade(2, "MA", "X")],
        age=300,
    )
    write(
        landing / "franvaro" / "sep.csv",
        ATTENDANCE_HEADER,
        [lesson(0, "2024-09-02"), lesson(0, "2024-09-03", 20), lesson(1, "2024-09-02"), lesson(2, "2024-09-02")],
        age=300,
    )
    write(
        landing / "franvaro" / "okt.csv",
        ATTENDANCE_HEADER,
        [lesson(0, "2024-10-01"), lesson(1, "2024-10-01", 60)],
        age=200,
    )
    return landing


def test_the_same_folder_twice_changes_nothing(landing):
    conn = duckdb.connect()
    first = sync_all(conn, landing)
    assert [len(s.loaded) for s in first.values()] == [1, 2]
    before = snapshot(conn)
    assert len(before["raw.grades"]) == 4 and len(before["raw.attendance"]) == 6 and len(before["raw.quarantine"]) == 1

    again = sync_all(conn, landing)

    assert snapshot(conn) == before
    assert all(not s.loaded and not s.warnings for s in again.values())


@pytest.fixture
def files_read(monkeypatch) -> list[str]:
    """The folder of every file whose bytes are read to hash them, in order."""
    read: list[str] = []
    real = file_hashes.content_hash
    monkeypatch.setattr(file_hashes, "content_hash", lambda path: read.append(path.parent.name) or real(path))
    return read


def reads_of(conn, landing: Path, files_read: list[str]) -> dict:
    """One pass of sync_all, and how many files of each folder it read to hash them."""
    files_read.clear()
    syncs = sync_all(conn, landing)
    return {folder: files_read.count(folder) for folder in syncs} | {"syncs": syncs}


def test_a_second_pass_reads_no_file_that_is_as_it_was(landing, files_read):
    conn = duckdb.connect()
    first = reads_of(conn, landing, files_read)
    assert (first["betyg"], first["franvaro"]) == (1, 2)
    again = reads_of(conn, landing, files_read)
    assert (again["betyg"], again["franvaro"]) == (0, 0) and all(not s.loaded for s in again["syncs"].values())
    # What is remembered of a file: its place and times and its hash, never its name.
    columns = [row[0] for row in conn.execute("describe meta.landing_file_hashes").fetchall()]
    assert columns == ["kind", "device", "inode", "size", "mtime_ns", "ctime_ns", "file_hash"]
    assert conn.execute("select count(*) from meta.landing_file_hashes").fetchall()[0][0] == 3


def test_a_file_rewritten_with_its_size_and_times_restored_is_read_and_loaded_again(landing, files_read):
    conn = duckdb.connect()
    sync_all(conn, landing)
    path = landing / "franvaro" / "okt.csv"
    before = path.stat()
    content = path.read_bytes()
    assert b";60;giltig;ja" in content
    time.sleep(0.05)  # the change time moves on the next tick of the file system's clock
    path.write_bytes(content.replace(b";60;giltig;ja", b";45;giltig;ja"))  # a corrected export, same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)

    again = reads_of(conn, landing, files_read)

    assert again["franvaro"] == 1 and [name for name, _ in again["syncs"]["franvaro"].loaded] == ["okt.csv"]
    absent = conn.execute("select absent_min from raw.attendance where lesson_date = '2024-10-01' order by 1")
    assert [row[0] for row in absent.fetchall()] == [0, 45]


def test_a_file_modified_just_now_is_read_again_until_it_has_settled(landing, files_read):
    conn = duckdb.connect()
    fresh = landing / "betyg" / "ht24.csv"
    write_landing_csv(fresh, GRADE_HEADER, [grade(3, "MA", "A")])  # modified now
    assert reads_of(conn, landing, files_read)["betyg"] == 2
    assert reads_of(conn, landing, files_read)["betyg"] == 1  # the older file is remembered, this one not yet
    stamp = time.time() - 60
    os.utime(fresh, (stamp, stamp))
    assert reads_of(conn, landing, files_read)["betyg"] == 1  # its times moved: read once more, then remembered
    assert reads_of(conn, landing, files_read)["betyg"] == 0


def test_rows_in_equal_rows_loaded_plus_quarantined_for_every_file(landing):
    conn = duckdb.connect()
    sync_all(conn, landing)
    rows = conn.execute("select file_name, rows_in, rows_loaded, rows_quarantined from raw.loaded_files").fetchall()
    assert sorted(rows) == [("okt.csv", 2, 2, 0), ("sep.csv", 4, 4, 0), ("vt24.csv", 5, 4, 1)]


def test_the_same_file_under_another_name_loads_once(landing):
    conn = duckdb.connect()
    sync_all(conn, landing)
    before = snapshot(conn)
    shutil.copy(landing / "franvaro" / "sep.csv", landing / "franvaro" / "sep_igen.csv")
    shutil.copy(landing / "betyg" / "vt24.csv", landing / "betyg" / "vt24 (kopia).csv")
    again = sync_all(conn, landing)
    assert snapshot(conn) == before
    assert any("sep_igen.csv: identisk med" in n for n in again["franvaro"].notes)
    assert any("vt24 (kopia).csv: identisk med" in n for n in again["betyg"].notes)


def test_a_corrected_grade_export_replaces_exactly_its_keys(landing):
    conn = duckdb.connect()
    sync_all(conn, landing)
    before = {
        (k, s, lang): g
        for k, s, lang, g in conn.execute("select pupil_key, subject, language, grade from raw.grades").fetchall()
    }
    # Pupil 0's MA C → A and pupil 1's M2 (TYS) E → D; pupil 3 is new.
    write(
        landing / "betyg" / "vt24_rattad.csv",
        GRADE_HEADER,
        [grade(0, "MA", "A"), grade(1, "M2", "D"), grade(3, "MA", "B")],
        age=100,
    )

    sync = sync_all(conn, landing)["betyg"]

    after = {
        (k, s, lang): g
        for k, s, lang, g in conn.execute("select pupil_key, subject, language, grade from raw.grades").fetchall()
    }
    changed = {k for k in after if before.get(k) != after[k]}
    assert changed == {
        (pupil_key(PUPILS[0]), "MA", None),
        (pupil_key(PUPILS[1]), "M2", "TYS"),
        (pupil_key(PUPILS[3]), "MA", None),
    }
    assert after[(pupil_key(PUPILS[0]), "MA", None)] == "A" and len(after) == len(before) + 1
    ledger = dict(
        conn.execute(
            "select file_name, (state, rows_replaced, corrects, rows_superseded) "
            "from raw.loaded_files where kind = 'betyg'"
        ).fetchall()
    )
    assert ledger == {"vt24.csv": ("active", 0, None, 2), "vt24_rattad.csv": ("active", 2, "vt24.csv", 0)}
    assert any("ersätter rader med samma nyckel i vt24.csv (2 rader)" in n for n in sync.notes)


def test_a_corrected_attendance_export_replaces_exactly_its_lessons_and_supersedes_a_file(landing):
    conn = duckdb.connect()
    sync_all(conn, landing)
    query = f"select pupil_key, lesson_date, absent_min, source_line from {ATTENDANCE_AS_TEXT} order by all"
    before = conn.execute(query).fetchall()
    # October again, corrected: pupil 1 was present after all, pupil 2 had a lesson too. Both of okt.csv's
    # rows are replaced, so okt.csv is superseded; september is untouched.
    write(
        landing / "franvaro" / "okt_v2.csv",
        ATTENDANCE_HEADER,
        [lesson(0, "2024-10-01"), lesson(1, "2024-10-01", 0), lesson(2, "2024-10-01", 60)],
        age=100,
    )

    sync_all(conn, landing)

    after = conn.execute(query).fetchall()
    september = [r for r in before if r[1].month == 9]
    assert [r for r in after if r[1].month == 9] == september
    october = {(k, d): a for k, d, a, _ in after if d.month == 10}
    assert october == {
        (pupil_key(PUPILS[0]), date(2024, 10, 1)): 0,
        (pupil_key(PUPILS[1]), date(2024, 10, 1)): 0,
        (pupil_key(PUPILS[2]), date(2024, 10, 1)): 60,
    }
    ledger = dict(
        conn.execute(
            "select file_name, (state, rows_replaced, corrects, rows_superseded) "
            "from raw.loaded_files where kind = 'franvaro'"
        ).fetchall()
    )
    assert ledger["okt.csv"] == ("superseded", 0, None, 2)
    assert ledger["okt_v2.csv"] == ("active", 2, "okt.csv", 0)
    assert ledger["sep.csv"] == ("active", 0, None, 0)


def _read_spans(monkeypatch) -> list[tuple[str, float, float]]:
    """(file, start, end) of each attendance read from now on; each read lasts 0.2 s at least."""
    spans, real_read = [], AttendanceLoader.read

    def timed_read(self, conn, path, digest, name):
        start = time.monotonic()
        time.sleep(0.2)
        try:
            return real_read(self, conn, path, digest, name)
        finally:
            spans.append((name, start, time.monotonic()))

    monkeypatch.setattr(AttendanceLoader, "read", timed_read)
    return spans


def _overlapping(spans: list[tuple[str, float, float]]) -> set[tuple[str, str]]:
    return {(a, b) for a, a0, a1 in spans for b, b0, b1 in spans if a < b and a0 < b1 and b0 < a1}


def test_small_files_are_read_two_at_a_time_and_still_written_in_order(tmp_path, monkeypatch):
    """Files that fit in one read buffer are read two at a time, each on a connection of its own
    (sources/landing/folder.py); they are written one after another as they arrived, so a correction in the same
    pass replaces the rows of the file it corrects, even when its read ran beside another's."""
    folder = tmp_path / "franvaro"
    write(folder / "sep.csv", ATTENDANCE_HEADER, [lesson(0, "2024-09-02", 10), lesson(1, "2024-09-02")], age=400)
    write(folder / "okt.csv", ATTENDANCE_HEADER, [lesson(0, "2024-10-01"), lesson(1, "2024-10-01")], age=300)
    write(folder / "sep_v2.csv", ATTENDANCE_HEADER, [lesson(0, "2024-09-02", 30)], age=200)
    write(folder / "nov.csv", ATTENDANCE_HEADER, [lesson(0, "2024-11-04", 60)], age=100)
    spans = _read_spans(monkeypatch)
    conn = duckdb.connect()
    sync = sync_folder(conn, folder, AttendanceLoader(KEY, POLARS_KINDS))
    assert [name for name, _ in sync.loaded] == ["sep.csv", "okt.csv", "sep_v2.csv", "nov.csv"]
    assert ("okt.csv", "sep.csv") in _overlapping(spans)  # the first two, read at once
    absent = conn.execute(
        f"select lesson_date, absent_min from {ATTENDANCE_AS_TEXT} where pupil_key = ? order by all",
        [pupil_key(PUPILS[0])],
    ).fetchall()
    assert absent == [(date(2024, 9, 2), 30), (date(2024, 10, 1), 0), (date(2024, 11, 4), 60)]
    ledger = "select file_name, (rows_replaced, corrects) from raw.loaded_files where kind = 'franvaro'"
    ledger = dict(conn.execute(ledger).fetchall())
    assert ledger["sep_v2.csv"] == (1, "sep.csv") and ledger["nov.csv"] == (0, None)

    # Files the loader reads on both cores (a storstad month) are read one after another, beside a write; the one
    # after next may start once a file is written, beside the end of the next one's read — never two files apart.
    monkeypatch.setattr(AttendanceLoader, "reads_beside", lambda self, entry: False)
    spans.clear()
    sync = sync_folder(duckdb.connect(), folder, AttendanceLoader(KEY, POLARS_KINDS))
    order = [name for name, _ in sync.loaded]
    assert len(order) == 4 and len(spans) == 4
    assert all(abs(order.index(a) - order.index(b)) == 1 for a, b in _overlapping(spans))


def _mixed_folder(folder: Path) -> None:
    """Small files of every sort, in order of arrival: clean months, a bad row, a duplicate key, Windows-1252,
    quoted fields, gzip, the header alone, an identical copy, and a correction of the first file."""
    lines = [lesson(i % 4, f"2024-09-{2 + i // 4:02d}", 5 * (i % 3)) for i in range(24)]
    files = [
        ("sep.csv", lines, {}),
        ("okt.csv", [lesson(i, "2024-10-01", 10 * i) for i in range(4)], {}),
        ("nov_fel.csv", [lesson(0, "2024-11-04"), lesson(1, "2024-13-04"), lesson(2, "2024-11-04")], {}),
        ("dec_dubblett.csv", [lesson(0, "2024-12-02"), lesson(1, "2024-12-02"), lesson(0, "2024-12-02", 30)], {}),
        ("jan_ansi.csv", [[*lesson(0, "2025-01-08")[:4], "SVÅ", *lesson(0, "2025-01-08")[5:]]], {"encoding": "cp1252"}),
        ("tom.csv", [], {}),
        ("sep_rattelse.csv", [lesson(0, "2024-09-02", 60), lesson(3, "2024-09-30")], {}),
    ]
    for age, (name, rows, options) in enumerate(reversed(files)):
        write_landing_csv(folder / name, ATTENDANCE_HEADER, rows, **options)
        stamp = 1_700_000_000 - 100 * (age + 1)
        os.utime(folder / name, (stamp, stamp))
    quoted = folder / "feb_citat.csv"
    quoted.write_text(
        ";".join(ATTENDANCE_HEADER) + "\n" + ";".join(f'"{v}"' for v in lesson(1, "2025-02-03", 15)) + "\n",
        encoding="utf-8",
    )
    packed = folder / "mar.csv.gz"
    packed.write_bytes(gzip.compress((folder / "okt.csv").read_bytes().replace(b"2024-10-01", b"2025-03-03")))
    shutil.copy(folder / "okt.csv", folder / "okt_kopia.csv")
    for i, path in enumerate((quoted, packed, folder / "okt_kopia.csv")):
        os.utime(path, (1_700_000_050 + i, 1_700_000_050 + i))


def _tables(conn) -> dict[str, list]:
    return {
        "attendance": conn.execute("select * from raw.attendance order by all").fetchall(),
        "pupils": conn.execute("select * from raw.attendance_pupils order by all").fetchall(),
        "quarantine": conn.execute("select * exclude (loaded_at) from raw.quarantine order by all").fetchall(),
        "ledger": conn.execute(
            "select * exclude (loaded_at, state_changed_at) from raw.loaded_files order by all"
        ).fetchall(),
        "statuses": conn.execute("select * exclude (checked_at) from raw.landing_files order by all").fetchall(),
    }


def test_a_folder_loads_alike_whether_its_files_are_read_two_at_a_time_or_one(tmp_path, monkeypatch):
    """The same small files of every sort give the same rows, quarantine, ledger and outcomes when the loader reads
    two at once as when it reads one at a time: files are still written in the order they arrived."""
    folder = tmp_path / "franvaro"
    _mixed_folder(folder)
    spans = _read_spans(monkeypatch)
    two = duckdb.connect()
    sync_folder(two, folder, AttendanceLoader(KEY, POLARS_KINDS))
    assert _overlapping(spans)  # read two at a time
    monkeypatch.setattr(AttendanceLoader, "reads_beside", lambda self, entry: False)
    one = duckdb.connect()
    sync_folder(one, folder, AttendanceLoader(KEY, POLARS_KINDS))
    two_tables, one_tables = _tables(two), _tables(one)
    assert two_tables == one_tables
    outcomes = {row[1]: row[4] for row in one_tables["statuses"]}
    assert outcomes == {
        "sep.csv": "loaded", "okt.csv": "loaded", "nov_fel.csv": "partly_quarantined",
        "dec_dubblett.csv": "partly_quarantined", "jan_ansi.csv": "loaded", "tom.csv": "rejected",
        "sep_rattelse.csv": "loaded", "feb_citat.csv": "loaded", "mar.csv.gz": "loaded", "okt_kopia.csv": "identical",
    }  # fmt: skip
    ledger = {row[2]: (row[7], row[8]) for row in one_tables["ledger"]}  # rows_replaced, corrects
    assert ledger["sep_rattelse.csv"] == (1, "sep.csv")


def test_a_new_version_under_the_same_name_is_told_as_one_not_as_a_file_gone(landing):
    """A corrected export saved over the old file: its rows replace the earlier version's of the same key, and the
    run says so — with the earlier version's rows left (keys the new one lacks), counted after the load — never
    that a file still in the folder is gone."""
    conn = duckdb.connect()
    sync_all(conn, landing)
    old_grades = conn.execute("select pupil_key, subject from raw.grades").fetchall()
    old_lessons = conn.execute(
        f"select pupil_key from {ATTENDANCE_AS_TEXT} where lesson_date >= '2024-10-01'"
    ).fetchall()
    new_grades, new_lessons = [grade(0, "MA", "A"), grade(0, "EN", "B")], [lesson(0, "2024-10-01", 30)]
    write(landing / "betyg" / "vt24.csv", GRADE_HEADER, new_grades, age=100)
    write(landing / "franvaro" / "okt.csv", ATTENDANCE_HEADER, new_lessons, age=100)
    # Worked out from the rows themselves: the earlier version's rows whose key the new version lacks.
    kept_grades = [r for r in old_grades if r not in {(pupil_key(PUPILS[0]), "MA"), (pupil_key(PUPILS[0]), "EN")}]
    kept_lessons = [r for r in old_lessons if r != (pupil_key(PUPILS[0]),)]
    assert kept_grades and kept_lessons

    synced = sync_all(conn, landing)
    for folder, name, table, kept in (
        ("betyg", "vt24.csv", "raw.grades", kept_grades),
        ("franvaro", "okt.csv", "raw.attendance", kept_lessons),
    ):
        warnings = synced[folder].warnings
        assert not any("finns inte längre" in w for w in warnings), warnings
        assert f"{name}: en ny version av filen ersatte den tidigare versionens rader med samma nyckel; " in warnings[0]
        assert (
            f"; {len(kept)} rader ur den tidigare, med nycklar som den nya saknar, ligger kvar i {table}" in warnings[0]
        )
        outcomes = conn.execute(
            "select outcome, reason from raw.landing_files where folder = ? and file_name = ? order by outcome",
            [folder, name],
        ).fetchall()
        assert outcomes == [
            ("loaded", None),
            ("removed", f"en tidigare version av filen (samma namn); {len(kept)} av dess rader ligger kvar"),
        ]
    assert conn.execute("select count(*) from raw.grades").fetchall() == [(len(kept_grades) + 2,)]
    again = sync_all(conn, landing)
    assert not again["betyg"].warnings and not again["franvaro"].warnings  # told once


def test_a_removed_file_keeps_its_rows_and_is_flagged_once(landing):
    conn = duckdb.connect()
    sync_all(conn, landing)
    before = snapshot(conn)
    (landing / "franvaro" / "sep.csv").unlink()

    first = sync_all(conn, landing)["franvaro"]
    second = sync_all(conn, landing)["franvaro"]

    assert first.removed == ["sep.csv"] and "sep.csv finns inte längre i franvaro/" in first.warnings[0]
    assert "4 rader" in first.warnings[0]
    assert not second.removed and not second.warnings  # flagged when it happens, not every night
    after = snapshot(conn)
    assert after["raw.attendance"] == before["raw.attendance"]
    states = dict(conn.execute("select file_name, state from raw.loaded_files where kind = 'franvaro'").fetchall())
    assert states == {"sep.csv": "removed", "okt.csv": "active"}
    # Back again (same content): active again, nothing reloaded.
    write(
        landing / "franvaro" / "sep.csv",
        ATTENDANCE_HEADER,
        [lesson(0, "2024-09-02"), lesson(0, "2024-09-03", 20), lesson(1, "2024-09-02"), lesson(2, "2024-09-02")],
        age=300,
    )
    restored = sync_all(conn, landing)["franvaro"]
    assert restored.restored == ["sep.csv"] and not restored.loaded
    assert snapshot(conn)["raw.attendance"] == before["raw.attendance"]


def test_a_file_that_fails_half_way_leaves_nothing_and_loads_next_time(landing, monkeypatch):
    conn = duckdb.connect()
    sync_all(conn, landing)
    before = snapshot(conn)
    write(landing / "franvaro" / "nov.csv", ATTENDANCE_HEADER, [lesson(3, "2024-11-04", 30)], age=50)

    def crash(*args, **kwargs):  # after the rows are inserted, before the ledger records the file
        raise RuntimeError("strömavbrott")

    monkeypatch.setattr(corrections, "start", crash)
    with pytest.raises(RuntimeError, match="strömavbrott"):
        sync_all(conn, landing)
    assert snapshot(conn) == before
    monkeypatch.undo()
    assert len(sync_all(conn, landing)["franvaro"].loaded) == 1
    assert conn.execute("select count(*) from raw.attendance").fetchall() == [(7,)]


def test_a_table_loaded_before_the_ledger_existed_is_rebuilt_from_the_folder(landing):
    conn = duckdb.connect()
    sync_all(conn, landing)
    expected = snapshot(conn)["raw.grades"]
    conn.execute("delete from raw.loaded_files where kind = 'betyg'")
    conn.execute("insert into raw.grades select * from raw.grades")  # stale rows of an old full load

    sync = sync_all(conn, landing)["betyg"]

    assert "raw.grades byggs om" in sync.warnings[0]
    assert snapshot(conn)["raw.grades"] == expected


def test_the_attendance_asset_reports_the_sync_and_warns_about_removed_files(landing, tmp_path):
    resources = {
        "landing": LandingConfig(landing_dir=str(landing), pseudonym_key=TEST_KEY, kommunkod="1261"),
        "warehouse": DuckDBResource(database=str(tmp_path / "w.duckdb")),
    }
    first = dg.materialize([attendance_asset], resources=resources)
    meta = first.asset_materializations_for_node("raw__attendance")[0].metadata
    assert meta["files_loaded"].value == 2 and meta["rows_loaded"].value == 6 and meta["dagster/row_count"].value == 6
    (landing / "franvaro" / "okt.csv").unlink()
    second = dg.materialize([attendance_asset], resources=resources)
    meta = second.asset_materializations_for_node("raw__attendance")[0].metadata
    assert meta["files_loaded"].value == 0 and meta["files_removed"].value == 1 and meta["dagster/row_count"].value == 6
    assert "okt.csv finns inte längre i franvaro/" in meta["messages"].value


def test_files_arriving_together_load_in_order_of_modification_time(landing):
    """The next file is read while the previous one is written: the later file still wins."""
    write(landing / "franvaro" / "okt_v2.csv", ATTENDANCE_HEADER, [lesson(1, "2024-10-01", 0)], age=100)
    conn = duckdb.connect()
    sync = sync_all(conn, landing)["franvaro"]
    assert [name for name, _ in sync.loaded] == ["sep.csv", "okt.csv", "okt_v2.csv"]
    absent = conn.execute(
        f"select absent_min from {ATTENDANCE_AS_TEXT} where pupil_key = ? and lesson_date = '2024-10-01'",
        [pupil_key(PUPILS[1])],
    ).fetchall()
    assert absent == [(0,)]
    assert conn.execute("select corrects from raw.loaded_files where file_name = 'okt_v2.csv'").fetchall() == [
        ("okt.csv",)
    ]
