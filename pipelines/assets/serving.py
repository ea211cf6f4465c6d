"""The serving snapshot: aggregated, disclosure-controlled marts copied into serving.duckdb.

The dashboard reads only this file. It is written beside the old one, verified, and swapped in with
os.replace, so a failed run leaves the last good snapshot in place and readers never see half a file.
"""

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from pipelines import build_state
from pipelines.metadata import UNCHANGED
from pipelines.resources import LandingConfig
from pipelines.serving_tables import CONTROLLED_CELLS, FORBIDDEN_COLUMNS, SERVED_TABLES  # Dagster-free, for exports
from skolanalys.disclosure import thresholds

# Decimals kept of every floating-point value served. Parallel sums add in a different order from run to
# run and differ in the last bits, which is enough to flip a shown 81,25 between 81,2 and 81,3: rounded
# here, two runs on the same data serve identical values — but for a value whose exact mean is a tie at the
# 6th decimal, so the models' means are summed exactly (dbt macro exact_mean).
SERVED_DECIMALS = 6
# Text that a spreadsheet would run as a formula (CSV/Excel injection) is served with a leading apostrophe,
# which Excel shows as text; numbers with a sign are left alone.
FORMULA_START = r"^[=+\-@\t\r]"
SIGNED_NUMBER = r"^[+-]?[0-9]"


class SnapshotRejected(Exception):
    pass


def _served_columns(conn: duckdb.DuckDBPyConnection, mart: str) -> str:
    """The mart's columns as served: floats rounded, formula-like text neutralised."""
    columns = []
    for name, dtype, *_ in conn.execute(f"describe {mart}").fetchall():
        col = f'"{name}"'
        if dtype in ("DOUBLE", "FLOAT"):
            columns.append(f"round({col}, {SERVED_DECIMALS}) as {col}")
        elif dtype == "VARCHAR":
            formula = f"regexp_matches({col}, '{FORMULA_START}') and not regexp_matches({col}, '{SIGNED_NUMBER}')"
            columns.append(f"case when length({col}) > 1 and {formula} then chr(39) || {col} else {col} end as {col}")
        else:
            columns.append(col)
    return ", ".join(columns)


