"""The board's goals from mal/: raw.goals, raw.goal_indicators and raw.goal_actions, keyed [raw, <table>].

One multi-asset writes the three tables, because a goal, its measures and its actions are validated together
(sources/landing/goals.py). The folder is small (a few files of text) and read whole on every run; every file gets an
outcome in raw.landing_files (folder mal) and every invalid goal's problems go to raw.quarantine (kind mal),
each named by file and line. A file or goal that is wrong is a warning, never a failed run.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.assets.landing import outcome_metadata
from pipelines.resources import LandingConfig
from pipelines.warehouse import replace_quarantine, replace_table
from sources.landing.goals import FOLDER, TABLES, read_goal_folder
from sources.landing.outcomes import replace_folder

DESCRIPTIONS = {
    "goals": "Nämndens mål från landningsmappen mal/: titel, period och filens statusregel",
    "goal_indicators": "Målens mått: indikator, nivå, kön, riktning, måltyp och målvärde",
    "goal_actions": "Målens aktiviteter med status och ansvarig",
}
KEYS = {table: dg.AssetKey(["raw", table]) for table in TABLES}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key,
            group_name="landing",
            description=f"{DESCRIPTIONS[table]}. Läses från {FOLDER}/ (YAML eller Excel, docs/contracts.md).",
            kinds={"polars", "duckdb"},
        )
        for table, key in KEYS.items()
    ],
    name="raw_goals",
)
def goal_assets(context: dg.AssetExecutionContext, landing: LandingConfig, warehouse: DuckDBResource):
    load = read_goal_folder(landing.folder(FOLDER))
    with warehouse.get_connection() as conn:
        conn.begin()  # the tables, their quarantine and the outcomes together or not at all
        for table, frame in load.frames().items():
            replace_table(conn, f"raw.{table}", frame)
        replace_quarantine(conn, FOLDER, load.quarantine)
        replace_folder(conn, FOLDER, load.statuses)
        conn.commit()
    for message in load.messages:
        context.log.warning(message)
    shared = {
        "problems": len(load.messages),
        **outcome_metadata(load.statuses),
        "messages": dg.MetadataValue.md("\n".join(f"- {m}" for m in load.messages) or "inga"),
    }
    for table, frame in load.frames().items():
        extra = shared if table == "goals" else {}
        yield dg.MaterializeResult(asset_key=KEYS[table], metadata={"dagster/row_count": frame.height, **extra})
