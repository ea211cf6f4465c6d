"""Raw survey tables from enkater/: the question catalogues and the answers, keyed [raw, <table>].

One multi-asset writes both tables, because answers are validated against the catalogues of the same load
and because they share one quarantine kind (`enkater`), which a load replaces as a whole. Unlike the other
kinds, enkater/ is re-read whole on every run rather than file by file through the ledger: a corrected
catalogue changes which earlier answers are valid, and survey exports are small. Each file still gets an
outcome in raw.landing_files (folder enkater).
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.assets.landing import outcome_metadata
from pipelines.resources import LandingConfig
from pipelines.warehouse import replace_quarantine, replace_table
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
)
def survey_assets(context: dg.AssetExecutionContext, landing: LandingConfig, warehouse: DuckDBResource):
    load = read_survey_folder(landing.folder(FOLDER), other_kinds=KIND_SIGNATURES)
    with warehouse.get_connection() as conn:
        replace_table(conn, f"raw.{QUESTIONS.table}", load.questions)
        replace_table(conn, f"raw.{ANSWERS.table}", load.answers)
        replace_quarantine(conn, FOLDER, load.quarantine)
        replace_folder(conn, FOLDER, load.statuses)
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
