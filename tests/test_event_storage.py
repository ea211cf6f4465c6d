"""The event storage of dagster.yaml (pipelines/event_storage.py): Dagster's SQLite files, written with the
connection kept open, read back by Dagster's own storage, and no more files held open than it says."""

from __future__ import annotations

import dagster as dg
import pytest
from dagster._core.storage.event_log.schema import AssetCheckExecutionsTable
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from pipelines.event_storage import BATCH_SIZE_ENV, OPEN_RUN_FILES, PooledSqliteEventLogStorage
from skolanalys.dagster_home import prepare_dagster_home


@dg.asset
def tally() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"rows": 3})


@dg.asset_check(asset=tally)
def tally_positive() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


@pytest.fixture
def home(tmp_path, monkeypatch):
    """DAGSTER_HOME as `skolanalys run` prepares it."""
    prepare_dagster_home(tmp_path / "home")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _run(instance) -> str:
    result = dg.materialize([tally, tally_positive], instance=instance, selection=[tally])
    assert result.success
    return result.run_id


def test_the_projects_instance_stores_events_dagsters_own_storage_reads(home, tmp_path, monkeypatch):
    instance = dg.DagsterInstance.get()
    assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
    assert instance.event_log_storage._base_dir == str(home / "history" / "runs")
    run_id = _run(instance)
    written = instance.all_logs(run_id)
    instance.dispose()

    # Opened by its folder while DAGSTER_HOME names another (as a test watching a run does): the same history.
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    with dg.DagsterInstance.from_config(str(home)) as by_path:
        assert [e.dagster_event_type for e in by_path.all_logs(run_id)] == [e.dagster_event_type for e in written]

    # The same DAGSTER_HOME with Dagster's default storage (no event_log_storage in dagster.yaml).
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    plain = dg.DagsterInstance.get()
    assert type(plain.event_log_storage).__name__ == "SqliteEventLogStorage"
    read = plain.all_logs(run_id)
    assert [e.dagster_event_type for e in read] == [e.dagster_event_type for e in written]
    kinds = {e.dagster_event_type for e in read}
    assert {dg.DagsterEventType.ASSET_MATERIALIZATION, dg.DagsterEventType.ASSET_CHECK_EVALUATION} <= kinds
    latest = plain.get_latest_materialization_event(dg.AssetKey("tally"))
    assert latest.run_id == run_id and latest.asset_materialization.metadata["rows"].value == 3
    check = plain.event_log_storage.get_latest_asset_check_execution_by_key([tally_positive.check_key])
    assert check[tally_positive.check_key].run_id == run_id
    assert [r.run_id for r in plain.get_runs()] == [run_id]
    plain.dispose()


def test_no_more_run_files_open_than_declared(home):
    instance = dg.DagsterInstance.get()
    storage = instance.event_log_storage
    run_ids = [_run(instance) for _ in range(OPEN_RUN_FILES + 2)]
    open_files = [name for name in storage._engines if name != "index"]
    assert len(open_files) <= OPEN_RUN_FILES
    assert run_ids[-1] in open_files and run_ids[0] not in open_files
    # A file closed on the way is opened again when asked for.
    assert storage.get_logs_for_run(run_ids[0])
    instance.wipe()
    assert storage._engines.keys() <= {"index"}
    assert not instance.all_logs(run_ids[-1])
    instance.dispose()


def test_the_files_are_in_wal_mode_and_sync_normally(home):
    """SQLite's advice for WAL: synchronous NORMAL (1), not Dagster's default FULL (2), on every open file."""
    instance = dg.DagsterInstance.get()
    run_id = _run(instance)
    storage = instance.event_log_storage
    assert {"index", run_id} <= storage._engines.keys()
    for engine in storage._engines.values():
        with engine.connect() as conn:
            assert conn.exec_driver_sql("pragma journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("pragma synchronous").scalar() == 1
    instance.dispose()


def test_the_index_is_asked_for_the_checks_table_once_until_wiped(home, monkeypatch):
    """Dagster asks for every check event whether the index has the checks' table (over a new connection each
    time); the answer is kept, and forgotten when the history is wiped."""
    asked: list[str] = []
    plain_has_table = SqliteEventLogStorage.has_table

    def has_table(self, name: str) -> bool:
        asked.append(name)
        return plain_has_table(self, name)

    monkeypatch.setattr(SqliteEventLogStorage, "has_table", has_table)
    instance = dg.DagsterInstance.get()
    for _ in range(3):
        _run(instance)  # each run stores a planned and an evaluated check event
    checks = instance.event_log_storage.get_latest_asset_check_execution_by_key([tally_positive.check_key])
    assert checks[tally_positive.check_key].status.value == "SUCCEEDED"
    assert asked.count(AssetCheckExecutionsTable.name) == 1
    instance.wipe()
    _run(instance)
    assert asked.count(AssetCheckExecutionsTable.name) == 2
    instance.dispose()


def test_a_runs_planned_events_are_one_batch_and_a_failed_batch_leaves_nothing_behind(home, monkeypatch):
    """The planned events of a run's start come as one batch (DAGSTER_EVENT_BATCH_SIZE, set by the storage),
    stored in one transaction a file. When a batch fails half-way none of it is kept, and Dagster then stores
    the events one by one: each once."""
    monkeypatch.delenv(BATCH_SIZE_ENV, raising=False)
    batches: list[list[str]] = []
    batch = PooledSqliteEventLogStorage.store_event_batch

    def recorded(self, events):
        batches.append([e.dagster_event_type for e in events])
        return batch(self, events)

    monkeypatch.setattr(PooledSqliteEventLogStorage, "store_event_batch", recorded)
    instance = dg.DagsterInstance.get()
    planned = {dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED, dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED}
    run_id = _run(instance)
    assert len(batches) == 1 and sorted(batches[0]) == sorted(planned)
    stored = [e.dagster_event_type for e in instance.all_logs(run_id) if e.dagster_event_type in planned]
    assert sorted(stored) == sorted(batches[0])

    # The second event of the next batch fails once: the first one's rows must not stay beside the fallback's.
    store_event, calls = PooledSqliteEventLogStorage.store_event, []

    def failing_once(self, event):
        calls.append(event)
        if len(calls) == 2:
            raise RuntimeError("diskfel")
        return store_event(self, event)

    monkeypatch.setattr(PooledSqliteEventLogStorage, "store_event", failing_once)
    run_id = _run(instance)
    stored = [e.dagster_event_type for e in instance.all_logs(run_id) if e.dagster_event_type in planned]
    assert sorted(stored) == sorted(planned)
    checks = instance.event_log_storage.get_latest_asset_check_execution_by_key([tally_positive.check_key])
    assert checks[tally_positive.check_key].run_id == run_id
    instance.dispose()
