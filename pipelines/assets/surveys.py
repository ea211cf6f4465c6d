"""Raw survey tables from enkater/: the question catalogues and the answers, keyed [raw, <table>].

One multi-asset writes both tables, because answers are validated against the catalogues of the same load
and because they share one quarantine kind (`enkater`), which a load replaces as a whole. Unlike the other
kinds, enkater/ is read whole rather than file by file through the ledger: a corrected catalogue changes
which earlier answers are valid, and survey exports are small. Each file still gets an
outcome in raw.landing_files (folder enkater). A folder whose files and reader are the same as at the last
load is not read again (pipelines/folder_loads.py): a nightly run costs what is new.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from expectations.suites import prepare_checks
from pipelines import folder_loads
from pipelines.assets.landing import outcome_metadata
from pipelines.executor import landing_folder
from pipelines.metadata import UNCHANGED
from pipelines.resources import LandingConfig
from pipelines.warehouse import replace_quarantine, replace_table
from sources.landing import contract, surveys
from sources.landing.outcomes import replace_folder
from sources.landing.registry import KIND_SIGNATURES
from sources.landing.surveys import ANSWERS, FOLDER, QUESTIONS, read_survey_folder

QUESTIONS_KEY = dg.AssetKey(["raw", QUESTIONS.table])
ANSWERS_KEY = dg.AssetKey(["raw", ANSWERS.table])


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            QUESTIONS_KEY,
            group_name="landing",
            description=f"{QUESTIONS.description}. Läses från {FOLDER}/<enkät>_fragor.csv.",
            kinds={"polars", "duckdb"},
        ),
        dg.AssetSpec(
            ANSWERS_KEY,
            group_name="landing",
            description=f"{ANSWERS.description}. Läses från {FOLDER}/, prövade mot frågekatalogen.",
            kinds={"polars", "duckdb"},
            deps=[QUESTIONS_KEY],
        ),
    ],
    name="raw_surveys",
    op_tags=landing_folder(FOLDER),
)
def survey_assets(context: dg.AssetExecutionContext, landing: LandingConfig, warehouse: DuckDBResource):
    folder = landing.folder(FOLDER)
    state = folder_loads.fingerprint(folder, surveys, contract)
    if folder_loads.unchanged(context, warehouse, FOLDER, state, f"raw.{QUESTIONS.table}"):
        for key in (QUESTIONS_KEY, ANSWERS_KEY):
            yield dg.MaterializeResult(asset_key=key, metadata={UNCHANGED: True})
        return
    prepare_checks(QUESTIONS.table)  # the question catalogues' GX check follows: GX imported meanwhile
    load = read_survey_folder(folder, other_kinds=KIND_SIGNATURES)
    with warehouse.get_connection() as conn:
        conn.begin()  # the tables, their quarantine, the outcomes and the folder state together or not at all
        replace_table(conn, f"raw.{QUESTIONS.table}", load.questions)
        replace_table(conn, f"raw.{ANSWERS.table}", load.answers)
        replace_quarantine(conn, FOLDER, load.quarantine)
        replace_folder(conn, FOLDER, load.statuses)
        folder_loads.record_loaded(conn, FOLDER, state)
        conn.commit()
    for message in load.messages:
        context.log.warning(message)
    shared = {
        "files": len(load.results),
        "identical_files_skipped": len(load.skipped_identical),
        "rows_in": load.rows_in,
        "rows_quarantined": load.quarantine.height,
        "rows_superseded_by_later_files": load.superseded_rows,
        **outcome_metadata(load.statuses),
        "messages": dg.MetadataValue.md("\n".join(f"- {m}" for m in load.messages) or "inga"),
    }
    yield dg.MaterializeResult(asset_key=QUESTIONS_KEY, metadata={"dagster/row_count": load.questions.height})
    yield dg.MaterializeResult(asset_key=ANSWERS_KEY, metadata={"dagster/row_count": load.answers.height, **shared})
