"""The serving snapshot as the report reads it: every table it needs, read at once in one read-only
connection (so all of them come from the same file even if the pipeline swaps it meanwhile), as pandas frames.

Opened like dashboards/data.py::_open: an in-memory DuckDB that ATTACHes the file read-only, so the report
never takes a lock the pipeline would wait for and never sees DuckDB's cached instance of an older file.
The report reads nothing else: no warehouse, no landing file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

# Served table → the query the report runs (pipelines/assets/serving.py::SERVED_TABLES says what they hold).
QUERIES = {
    "indicators": "select * from indicators order by sort_order, indicator_id",
    "indicator_values": "select * from indicator_values order by indicator_id, level, unit_code, year, gender",
    "benchmarking": "select * from benchmarking order by kpi_position, kpi_id, year, gender",
    "data_freshness": "select * from data_freshness order by source",
    # when each landing folder was last loaded: the data date of the municipality's own figures
    "data_quality_files": "select folder, max(loaded_at) as last_loaded_at from data_quality_files group by folder"
    " order by folder",
    "goal_status": "select * from goal_status order by goal_sort_order, goal_id, year",
    "goal_results": "select * from goal_results order by goal_sort_order, goal_id, measure_no, level, unit_name,"
    " unit_code, gender, year",
    "goal_actions": "select * from goal_actions order by goal_sort_order, goal_id, action_no",
    "attendance_by_period": "select * from attendance_by_period order by level, unit_code, year, period, gender",
    "equity_gaps": "select * from equity_gaps order by level, unit_code, year, outcome, dimension",
    "salsa_comparison": "select * from salsa_comparison order by unit_code, year, outcome, source",
    "similar_units": "select * from similar_units order by unit_code, rank",
    "value_added": "select * from value_added where model = 'contextual' and gender = 'T'"
    " order by stage, outcome, level, unit_code, cohort nulls first",
    "value_added_population": "select * from value_added_population where gender = 'T'"
    " order by stage, level, unit_code, cohort",
}


@dataclass(frozen=True)
class Snapshot:
    path: Path
    info: dict
    tables: dict[str, pd.DataFrame] = field(repr=False)

    def table(self, name: str) -> pd.DataFrame:
        """The served table, or an empty frame when an older snapshot does not hold it yet."""
        return self.tables.get(name, pd.DataFrame())

    @property
    def published_at(self) -> datetime:
        """When the snapshot was published (UTC); the report's date."""
        text = str(self.info.get("published_at") or "")
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return datetime(1970, 1, 1, tzinfo=UTC)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def read_snapshot(path: Path) -> Snapshot:
    """Every table the report needs from the snapshot at `path` (FileNotFoundError when there is none)."""
    if not path.is_file():
        raise FileNotFoundError(path)
    con = duckdb.connect()  # in memory: never DuckDB's cached instance of the path
    try:
        escaped = str(path).replace("'", "''")
        con.execute(f"attach '{escaped}' as s (read_only)")
        con.execute("use s")
        present = {
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_catalog = 's'"
            ).fetchall()
        }
        info = {}
        if "snapshot_info" in present:
            rows = con.execute("select * from snapshot_info").df()
            info = rows.iloc[0].to_dict() if len(rows) else {}
        tables = {name: con.execute(sql).df() for name, sql in QUERIES.items() if name in present}
    finally:
        con.close()
    return Snapshot(path, info, tables)
