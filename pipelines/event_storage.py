"""Dagster's SQLite event storage with each database file's connection kept open (dagster.yaml).

Dagster's own SqliteEventLogStorage opens a new SQLAlchemy engine and SQLite connection for every event it
stores or reads (NullPool), ~9 ms of CPU an event. A run stores hundreds: before it starts Dagster records a
"planned" event for each of the job's 100 assets and 177 checks, and each step's output, materialisation and
check result follows (~900 in a `liten` run). This storage keeps one connection a file, used one at a time
under the storage's own lock: ~2.5 ms an event (bench: docs/benchmarks.md). Everything else is Dagster's: the
same files in DAGSTER_HOME/history/runs/ (one a run, and the index; the folder is written into DAGSTER_HOME's
copy of dagster.yaml by skolanalys/dagster_home.py), SQLite's WAL mode and busy timeout, so the daemon, the
webserver and a run still write to them side by side.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
    create_engine,
)
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

# Files whose connection stays open besides the index: a run writes to its own file and the index; the
# webserver reads one run after another, so older files are closed rather than holding a descriptor each.
OPEN_RUN_FILES = 4
# Dagster hands a storage its events in batches only when this is set (it reads it for every event): the
# "planned" events of a run's start, one for each of the job's assets and checks, are then one batch, stored
# in one transaction a file (1.4–1.7 s → 0.53–0.64 s for a kavlinge run's 277, docs/benchmarks.md).
BATCH_SIZE_ENV, BATCH_SIZE = "DAGSTER_EVENT_BATCH_SIZE", "1000"


def _sync_normally(dbapi_connection, _record) -> None:
    """SQLite's `synchronous = NORMAL`, as its documentation advises with WAL (the mode Dagster gives these
    files): a commit no longer waits for the disk, and the file stays whole whatever happens; only a power cut
    or an operating system crash may lose the last events. Dagster's default (FULL) waits for the disk at
    every commit: ~1,300 commits in a night's run (0.3 s), ~1,800 in a kavlinge build (0.8 s → 0.2 s)."""
    dbapi_connection.execute("pragma synchronous = normal")


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._tables: set[str] = set()
        self._batch = threading.local()  # a batch's open transactions, by file, for the thread storing it
        super().__init__(base_dir, inst_data=inst_data)
        os.environ.setdefault(BATCH_SIZE_ENV, BATCH_SIZE)

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.get(shard)
        if engine is None:
            # StaticPool: one connection for the file. The storage's lock lets one thread use it at a time.
            engine = create_engine(
                self.conn_string_for_shard(shard),
                poolclass=StaticPool,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
            event.listen(engine, "connect", _sync_normally)
            self._engines[shard] = engine
            runs = [name for name in self._engines if name != INDEX_SHARD_NAME]
            for old in runs[:-OPEN_RUN_FILES]:
                self._engines.pop(old).dispose()
        else:
            self._engines.move_to_end(shard)
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            batch: dict[str, Connection] | None = getattr(self._batch, "connections", None)
            if batch is None:
                with engine.connect() as conn, conn.begin():
                    yield conn
                return
            if shard not in batch:
                batch[shard] = engine.connect()
                batch[shard].begin()
            yield batch[shard]

    def store_event_batch(self, events: Sequence) -> None:
        """Dagster's own stores a batch event by event, each in transactions of its own: here the batch is one
        transaction a file. On an error nothing of it is kept, and Dagster stores the events one by one."""
        self._batch.connections = {}
        try:
            for event in events:
                self.store_event(event)
        except BaseException:
            self._end_batch(commit=False)
            raise
        self._end_batch(commit=True)

    def _end_batch(self, *, commit: bool) -> None:
        connections, self._batch.connections = self._batch.connections, None
        with self._db_lock:
            for conn in connections.values():
                if commit:
                    conn.commit()
                else:
                    conn.rollback()
                conn.close()

    def has_table(self, table_name: str) -> bool:
        # Dagster asks this for every check event it stores (whether the index has the checks' table), each time
        # over a new connection: ~1.3 ms, ~350 times a run. A table, once there, stays until `wipe`.
        if table_name not in self._tables and super().has_table(table_name):
            self._tables.add(table_name)
        return table_name in self._tables

    def _close_all(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        self._close_all()  # the run files are deleted: no connection may keep writing to a deleted file
        self._tables.clear()
        super().wipe()

    def dispose(self) -> None:
        super().dispose()
        self._close_all()