def verify_snapshot(path: Path) -> dict[str, int]:
    """Raise SnapshotRejected unless the file holds exactly the served tables, aggregated and controlled."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = {
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_catalog = current_database()"
            ).fetchall()
        }
        unexpected = tables - set(SERVED_TABLES) - {"snapshot_info"}
        if unexpected:
            raise SnapshotRejected(f"oväntade tabeller i serveringsfilen: {sorted(unexpected)}")
        columns = {
            row[0]
            for row in con.execute(
                "select column_name from information_schema.columns where table_catalog = current_database()"
            ).fetchall()
        }
        if columns & FORBIDDEN_COLUMNS:
            raise SnapshotRejected(f"elevnivåkolumner i serveringsfilen: {sorted(columns & FORBIDDEN_COLUMNS)}")
        # A value shown from fewer than its cell's threshold, or from a cell whose threshold is below the least
        # one declared (dbt/dbt_project.yml: pupils, survey respondents).
        declared = thresholds()
        below = f"(coalesce(n, 0) < min_n or min_n < {min(declared)})"
        leaked = con.execute(
            f"select count(*) from indicator_values where source = 'local' and value is not null and {below}"
        ).fetchall()[0][0]
        for table, values in ((t, v) for t, v in CONTROLLED_CELLS.items() if t in tables):
            shown = " or ".join(f"{v} is not null" for v in values)
            leaked += con.execute(f"select count(*) from {table} where ({shown}) and {below}").fetchall()[0][0]
        if leaked:
            raise SnapshotRejected(
                f"{leaked} värden från färre än {declared.pupils} elever ({declared.respondents} svarande) är inte "
                "röjandekontrollerade"
            )
        return {t: con.execute(f"select count(*) from {t}").fetchall()[0][0] for t in sorted(tables)}
    finally:
        con.close()


def publish(
    conn: duckdb.DuckDBPyConnection, serving_path: Path, info: dict[str, str], unchanged: frozenset[str] = frozenset()
) -> dict[str, int]:
    """Write the served tables beside the snapshot, verify them and swap them in. The served tables whose marts
    are in `unchanged` (current as the published snapshot has them) are taken over from it as they are: the
    published file is copied and only the other tables written again — a night's attendance rewrites a few
    tables, not all."""
    tmp = serving_path.with_name(serving_path.name + ".new")
    tmp.unlink(missing_ok=True)
    kept = _tables_to_keep(serving_path, unchanged)
    if kept:
        shutil.copyfile(serving_path, tmp)
    conn.execute(f"attach '{tmp}' as serving_new")
    try:
        for name, mart in SERVED_TABLES.items():
            if name in kept:
                continue
            conn.execute(f"drop table if exists serving_new.{name}")
            # In a fixed order: the same data give the same query results, row for row.
            served = _served_columns(conn, mart)
            conn.execute(f"create table serving_new.{name} as select {served} from {mart} order by all")
        conn.execute("drop table if exists serving_new.snapshot_info")
        columns = ", ".join(f"cast(? as varchar) as {k}" for k in info)
        conn.execute(f"create table serving_new.snapshot_info as select {columns}", list(info.values()))
    finally:
        conn.execute("detach serving_new")
    try:
        counts = verify_snapshot(tmp)
    except SnapshotRejected:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, serving_path)
    return counts


def _tables_to_keep(serving_path: Path, unchanged: frozenset[str]) -> set[str]:
    """The served tables of unchanged marts that the published snapshot holds (none without a snapshot)."""
    names = {name for name, mart in SERVED_TABLES.items() if mart in unchanged}
    if not names or not serving_path.exists():
        return set()
    try:
        con = duckdb.connect(str(serving_path), read_only=True)
    except duckdb.Error:  # not a snapshot DuckDB can read: written whole
        return set()
    try:
        held = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    finally:
        con.close()
    return names & held


def _marts_unchanged(context: dg.AssetExecutionContext) -> frozenset[str]:
    """The served marts this run did not rebuild: not materialised in it, or said unchanged by the dbt step
    (pipelines/assets/dbt.py). dbt rebuilds every model whose inputs changed since the published snapshot
    (pipelines/build_state.py), so these are as the snapshot has them."""
    unchanged, reported = set(), False
    keys = {mart: dg.AssetKey(mart.split(".")) for mart in SERVED_TABLES.values()}
    latest = context.instance.get_latest_materialization_events(keys.values())  # one query, not one a mart
    for mart, key in keys.items():
        event = latest.get(key)
        in_this_run = event is not None and event.run_id == context.run_id
        reported |= in_this_run
        if not in_this_run or event.asset_materialization.metadata.get(UNCHANGED) is not None:
            unchanged.add(mart)
    # A run without the dbt step (the snapshot alone, from Dagster's UI) writes every table again.
    return frozenset(unchanged) if reported else frozenset()


@dg.asset(
    key=["serving", "snapshot"],
    group_name="serving",
    deps=[dg.AssetKey(["marts", name]) for name in SERVED_TABLES],
    description="Serveringsfilen serving.duckdb: bara aggregerade, röjandekontrollerade tabeller.",
    kinds={"duckdb"},
)
def serving_snapshot(
    context: dg.AssetExecutionContext, landing: LandingConfig, warehouse: DuckDBResource
) -> dg.MaterializeResult:
    serving_path = Path(warehouse.database).with_name("serving.duckdb")
    info = {
        "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "kommunkod": landing.kommunkod,
        "run_id": context.run_id,
    }
    unchanged = _marts_unchanged(context)
    with warehouse.get_connection() as conn:
        counts = publish(conn, serving_path, info, unchanged)
        build_state.mark_published(conn)
    return dg.MaterializeResult(metadata={"path": str(serving_path), **{f"rows_{t}": n for t, n in counts.items()}})
