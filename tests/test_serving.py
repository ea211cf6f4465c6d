"""The serving snapshot is published whole or not at all, and never with pupil-level data."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.assets.serving import CONTROLLED_CELLS, SERVED_TABLES, SnapshotRejected, publish


def _warehouse(path, *, n: int, value: float | None, extra_pupil_table: bool = False):
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("create table marts.indicators as select 'N15505' as indicator_id, 'Meritvärde' as title_sv")
    con.execute(
        "create table marts.indicator_values as select 'N15505' as indicator_id, 'kommun' as level, "
        f"'1261' as unit_code, 2024 as year, 'T' as gender, {value if value is not None else 'null'}::double "
        f"as value, {n} as n, '' as status, 'local' as source, 10 as min_n"
    )
    for name, mart in SERVED_TABLES.items():  # the other served marts: present and empty
        cells = ", ".join(f"null::double as {c}" for c in CONTROLLED_CELLS.get(name, []))
        con.execute(
            f"create table if not exists {mart} as select {cells + ', ' if cells else ''}0 as n, 10 as min_n limit 0"
        )
    return con


def test_a_good_snapshot_replaces_the_old_one(tmp_path):
    serving = tmp_path / "serving.duckdb"
    con = _warehouse(tmp_path / "warehouse.duckdb", n=25, value=231.5)
    counts = publish(con, serving, {"published_at": "2026-11-23T02:00:00"})
    assert counts["indicator_values"] == 1 and counts["indicators"] == 1 and counts["snapshot_info"] == 1
    assert counts["survey_results"] == 0
    assert set(counts) == {*SERVED_TABLES, "snapshot_info"}
    assert not (tmp_path / "serving.duckdb.new").exists()


def test_unsuppressed_small_cell_is_rejected_and_the_last_good_snapshot_stays(tmp_path):
    serving = tmp_path / "serving.duckdb"
    serving.write_bytes(b"last good snapshot")
    con = _warehouse(tmp_path / "warehouse.duckdb", n=4, value=250.0)
    with pytest.raises(SnapshotRejected, match="färre än 10"):
        publish(con, serving, {"published_at": "x"})
    assert serving.read_bytes() == b"last good snapshot"
    assert not (tmp_path / "serving.duckdb.new").exists()


def test_pupil_level_columns_are_rejected(tmp_path, monkeypatch):
    from pipelines.assets import serving as serving_module

    con = _warehouse(tmp_path / "warehouse.duckdb", n=25, value=231.5)
    con.execute("create table marts.pupils as select 'abc' as pupil_key, 200.0 as merit_value")
    monkeypatch.setitem(serving_module.SERVED_TABLES, "pupils", "marts.pupils")
    with pytest.raises(SnapshotRejected, match="pupil_key"):
        publish(con, tmp_path / "serving.duckdb", {"published_at": "x"})
    assert not (tmp_path / "serving.duckdb").exists()


def test_the_tables_of_unchanged_marts_are_taken_over_from_the_published_snapshot(tmp_path):
    """A night rewrites the served tables whose marts it rebuilt and copies the others from the snapshot as
    published: here the mart of `indicators` changed after the first publication but is said unchanged, so the
    served table keeps the published row; indicator_values is written from its mart."""
    serving = tmp_path / "serving.duckdb"
    con = _warehouse(tmp_path / "warehouse.duckdb", n=25, value=231.5)
    publish(con, serving, {"published_at": "first"})
    con.execute("update marts.indicators set title_sv = 'Ändrad'")
    con.execute("update marts.indicator_values set value = 240.0")
    counts = publish(con, serving, {"published_at": "second"}, unchanged=frozenset({"marts.indicators"}))
    served = duckdb.connect(str(serving), read_only=True)
    try:
        assert served.execute("select title_sv from indicators").fetchall() == [("Meritvärde",)]
        assert served.execute("select value from indicator_values").fetchall() == [(240.0,)]
        assert served.execute("select published_at from snapshot_info").fetchall() == [("second",)]
    finally:
        served.close()
    assert set(counts) == {*SERVED_TABLES, "snapshot_info"}
    # Without a published snapshot, or with nothing said unchanged, every table is written from its mart.
    serving.unlink()
    publish(con, serving, {"published_at": "third"}, unchanged=frozenset({"marts.indicators"}))
    served = duckdb.connect(str(serving), read_only=True)
    try:
        assert served.execute("select title_sv from indicators").fetchall() == [("Ändrad",)]
    finally:
        served.close()
