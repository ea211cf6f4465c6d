"""The dashboard's only door to data: cached, read-only queries of the serving snapshot.

A connection is opened per query and closed at once: the pipeline swaps serving.duckdb atomically, and a
connection kept open would keep serving the old file (and DuckDB's per-process cache with it). The cache
key includes the file's modification time, so a new snapshot is picked up on the next rerun.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from skolanalys.settings import REPO_ROOT

SUPPRESSED_TEXT = "..: färre än 10 elever (röjandekontroll). Värdet visas inte för att skydda enskilda elever."


def serving_path() -> Path:
    data_dir = Path(os.environ.get("SKOLANALYS_DATA_DIR") or REPO_ROOT / "data")
    return data_dir / "serving.duckdb"


def _version() -> float:
    path = serving_path()
    return path.stat().st_mtime if path.exists() else 0.0


@st.cache_data(show_spinner=False)
def _query(sql: str, version: float, params: tuple = ()) -> pd.DataFrame:
    con = duckdb.connect(str(serving_path()), read_only=True)
    try:
        return con.execute(sql, list(params)).df()
    finally:
        con.close()


def snapshot_available() -> bool:
    return serving_path().exists()


def snapshot_info() -> dict:
    df = _query("select * from snapshot_info", _version())
    return df.iloc[0].to_dict() if len(df) else {}


def indicators(topic: str) -> pd.DataFrame:
    """The indicators of one topic (betyg_ak9, nationella_prov, franvaro, enkater, kolada) in display order."""
    return _query("select * from indicators where topic = ? order by sort_order, indicator_id", _version(), (topic,))


def indicator_values(indicator_ids: tuple[str, ...]) -> pd.DataFrame:
    placeholders = ", ".join("?" for _ in indicator_ids)
    return _query(
        f"select * from indicator_values where indicator_id in ({placeholders}) order by year, unit_code",
        _version(),
        tuple(indicator_ids),
    )


def format_change(change) -> str | None:
    """A change from the year before with its sign and a decimal comma: '+3,5'; None when there is none."""
    if change is None or pd.isna(change):
        return None
    return f"{change:+.1f}".replace(".", ",")


def format_value(value, status: str, unit: str) -> str:
    """A cell as the skolanalysgrupp reads it: one decimal, or the reason code — never 0 or blank."""
    if status:
        return status
    if value is None or pd.isna(value):
        return "."
    text = f"{value:,.1f}".replace(",", " ").replace(".", ",")
    return text + (" %" if unit == "procent" else "")


def benchmarking() -> pd.DataFrame:
    return _query("select * from benchmarking order by kpi_position, year", _version())


def reconciliation() -> pd.DataFrame:
    return _query("select * from reconciliation order by indicator_id, level, unit_code, year", _version())


def freshness() -> pd.DataFrame:
    return _query("select * from data_freshness order by source", _version())


def table_exists(name: str) -> bool:
    found = _query("select count(*) as n from information_schema.tables where table_name = ?", _version(), (name,))
    return bool(found["n"].iloc[0])


QUARTILE_TEXT = {
    1: "bästa fjärdedelen",
    2: "näst bästa fjärdedelen",
    3: "näst sämsta fjärdedelen",
    4: "sämsta fjärdedelen",
}
# Öppna jämförelser's colours: green for the best quarter, red for the worst, yellow between.
QUARTILE_COLOUR = {1: "#2e7d32", 2: "#f9a825", 3: "#f9a825", 4: "#c62828"}
