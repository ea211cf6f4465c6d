"""Raw tables from the landing folder: one asset per landing kind, keyed [raw, <table>] like dbt's sources.

The asset reads every file of its sub-folder through sources/, writes the valid rows (personnummer already
replaced by pupil_key) and replaces the kind's rows in raw.quarantine. Row counts go to the metadata.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.resources import LandingConfig
from pipelines.warehouse import replace_quarantine, replace_table
from sources.landing.contract import Kind, empty_rows
from sources.landing.folder import read_folder
from sources.landing.kinds import POLARS_KINDS


def landing_asset(kind: Kind) -> dg.AssetsDefinition:
    @dg.asset(
        key=["raw", kind.table],
        group_name="landing",
        description=f"{kind.description}. Läses från landningsmappen {kind.folder}/.",
        kinds={"polars", "duckdb"},
    )
    def _asset(context: dg.AssetExecutionContext, landing: LandingConfig, warehouse: DuckDBResource):
        load = read_folder(landing.folder(kind.folder), kind, landing.key, other_kinds=POLARS_KINDS)
        rows = load.rows if load.rows.height else empty_rows(kind)
        with warehouse.get_connection() as conn:
            replace_table(conn, f"raw.{kind.table}", rows)
            replace_quarantine(conn, kind.folder, load.quarantine)
        for message in load.messages:
            context.log.warning(message)
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": load.rows.height,
                "files": len(load.results),
                "identical_files_skipped": len(load.skipped_identical),
                "rows_in": load.rows_in,
                "rows_quarantined": load.quarantine.height,
                "rows_superseded_by_later_files": load.superseded_rows,
                "messages": dg.MetadataValue.md("\n".join(f"- {m}" for m in load.messages) or "inga"),
            }
        )

    return _asset


landing_assets = [landing_asset(kind) for kind in POLARS_KINDS]
