"""What a run rebuilds: the fingerprints of the dbt sources against those of the published snapshot."""

from __future__ import annotations

import duckdb
import pytest

from pipelines import build_state


@pytest.fixture
def conn():
    con = duckdb.connect()
    con.execute("create schema raw; create schema national")
    con.execute(
        "create table raw.loaded_files as select 'betyg' as kind, 'h1' as file_hash, 'active' as state, "
        "10 as rows_loaded, 0 as rows_superseded"
    )
    con.execute("create table raw.grades as select 'p' || range as pupil_key from range(10)")
    con.execute("create table raw.survey_answers as select range as answer from range(5)")
    con.execute(
        "create table national.fetch_log as select 'kolada' as source, now()::timestamp as attempted_at, "
        "false as ok, 'offline' as message"
    )
    yield con
    con.close()


SOURCES = ["raw.grades", "raw.survey_answers", "national.fetch_log", "raw.attendance"]


def test_nothing_changed_means_nothing_to_build(conn):
    first = build_state.current_fingerprints(conn, SOURCES, "p1")
    # Another identical failed attempt at another time, and the same files: nothing new.
    conn.execute(
        "insert into national.fetch_log values ('kolada', now()::timestamp + interval 1 hour, false, 'offline')"
    )
    assert build_state.current_fingerprints(conn, SOURCES, "p1") == first
    assert build_state.plan(first, first) == ("none", [])
    assert first["raw.attendance"] == "missing"


def test_a_new_file_or_a_correction_selects_its_source(conn):
    before = build_state.current_fingerprints(conn, SOURCES, "p1")
    conn.execute("update raw.loaded_files set rows_superseded = 3")  # a later file corrected 3 rows
    conn.execute("update raw.survey_answers set answer = answer + 1 where answer = 4")
    after = build_state.current_fingerprints(conn, SOURCES, "p1")
    assert build_state.plan(after, before) == ("sources", ["raw.grades", "raw.survey_answers"])


def test_changed_code_or_no_published_snapshot_means_a_full_build(conn):
    current = build_state.current_fingerprints(conn, SOURCES, "p2")
    assert build_state.plan(current, {}) == ("full", [])
    assert build_state.plan(current, {**current, build_state.PROJECT: "p1"}) == ("full", [])


def test_only_a_published_build_counts(conn):
    current = build_state.current_fingerprints(conn, SOURCES, "p1")
    build_state.record_pending(conn, current)
    assert build_state.published(conn) == {}  # built, not yet swapped in: the next run builds again
    build_state.mark_published(conn)
    assert build_state.published(conn) == current
    build_state.mark_published(conn)  # nothing pending: the published state stays
    assert build_state.published(conn) == current


def _summarised(conn) -> None:
    """The attendance sums were built from the ledger as it is now (what the dbt post-hook records)."""
    conn.execute("create schema if not exists meta")
    conn.execute(
        f"create or replace table {build_state.ATTENDANCE_SUMMARISED} as "
        "select kind, file_hash, state, rows_loaded, rows_superseded from raw.loaded_files"
    )


def test_attendance_sums_add_new_files_but_are_rebuilt_after_a_correction_or_a_new_key(conn):
    conn.execute("insert into raw.loaded_files values ('franvaro', 'a1', 'active', 100, 0)")
    assert not build_state.attendance_additions_only(conn)  # never built: whole
    _summarised(conn)
    assert build_state.attendance_additions_only(conn)
    conn.execute("insert into raw.loaded_files values ('franvaro', 'a2', 'active', 50, 0)")  # a new day
    conn.execute("update raw.loaded_files set rows_superseded = 2 where kind = 'betyg'")  # another kind's matter
    assert build_state.attendance_additions_only(conn)
    conn.execute("update raw.loaded_files set rows_superseded = 7 where file_hash = 'a1'")  # a2 corrected a1
    assert not build_state.attendance_additions_only(conn)
    _summarised(conn)
    conn.execute("delete from raw.loaded_files where kind = 'franvaro'")  # a new key empties the ledger
    assert not build_state.attendance_additions_only(conn)


def test_a_run_of_some_models_leaves_the_sources_it_does_not_build_for_the_next_run():
    """A landing folder's run (a sensor's, or `skolanalys run` with news in one folder) builds only the models
    downstream of its folder. A source changed otherwise (a run that did not publish) keeps its old fingerprint,
    so that the next run builds what this one left; likewise the project after a change of it."""
    from types import SimpleNamespace

    import dagster as dg

    from pipelines.assets.dbt import _left_for_later

    manifest = {
        "sources": {
            "source.a": {"schema": "raw", "identifier": "attendance", "name": "attendance"},
            "source.g": {"schema": "raw", "identifier": None, "name": "grades"},
        },
        "nodes": {
            "model.att": {"name": "att", "resource_type": "model"},
            "model.grades": {"name": "grades_model", "resource_type": "model"},
            "model.both": {"name": "both", "resource_type": "model"},
            "test.t": {"name": "t", "resource_type": "test"},
        },
        "child_map": {
            "source.a": ["model.att"],
            "source.g": ["model.grades"],
            "model.att": ["model.both", "test.t"],
            "model.grades": ["model.both"],
        },
    }
    some = SimpleNamespace(is_subset=True, selected_asset_keys={dg.AssetKey([n]) for n in ("att", "both")})
    changed = ["raw.attendance", "raw.grades"]
    assert _left_for_later(some, manifest, "sources", changed) == {"raw.grades"}
    assert _left_for_later(some, manifest, "sources", ["raw.attendance"]) == set()
    assert _left_for_later(some, manifest, "full", []) == {build_state.PROJECT}
    everything = SimpleNamespace(is_subset=False, selected_asset_keys=set())
    assert _left_for_later(everything, manifest, "sources", changed) == set()


def test_a_run_of_some_models_excludes_only_its_own_unchanged_models_and_checks():
    """dbt matches every --exclude name against every node; in a run of some models (dagster-dbt selects
    just those) a name outside the run excludes nothing. Excluding an unchanged model outside the run would
    also drop the run's tests that read it (dbt's indirect selection), e.g. a relationships test of a rebuilt
    mart against its unchanged catalogue."""
    from types import SimpleNamespace

    import dagster as dg

    from pipelines.assets.dbt import _in_run

    unchanged = ["catalogue", "other_mart", "check_on_unchanged"]
    some = SimpleNamespace(
        is_subset=True,
        selected_asset_keys={dg.AssetKey(["marts", n]) for n in ("rebuilt", "other_mart")},
        selected_asset_check_keys={dg.AssetCheckKey(dg.AssetKey(["marts", "x"]), "check_on_unchanged")},
    )
    assert _in_run(some, unchanged) == ["other_mart", "check_on_unchanged"]
    everything = SimpleNamespace(is_subset=False, selected_asset_keys=set(), selected_asset_check_keys=set())
    assert _in_run(everything, unchanged) == unchanged
