"""National files the data engineer downloads and drops in the landing folder: SIRIS exports (`siris/`, CSV
and Excel, skolenhet, kommun and riket) and Skolinspektionen's Skolenkäten reports (`skolenkaten/`). Kept as
published, every row accounted for; each SIRIS file's outcome is in raw.landing_files (folder siris). A
folder whose files and reader are the same as at its last load is not read again (pipelines/folder_loads.py)."""

from collections.abc import Callable
from pathlib import Path

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from pipelines import folder_loads
from pipelines.metadata import UNCHANGED
from pipelines.resources import LandingConfig
from pipelines.warehouse import replace_quarantine, replace_table
from sources.landing.outcomes import FileStatus, attention_markdown, replace_folder
from sources.national import siris, skolenkaten
from sources.result import LoadResult, empty_quarantine


def _read_all(
    paths: list[Path], reader: Callable[[Path], LoadResult], errors: tuple[type[Exception], ...], context
) -> list[tuple[Path, LoadResult | str]]:
    """Read each file, in order: its LoadResult, or — for a file the reader does not recognise, named in a
    warning — the reader's reason."""
    outcomes: list[tuple[Path, LoadResult | str]] = []
    for path in paths:
        try:
            result = reader(path)
        except errors as exc:
            context.log.warning(str(exc))
            outcomes.append((path, str(exc)))
            continue
        outcomes.append((path, result))
        for message in result.messages:  # what the reader recognised and skipped, for the data engineer
            context.log.info(message)
    return outcomes


def _loaded(outcomes: list[tuple[Path, LoadResult | str]]) -> tuple[list[LoadResult], pl.DataFrame, dict]:
    """The files read, their quarantine together, and the asset's metadata: files read and rejected, rows
    in and quarantined, and a line per file."""
    loaded = [result for _, result in outcomes if isinstance(result, LoadResult)]
    quarantine = pl.concat([r.quarantine for r in loaded]) if loaded else empty_quarantine()
    metadata = {
        "files": len(loaded),
        "files_rejected": len(outcomes) - len(loaded),
        "rows_in": sum(r.rows_in for r in loaded),
        "rows_quarantined": quarantine.height,
        "per_file": dg.MetadataValue.md(
            "\n".join(
                f"- {r.source_file.name}: {r.rows_in} in, {r.rows.height} laddade, {r.quarantine.height} i karantän"
                for r in loaded
            )
            or "inga filer"
        ),
    }
    return loaded, quarantine, metadata


def _siris_outcomes(folder: Path, results: dict[str, LoadResult | str]) -> list[FileStatus]:
    """Every entry of siris/ in raw.landing_files (folder siris): loaded, loaded with cells in quarantine, not
    recognised as a SIRIS export (rejected, with the reader's reason), or not a file this folder takes."""
    statuses = []
    for name, result in sorted(results.items()):
        size = (folder / name).stat().st_size
        if isinstance(result, str):
            statuses.append(FileStatus("siris", name, "rejected", f"ej igenkänd: {result}", size_bytes=size))
            continue
        outcome = "partly_quarantined" if result.quarantine.height else "loaded"
        reason = f"{result.quarantine.height} värden i karantän" if result.quarantine.height else None
        statuses.append(
            FileStatus(
                "siris",
                name,
                outcome,
                reason,
                size_bytes=size,
                rows_in=result.rows_in,
                rows_loaded=result.rows.height,
                rows_quarantined=result.quarantine.height,
            )
        )
    for path in siris.other_files(folder):
        kind = "en mapp" if path.is_dir() else f"filtypen {path.suffix or '(ingen)'}"
        if path.name.startswith("~$"):
            kind = "en Excel-låsfil"
        reason = f"{kind} läses inte i siris/ (SIRIS-exporter som .csv eller .xlsx)"
        statuses.append(FileStatus("siris", path.name + ("/" if path.is_dir() else ""), "ignored", reason))
    return statuses


@dg.asset(
    key=["siris", "unit_statistics"],
    group_name="national_files",
    kinds={"polars", "duckdb"},
    description="SIRIS-exporter (CSV och Excel) från landningsmappen siris/: värden per skolenhet, kommun "
    "och riket, mått, ämne och kön, specialkoder som skäl (., .., ~100, *, -); filer som inte känns igen "
    "står som 'ej igenkänd' i raw.landing_files.",
)
def siris_unit_statistics(
    context: dg.AssetExecutionContext, landing: LandingConfig, warehouse: DuckDBResource
) -> dg.MaterializeResult:
    folder = landing.folder("siris")
    state = folder_loads.fingerprint(folder, siris)
    if folder_loads.unchanged(context, warehouse, "siris", state, "siris.unit_statistics"):
        return dg.MaterializeResult(metadata={UNCHANGED: True})
    outcomes = _read_all(siris.siris_files(folder), siris.read_siris, (siris.SirisFormatError,), context)
    loaded, quarantine, metadata = _loaded(outcomes)
    frames = [r.rows.with_columns(pl.lit(r.source_file.name).alias("source_file")) for r in loaded if r.rows.height]
    rows = pl.concat(frames, how="vertical_relaxed") if frames else pl.DataFrame(schema=siris.TABLE_SCHEMA)
    statuses = _siris_outcomes(folder, {path.name: result for path, result in outcomes})
    with warehouse.get_connection() as conn:
        conn.begin()  # the table, its quarantine, the outcomes and the folder's state together or not at all
        replace_table(conn, "siris.unit_statistics", rows.select(list(siris.TABLE_SCHEMA)))
        replace_quarantine(conn, "siris", quarantine)
        replace_folder(conn, "siris", statuses)
        folder_loads.record_loaded(conn, "siris", state)
        conn.commit()
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows.height,
            **metadata,
            "not_loaded": dg.MetadataValue.md(attention_markdown(statuses)),
        }
    )


@dg.asset(
    key=["skolenkaten", "results"],
    group_name="national_files",
    kinds={"polars", "duckdb"},
    description="Skolinspektionens Skolenkäten (Excel) från landningsmappen skolenkaten/: index 0–10 per "
    "område, totalt och per kön, maskerade värden med skäl.",
)
def skolenkaten_results(
    context: dg.AssetExecutionContext, landing: LandingConfig, warehouse: DuckDBResource
) -> dg.MaterializeResult:
    folder = landing.folder("skolenkaten")
    state = folder_loads.fingerprint(folder, skolenkaten)
    if folder_loads.unchanged(context, warehouse, "skolenkaten", state, "skolenkaten.results"):
        return dg.MaterializeResult(metadata={UNCHANGED: True})
    paths = skolenkaten.skolenkaten_files(folder)
    outcomes = _read_all(paths, skolenkaten.read_skolenkaten, (skolenkaten.SkolenkatenFormatError,), context)
    loaded, quarantine, metadata = _loaded(outcomes)
    frames = [r.rows for r in loaded if r.rows.height]
    rows = pl.concat(frames, how="vertical_relaxed") if frames else pl.DataFrame(schema=skolenkaten.ROWS_SCHEMA)
    with warehouse.get_connection() as conn:
        conn.begin()
        replace_table(conn, "skolenkaten.results", rows)
        replace_quarantine(conn, "skolenkaten", quarantine)
        folder_loads.record_loaded(conn, "skolenkaten", state)
        conn.commit()
    return dg.MaterializeResult(metadata={"dagster/row_count": rows.height, **metadata})


national_file_assets = [siris_unit_statistics, skolenkaten_results]
