"""The dashboard's only door to data: cached, read-only queries of the serving snapshot, filtered by role.

Snapshot swaps. The pipeline replaces serving.duckdb with os.replace. DuckDB keeps one database instance per
path per process while any connection to it is open, so `duckdb.connect(path)` after a swap can return the
old file. Each published file (known by its inode, times and size) is therefore attached read-only to an
in-memory DuckDB of its own (an ATTACH opens the path anew), once, with its snapshot id (snapshot_info: run_id
+ published_at); the cache is keyed by the id, and a cached query runs on a cursor of the file's connection
after checking that the id is still the one now at the path, and retries if the file was swapped between.

Access. Every public function returns rows the current user may see (dashboards/access.py): a rektor gets
the rows of their own school units plus the aggregates (kommun, riket) as context, never another school's
row; a user without a role gets no rows at all. Pages never query directly.
"""

from __future__ import annotations

import functools
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from dashboards import access as access_module
from dashboards.arshjul import MONTHS
from skolanalys.auth_settings import STOCKHOLM, Access
from skolanalys.disclosure import pupils_text
from skolanalys.settings import DEMO_PSEUDONYM_KEY, PSEUDONYM_KEY_ENV

SUPPRESSED_TEXT = (
    f"..: värdet visas inte för att skydda enskilda elever (röjandekontroll): {pupils_text()}, eller dolt "
    "för att ett sådant värde inte ska kunna räknas fram ur de andra."
)
# Levels that are aggregates over many schools: context a rektor may see beside their own units.
AGGREGATE_LEVELS = frozenset({"kommun", "riket", "liknande_kommuner"})
UNIT_CODE_COLUMNS = ("unit_code", "school_unit_code")
_ATTEMPTS = 3


def serving_path() -> Path:
    """The serving snapshot the pipeline publishes (skolanalys.settings)."""
    return access_module.settings().serving_path


class _SnapshotSwapped(Exception):
    """The file was replaced between reading its id and running the query."""


