"""Raw tables from the landing folder: one asset per landing kind, keyed [raw, <table>] like dbt's sources.

Each asset syncs its sub-folder with the ledger raw.loaded_files (sources/landing/folder.py): files whose
content is already loaded are not read again, new files are appended in one transaction each and replace
earlier rows with the same key (a corrected export), and a file that has left the folder keeps its rows and
is flagged `removed` with a warning. Running twice on the same folder changes nothing. The polars kinds
(elever/, betyg/, nationella_prov/, bedomningar/) are read by sources/landing/contract.py; franvaro/ is streamed through
DuckDB by sources/landing/attendance/. Every entry of the folder gets an outcome in raw.landing_files
(sources/landing/outcomes.py); a rejected file is a warning, never a failed run.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.executor import LONGEST_CHAIN, landing_folder
from pipelines.resources import LandingConfig
from sources.landing.attendance import AttendanceLoader
from sources.landing.contract import Kind
from sources.landing.folder import FileLoader, FolderSync, sync_folder
from sources.landing.kind_loader import KindLoader
from sources.landing.kinds import ENROLMENTS, POLARS_KINDS
from sources.landing.outcomes import ROOT, FileStatus, attention_markdown, counts, replace_folder
from sources.landing.registry import KIND_SIGNATURES, root_statuses


def _sync(context: dg.AssetExecutionContext, landing: LandingConfig, warehouse: DuckDBResource, loader: FileLoader):
    with warehouse.get_connection() as conn:
        sync = sync_folder(conn, landing.folder(loader.folder), loader)
        rows = conn.execute(f"select count(*) from {loader.table}").fetchall()[0][0]
        # The landing root is checked with elever/, so that its stray files are reported once a run.
        root = root_statuses(landing.folder("")) if loader.folder == ENROLMENTS.folder else []
        if loader.folder == ENROLMENTS.folder:
            replace_folder(conn, ROOT, root)
    for message in sync.warnings:
        context.log.warning(message)
    for message in [*sync.notes, *(s.line for s in root)]:
        context.log.info(message)
    return dg.MaterializeResult(metadata=_metadata(sync, rows, root))


def outcome_metadata(statuses: list[FileStatus]) -> dict:
    """Counts per outcome and the files that were not loaded, with their reasons (names masked)."""
    return {
        **{f"files_{outcome}": n for outcome, n in counts(statuses).items()},
        "files_not_loaded": dg.MetadataValue.md(attention_markdown(statuses)),
    }


def _metadata(sync: FolderSync, rows: int, root: list[FileStatus]) -> dict:
    messages = [*sync.warnings, *sync.notes]
    return {
        "dagster/row_count": rows,
        "files_loaded": len(sync.loaded),
        "identical_files_skipped": len(sync.identical),
        "files_removed": len(sync.removed),
        "files_unreadable": len(sync.unreadable),
        "rows_in": sync.total("rows_in"),
        "rows_loaded": sync.total("rows_loaded"),
        "rows_quarantined": sync.total("rows_quarantined"),
        "rows_replaced_by_corrections": sync.total("rows_replaced"),
        **outcome_metadata([*sync.statuses, *root]),
        "messages": dg.MetadataValue.md("\n".join(f"- {m}" for m in messages) or "inga"),
    }


def landing_asset(kind: Kind) -> dg.AssetsDefinition:
    @dg.asset(
        key=["raw", kind.table],
        group_name="landing",
        description=f"{kind.description}. Nya filer i landningsmappen {kind.folder}/ läses in (se raw.loaded_files "
        "och raw.landing_files).",
        kinds={"polars", "duckdb"},
        op_tags=landing_folder(kind.folder),
    )
    def _asset(context: dg.AssetExecutionContext, landing: LandingConfig, warehouse: DuckDBResource):
        return _sync(context, landing, warehouse, KindLoader(kind, landing.key, other_kinds=KIND_SIGNATURES))

    return _asset


@dg.asset(
    key=["raw", "attendance"],
    group_name="landing",
    description="Frånvaro per elev och schemalagd lektion. Nya filer i landningsmappen franvaro/ strömmas in "
    "genom DuckDB (se raw.loaded_files och raw.landing_files).",
    kinds={"duckdb"},
    # The run's longest step, started first: the others run beside it (pipelines/executor.py).
    op_tags={**LONGEST_CHAIN, **landing_folder(AttendanceLoader.folder)},
)
def attendance_asset(context: dg.AssetExecutionContext, landing: LandingConfig, warehouse: DuckDBResource):
    return _sync(context, landing, warehouse, AttendanceLoader(landing.key, other_kinds=KIND_SIGNATURES))


landing_assets = [*(landing_asset(kind) for kind in POLARS_KINDS), attendance_asset]
