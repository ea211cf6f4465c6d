"""Reading the serving snapshot (`SKOLANALYS_DATA_DIR/serving.duckdb`) for exports and reports.

Exports and reports read only the serving snapshot — the aggregated, disclosure-controlled tables the
dashboard shows — never the warehouse. The file is opened the way the dashboard opens it
(dashboards/data.py): an in-memory DuckDB that ATTACHes the file read-only, so a nightly run that swaps in a
new snapshot (os.replace) is never blocked and never half-read, and DuckDB's per-process cache of the path
cannot hand back an older file.

    with open_snapshot(settings.serving_path) as snap:
        snap.info.run_id, snap.info.published_at          # which snapshot this is
        snap.read("indicator_values", "year = ?", [2025])  # a pyarrow.Table, rows in a fixed order

Values are read as served, with two normalisations so every writer sees plain Python numbers: DECIMAL
columns (older snapshots) are read as DOUBLE and HUGEINT counts as BIGINT.

`skolanalys rapport` reads through the same reader: read_frames(path, queries) opens the snapshot once, runs
the report's queries (skolanalys/report/content.py::QUERIES) and returns them as pandas frames
(SnapshotFrames), all from the same file even if the pipeline swaps it meanwhile.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

INTEGER_TYPES = frozenset(
    {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}
)
FLOAT_TYPES = frozenset({"DOUBLE", "FLOAT", "REAL"})


class SnapshotMissing(Exception):
    """There is no serving snapshot at the path (no run has published one yet)."""


@dataclass(frozen=True)
class SnapshotInfo:
    """Which snapshot: the run that published it, when (UTC, ISO 8601) and for which municipality."""

    run_id: str
    published_at: str
    kommunkod: str

    @property
    def published(self) -> datetime:
        """published_at as an aware datetime (UTC when the text carries no offset)."""
        moment = datetime.fromisoformat(self.published_at)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    @property
    def snapshot_id(self) -> str:
        """The same id the dashboard keys its cache by: run_id|published_at."""
        return f"{self.run_id}|{self.published_at}"


def simple_type(duckdb_type: str) -> str:
    """'int', 'float', 'bool', 'timestamp', 'date' or 'text' for a DuckDB column type."""
    base = duckdb_type.split("(")[0].upper()
    if base in INTEGER_TYPES:
        return "int"
    if base in FLOAT_TYPES or base == "DECIMAL":
        return "float"
    if base == "BOOLEAN":
        return "bool"
    if base.startswith("TIMESTAMP"):
        return "timestamp"
    if base == "DATE":
        return "date"
    return "text"


class Snapshot:
    """An open, read-only serving snapshot. Use open_snapshot(path) as a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.con = duckdb.connect()  # in memory: never DuckDB's cached instance of the path
        escaped = str(path).replace("'", "''")
        self.con.execute(f"attach '{escaped}' as s (read_only)")
        self.con.execute("use s")
        self._types: dict[str, list[tuple[str, str]]] = {}
        self.info = self._read_info()

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def info_row(self) -> dict:
        """snapshot_info's row as served (values unconverted); {} when the snapshot has none."""
        if "snapshot_info" not in self.tables():
            return {}
        row = self.con.execute("select * from snapshot_info").df()
        return row.iloc[0].to_dict() if len(row) else {}

    def _read_info(self) -> SnapshotInfo:
        if "snapshot_info" not in self.tables():
            return SnapshotInfo(run_id="", published_at="1980-01-01T00:00:00+00:00", kommunkod="")
        first = self.info_row()
        return SnapshotInfo(
            run_id=str(first.get("run_id") or ""),
            published_at=str(first.get("published_at") or "1980-01-01T00:00:00+00:00"),
            kommunkod=str(first.get("kommunkod") or ""),
        )

    def tables(self) -> list[str]:
        """The tables the snapshot holds, sorted."""
        rows = self.con.execute(
            "select table_name from information_schema.tables where table_catalog = 's' order by table_name"
        ).fetchall()
        return [r[0] for r in rows]

    def column_types(self, table: str) -> list[tuple[str, str]]:
        """(column, DuckDB type) in the table's order."""
        if table not in self._types:
            rows = self.con.execute(
                "select column_name, data_type from information_schema.columns"
                " where table_catalog = 's' and table_name = ? order by ordinal_position",
                [table],
            ).fetchall()
            self._types[table] = [(name, dtype) for name, dtype in rows]
        return self._types[table]

    def columns(self, table: str) -> list[str]:
        return [name for name, _ in self.column_types(table)]

    def _select_list(self, table: str) -> str:
        parts = []
        for name, dtype in self.column_types(table):
            col = f'"{name}"'
            base = dtype.split("(")[0].upper()
            if base == "DECIMAL":
                parts.append(f"cast({col} as double) as {col}")
            elif base in ("HUGEINT", "UHUGEINT"):
                parts.append(f"cast({col} as bigint) as {col}")
            else:
                parts.append(col)
        return ", ".join(parts)

    def read(self, table: str, where: str = "", params: Sequence = ()) -> pa.Table:
        """The rows of a served table (filtered by `where`, a SQL condition with ? parameters), ordered by every
        column so that the same snapshot gives the same rows in the same order."""
        if table not in self.tables():
            raise KeyError(table)
        condition = f" where {where}" if where else ""
        sql = f'select {self._select_list(table)} from "{table}"{condition} order by all'
        return self.con.sql(sql, params=list(params)).to_arrow_table()

    def query(self, sql: str, params: Sequence = ()) -> list[tuple]:
        """Rows of any read-only query of the snapshot (for small look-ups: latest year, unit codes)."""
        return self.con.execute(sql, list(params)).fetchall()


@dataclass(frozen=True)
class SnapshotFrames:
    """Served tables read at once as pandas frames (read_frames), with snapshot_info's row as served."""

    path: Path
    info: dict
    tables: dict[str, pd.DataFrame] = field(repr=False)

    def table(self, name: str) -> pd.DataFrame:
        """The served table, or an empty frame when an older snapshot does not hold it yet."""
        return self.tables.get(name, pd.DataFrame())

    @property
    def published_at(self) -> datetime:
        """When the snapshot was published (UTC); 1970-01-01 when unknown."""
        text = str(self.info.get("published_at") or "")
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return datetime(1970, 1, 1, tzinfo=UTC)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def read_frames(path: Path, queries: Mapping[str, str]) -> SnapshotFrames:
    """Run `queries` (served table → its SQL; tables the snapshot lacks are skipped) in one read-only opening of
    the snapshot at `path`; FileNotFoundError when there is none."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(path)
    with Snapshot(path) as snap:
        present = set(snap.tables())
        tables = {name: snap.con.execute(sql).df() for name, sql in queries.items() if name in present}
        return SnapshotFrames(path, snap.info_row(), tables)


def open_snapshot(path: Path) -> Snapshot:
    """Open the serving snapshot at `path` read-only; SnapshotMissing when there is none."""
    if not Path(path).exists():
        raise SnapshotMissing(str(path))
    return Snapshot(Path(path))