def _open(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()  # in memory: never DuckDB's cached instance of the path
    escaped = str(path).replace("'", "''")
    con.execute(f"attach '{escaped}' as s (read_only)")
    con.execute("use s")
    return con


def _read_snapshot_id(con: duckdb.DuckDBPyConnection) -> str:
    has_info = con.execute(
        "select count(*) from information_schema.tables where table_catalog = 's' and table_name = 'snapshot_info'"
    ).fetchall()[0][0]
    if not has_info:
        return ""
    info = con.execute("select * from snapshot_info").df()
    if info.empty:
        return ""
    row = info.iloc[0]
    return "|".join(str(row[c]) for c in ("run_id", "published_at") if c in info.columns)


def _file_key(path: Path) -> tuple[int, ...] | None:
    """The file now at the path: the pipeline publishes with os.replace (a new inode and change time), and a
    file rewritten in place changes its times or size."""
    try:
        found = path.stat()
    except FileNotFoundError:
        return None
    return (found.st_dev, found.st_ino, found.st_mtime_ns, found.st_ctime_ns, found.st_size)


@functools.lru_cache(maxsize=4)
def _attached(path: str, file: tuple[int, ...]) -> tuple[duckdb.DuckDBPyConnection, str]:
    """One connection per published file and its snapshot id, opened when the file is first asked for.
    Attaching anew for every query was most of a page's time (bench/bench_dashboard.py, the page tests). A
    swap between the stat and the attach files the new file under the old key: harmless, the key is not seen
    again, and the id read here is the attached file's own. An evicted connection closes when its last
    cursor is done."""
    con = _open(Path(path))
    return con, _read_snapshot_id(con)


def _current() -> tuple[duckdb.DuckDBPyConnection, str] | None:
    path = serving_path()
    file = _file_key(path)
    return None if file is None else _attached(str(path), file)


def snapshot_id() -> str:
    """The id of the snapshot now at the path ('' when there is none): run_id and published_at."""
    current = _current()
    return "" if current is None else current[1]


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_query(sql: str, snapshot: str, params: tuple = ()) -> pd.DataFrame:
    current = _current()
    if current is None:
        raise FileNotFoundError(serving_path())
    con, found = current
    if found != snapshot:
        raise _SnapshotSwapped
    cursor = con.cursor()  # a connection of its own for this thread, on the same attached file
    try:
        cursor.execute("use s")
        return cursor.execute(sql, list(params)).df()
    finally:
        cursor.close()


def _query(sql: str, params: tuple = ()) -> pd.DataFrame:
    """Unfiltered rows of the current snapshot (cached per snapshot id); only this module calls it."""
    for _ in range(_ATTEMPTS):
        try:
            return _cached_query(sql, snapshot_id(), params)
        except _SnapshotSwapped:
            continue
    return _cached_query(sql, snapshot_id(), params)


def current_access() -> Access | None:
    return access_module.current_access()


def restrict(df: pd.DataFrame, access: Access | None) -> pd.DataFrame:
    """The rows of `df` that `access` may see.

    None (not logged in, or no role): no rows. All units: every row. A rektor: rows of an aggregate level
    (kommun, riket, liknande kommuner) and of their own school units; a table with unit codes but no level
    keeps only their units; a table without unit codes (catalogue, Kolada benchmarking of the municipality,
    freshness) is kept whole. An unknown level is dropped.
    """
    if access is None:
        return df.iloc[0:0]
    if access.units is None:
        return df
    code_column = next((c for c in UNIT_CODE_COLUMNS if c in df.columns), None)
    own = df[code_column].astype(str).isin(access.units) if code_column else None
    if "level" in df.columns:
        aggregate = df["level"].isin(AGGREGATE_LEVELS)
        keep = aggregate | (own & (df["level"] == "skolenhet")) if own is not None else aggregate
    elif own is not None:
        keep = own
    else:
        return df
    return df[keep].reset_index(drop=True)


def _rows(sql: str, params: tuple = ()) -> pd.DataFrame:
    return restrict(_query(sql, params), current_access())


def snapshot_available() -> bool:
    return current_access() is not None and serving_path().exists()


def require_snapshot() -> None:
    """A page's guard: with no published snapshot to show, say how to build one and stop the page there."""
    if not snapshot_available():
        st.warning("Ingen publicerad data ännu. Kör `skolanalys run` för att bygga serveringsfilen.")
        st.stop()


def snapshot_info() -> dict:
    df = _rows("select * from snapshot_info")
    return df.iloc[0].to_dict() if len(df) else {}


def format_time(value) -> str:
    """A time as Swedes read it, in Swedish time (Europe/Stockholm): '2026-11-23 kl. 03:00'."""
    if value is None or (not isinstance(value, str) and pd.isna(value)) or str(value) == "":
        return "okänd tid"
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:  # the pipeline writes UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d kl. %H:%M")


# --- The demo -------------------------------------------------------------------------------------------
DEMO_BANNER = (
    "**Syntetiska demodata.** Eleverna, skolenheterna och alla kommunens egna siffror är påhittade av Skolanalys "
    "generator (`skolanalys generate`) — inga verkliga elever. Riket, liknande kommuner och de andra nationella "
    "uppgifterna är verkliga publicerade värden, i demon de som följer med Skolanalys."
)
TRUTH_FILES = ("ground_truth.json", "truth.json")  # what `skolanalys generate` writes beside the landing folder


def _landing_dir() -> Path:
    return access_module.settings().landing_dir


@functools.lru_cache(maxsize=8)
def _generated(path: Path, modified: float) -> str | None:
    """The kommunkod of a generator's truth file ('' when it names none); None when `path` is no such file."""
    try:
        truth = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(truth, dict) or "truth_version" not in truth:
        return None
    return str(truth.get("kommunkod") or "")


def is_demo() -> bool:
    """Whether the dashboard shows the synthetic demo municipality: the demo's public pseudonym key is in use
    (`skolanalys demo`), or the generator's truth file lies beside the landing folder (`skolanalys generate`
    writes it there) for the snapshot's municipality. A real installation has neither: the demo key is
    refused outside the demo, and no generator writes into a real landing folder's parent."""
    if os.environ.get(PSEUDONYM_KEY_ENV) == DEMO_PSEUDONYM_KEY:
        return True
    kommunkod = str(snapshot_info().get("kommunkod") or "")
    for name in TRUTH_FILES:
        path = _landing_dir().parent / name
        if path.is_file():
            generated = _generated(path, path.stat().st_mtime)
            if generated is not None and generated in ("", kommunkod):
                return True
    return False


def published_text() -> str:
    """The sidebar's line about the snapshot: when it was published, in Swedish time."""
    info = snapshot_info()
    return f"Data publicerad {format_time(info.get('published_at'))}"


def indicators(topic: str) -> pd.DataFrame:
    """The indicators of one topic (betyg_ak9, nationella_prov, franvaro, enkater, kolada) in display order."""
    return _rows("select * from indicators where topic = ? order by sort_order, indicator_id", (topic,))


def indicator_values(indicator_ids: tuple[str, ...]) -> pd.DataFrame:
    if not indicator_ids:
        return restrict(_query("select * from indicator_values limit 0"), current_access())
    placeholders = ", ".join("?" for _ in indicator_ids)
    return _rows(
        f"select * from indicator_values where indicator_id in ({placeholders}) order by year, unit_code",
        tuple(indicator_ids),
    )


def format_change(change) -> str | None:
    """A change from the year before with its sign and a decimal comma: '+3,5', '+1\u00a0250,0'; a change that
    rounds to zero is '±0,0' (never '-0,0'); None when there is none."""
    if change is None or pd.isna(change):
        return None
    if round(float(change), 1) == 0:
        return "±0,0"
    return f"{change:+,.1f}".replace(",", "\u00a0").replace(".", ",")


def format_value(value, status: str, unit: str) -> str:
    """A cell as the skolanalysgrupp reads it: one decimal, or the reason code — never 0 or blank."""
    if status:
        return status
    if value is None or pd.isna(value):
        return "."
    text = f"{value:,.1f}".replace(",", " ").replace(".", ",")
    return text + (" %" if unit == "procent" else "")


def benchmarking() -> pd.DataFrame:
    return _rows("select * from benchmarking order by kpi_position, year")


def can_see_data_quality() -> bool:
    """The data-quality view (reconciliation, freshness of every source): förvaltningen and open mode."""
    found = current_access()
    return found is not None and found.data_quality


def reconciliation() -> pd.DataFrame:
    df = _rows("select * from reconciliation order by indicator_id, level, unit_code, year")
    return df if can_see_data_quality() else df.iloc[0:0]


def landing_files() -> pd.DataFrame:
    """Every landing file's outcome at the last run (förvaltningen only)."""
    if not can_see_data_quality() or not table_exists("data_quality_files"):
        return pd.DataFrame()
    return _rows("select * from data_quality_files order by outcome = 'loaded', folder, file_name")


def quarantine_summary() -> pd.DataFrame:
    """Rows in quarantine per folder, file, column and reason (förvaltningen only)."""
    if not can_see_data_quality() or not table_exists("data_quality_quarantine"):
        return pd.DataFrame()
    return _rows("select * from data_quality_quarantine order by rows_quarantined desc, folder, file_name")


def freshness() -> pd.DataFrame:
    return _rows("select * from data_freshness order by source")


def table_exists(name: str) -> bool:
    if current_access() is None:
        return False
    found = _query(
        "select count(*) as n from information_schema.tables where table_catalog = 's' and table_name = ?", (name,)
    )
    return bool(found["n"].iloc[0])


# Vega's locale for charts: decimal comma, space between thousands, Swedish month and day names.
CHART_LOCALE = {
    "number": {"decimal": ",", "thousands": "\u00a0", "grouping": [3], "currency": ["", "\u00a0kr"]},
    "time": {
        "dateTime": "%A den %d %B %Y %X",
        "date": "%Y-%m-%d",
        "time": "%H:%M:%S",
        "periods": ["fm", "em"],
        "days": ["söndag", "måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag"],
        "shortDays": ["sön", "mån", "tis", "ons", "tor", "fre", "lör"],
        "months": list(MONTHS),
        "shortMonths": [month[:3] for month in MONTHS],
    },
}

QUARTILE_TEXT = {
    1: "bästa fjärdedelen",
    2: "näst bästa fjärdedelen",
    3: "näst sämsta fjärdedelen",
    4: "sämsta fjärdedelen",
}
# Öppna jämförelser's colours: green for the best quarter, red for the worst, yellow between.
QUARTILE_COLOUR = {1: "#2e7d32", 2: "#f9a825", 3: "#f9a825", 4: "#c62828"}


# --- Förädlingsvärde and Likvärdighet (issue 10) ----------------------------------------------------------
# Served marts an older snapshot may not hold yet: each reader returns an empty frame when its table is
# missing (the page then says "Inga uppgifter ännu"), and the rows the current user may see otherwise.
NO_DATA_YET = "Inga uppgifter ännu: serveringsfilen innehåller inte den här tabellen. Kör `skolanalys run`."


def _served(table: str, sql: str, params: tuple = ()) -> pd.DataFrame:
    if not table_exists(table):
        return pd.DataFrame()
    return _rows(sql, params)


def value_added(stage: str, model: str, outcome: str, gender: str) -> pd.DataFrame:
    """Förädlingsvärde per school unit and the kommun, every cohort and all cohorts pooled (cohort null)."""
    return _served(
        "value_added",
        "select * from value_added where stage = ? and model = ? and outcome = ? and gender = ?"
        " order by level, unit_code, cohort nulls first",
        (stage, model, outcome, gender),
    )


def value_added_population(stage: str, gender: str) -> pd.DataFrame:
    """Who the value added is about: pupils with and without a prior, movers, arrivals, leavers, newly arrived."""
    return _served(
        "value_added_population",
        "select * from value_added_population where stage = ? and gender = ? order by level, unit_code, cohort",
        (stage, gender),
    )


def cohort_progression(gender: str) -> pd.DataFrame:
    """Kohortens väg: share reaching the pass level at every measuring point åk 1–9, per cohort and unit."""
    return _served(
        "cohort_progression",
        "select * from cohort_progression where gender = ? order by cohort, level, unit_code, grade_level, occasion",
        (gender,),
    )


def salsa_comparison(outcome: str) -> pd.DataFrame:
    return _served(
        "salsa_comparison",
        "select * from salsa_comparison where outcome = ? order by year, unit_code, source",
        (outcome,),
    )


def equity_gaps(outcome: str, dimension: str) -> pd.DataFrame:
    return _served(
        "equity_gaps",
        "select * from equity_gaps where outcome = ? and dimension = ? order by level, unit_code, year",
        (outcome, dimension),
    )


def equity_decomposition() -> pd.DataFrame:
    return _served("equity_decomposition", "select * from equity_decomposition order by measure, year")


def similar_units() -> pd.DataFrame:
    return _served("similar_units", "select * from similar_units order by unit_code, rank")


def similar_units_comparison() -> pd.DataFrame:
    return _served("similar_units_comparison", "select * from similar_units_comparison order by unit_code, year")


def format_count(value, status: str = "") -> str:
    """A count of pupils: '1 204' (space between thousands), the reason code when hidden, '.' when missing."""
    if status:
        return status
    if value is None or pd.isna(value):
        return "."
    return f"{int(value):,}".replace(",", "\u00a0")


def format_interval(low, high, status: str = "") -> str:
    """A 95 % interval with signs and decimal commas: '-2,1 till +5,4'; the reason code when hidden."""
    if status:
        return status
    if low is None or high is None or pd.isna(low) or pd.isna(high):
        return "."
    return f"{format_change(low)} till {format_change(high)}"


# --- Målstyrning: the board's goals (Översikt; docs/goals.md) ---------------------------------------------


def goal_status() -> pd.DataFrame:
    """Each goal's status per year of its period (an older snapshot without goals: an empty frame)."""
    return _served("goal_status", "select * from goal_status order by goal_sort_order, goal_id, year")


def goal_results() -> pd.DataFrame:
    """Every measure of the goals per unit and year, the rows the current user may see."""
    return _served(
        "goal_results",
        "select * from goal_results order by goal_sort_order, goal_id, measure_no, level, unit_name, year",
    )


def goal_actions() -> pd.DataFrame:
    return _served("goal_actions", "select * from goal_actions order by goal_sort_order, goal_id, action_no")


# --- The topic pages: term grades, grade vs. test, attendance per period, surveys (issue 11) -------------


def unit_names() -> dict[str, str]:
    """unit_code → name of every school unit and kommun that indicator_values names (the tables without a
    name column — grade_test_discrepancy, survey_results — are named from it)."""
    df = _rows(
        "select distinct level, unit_code, unit_name from indicator_values where level in ('skolenhet', 'kommun')"
        " order by level, unit_code"
    )
    return dict(zip(df["unit_code"].astype(str), df["unit_name"], strict=True))


def grade_test_discrepancy() -> pd.DataFrame:
    """Provbetyg och betyg: share of pupils whose grade is higher / the same / lower than the test grade."""
    return _served(
        "grade_test_discrepancy",
        "select * from grade_test_discrepancy order by year, grade_level, subject, level, unit_code, gender",
    )


def survey_results() -> pd.DataFrame:
    """The local surveys per area, unit, grade and gender: share positive and index 0–10."""
    return _served(
        "survey_results",
        "select * from survey_results order by survey_type, year, area, level, unit_code, grade_level, gender",
    )


def skolenkaten_results() -> pd.DataFrame:
    """Skolenkäten (Skolinspektionen) as published: index 0–10 per area for the municipality's school units
    and all participating units (riket)."""
    return _served(
        "skolenkaten_results",
        "select * from skolenkaten_results order by respondent_group, year, area_no, level, unit_code, gender",
    )


# --- Skolor and Årshjul (issue 11) --------------------------------------------------------------------------


def indicator_catalogue() -> pd.DataFrame:
    """Every indicator of the catalogue in display order (the Skolor page shows all topics of a school)."""
    return _rows("select * from indicators order by sort_order, indicator_id")


def landing_folders() -> pd.DataFrame:
    """Per landing sub-folder: its files, how many are loaded and when a file was last loaded. No file names,
    reasons or rows — so every role may see it (the Årshjul tells whether the year's data is in); the files
    themselves are on the Datakvalitet page (förvaltningen only)."""
    return _served(
        "data_quality_files",
        "select folder, count(*) as files,"
        " count(*) filter (where outcome in ('loaded', 'partly_quarantined')) as files_loaded,"
        " max(loaded_at) as last_loaded_at"
        " from data_quality_files group by folder order by folder",
    )


def attendance_periods() -> pd.DataFrame:
    """Frånvaro per period (`attendance_by_period`): every unit, school year, period and gender the user may see."""
    return _served(
        "attendance_by_period",
        "select * from attendance_by_period order by level, unit_code, year, period, gender",
    )


def survey_years() -> pd.DataFrame:
    """Which surveys' results are served: one row per survey (its type and school year), from the kommun's rows."""
    return _served(
        "survey_results",
        "select distinct survey, survey_type, year, school_year from survey_results where level = 'kommun'"
        " order by year, survey",
    )


def served_years(table: str) -> list[int]:
    """The years a served table holds (SIRIS' unit statistics, Skolenkäten): empty when it has none."""
    if table not in ("siris_unit_statistics", "skolenkaten_results") or not table_exists(table):
        return []
    df = _rows(f"select distinct year from {table} where year is not null order by year")
    return [int(y) for y in df["year"]]


def unit_sources() -> pd.DataFrame:
    """Which sources serve figures per skolenhet: one row per unit code and source (local, skolverket, siris)."""
    return _rows(
        "select distinct unit_code, source from indicator_values where level = 'skolenhet' order by source, unit_code"
    )
