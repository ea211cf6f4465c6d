"""National files the data engineer downloads and drops in the landing folder: SIRIS exports (`siris/`)
and Skolinspektionen's Skolenkäten reports (`skolenkaten/`). Kept as published, every row accounted for."""

from collections.abc import Callable
from pathlib import Path

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from pipelines.resources import LandingConfig
from pipelines.warehouse import replace_quarantine, replace_table
from sources.national import siris, skolenkaten
from sources.result import LoadResult, empty_quarantine


def _read_all(
    paths: list[Path], reader: Callable[[Path], LoadResult], errors: tuple[type[Exception], ...], context
) -> tuple[pl.DataFrame | None, pl.DataFrame, dict]:
    """Read each file; a file the reader does not recognise is named in a warning and skipped."""
    results = []
    for path in paths:
        try:
            result = reader(path)
        except errors as exc:
            context.log.warning(str(exc))
            continue
        results.append(result)
        for message in result.messages:  # what the reader recognised and skipped, for the data engineer
            context.log.info(message)
    frames = [r.rows for r in results if r.rows.height]
    quarantine = pl.concat([r.quarantine for r in results]) if results else empty_quarantine()
    metadata = {
        "files": len(results),
        "files_rejected": len(paths) - len(results),
        "rows_in": sum(r.rows_in for r in results),
        "rows_quarantined": quarantine.height,
        "per_file": dg.MetadataValue.md(
            "\n".join(
                f"- {r.source_file.name}: {r.rows_in} in, {r.rows.height} laddade, {r.quarantine.height} i karantän"
                for r in results
            )
            or "inga filer"
        ),
    }
    return (pl.concat(frames, how="vertical_relaxed") if frames else None), quarantine, metadata


def _land(context, warehouse: DuckDBResource, table: str, kind: str, rows, quarantine, metadata, empty_schema):
    rows = rows if rows is not None else pl.DataFrame(schema=empty_schema)
    with warehouse.get_connection() as conn:
        replace_table(conn, table, rows)
        replace_quarantine(conn, kind, quarantine)
    return dg.MaterializeResult(metadata={"dagster/row_count": rows.height, **metadata})


@dg.asset(
    key=["siris", "unit_statistics"],
    group_name="national_files",
    kinds={"polars", "duckdb"},
    description="SIRIS-exporter från landningsmappen siris/: värden per skolenhet och mått, specialkoder "
    "som skäl (., .., ~100, *, -).",
)
def siris_unit_statistics(
    context: dg.AssetExecutionContext, landing: LandingConfig, warehouse: DuckDBResource
) -> dg.MaterializeResult:
    paths = siris.siris_files(landing.folder("siris"))
    rows, quarantine, metadata = _read_all(paths, siris.read_siris, (siris.SirisFormatError,), context)
    return _land(context, warehouse, "siris.unit_statistics", "siris", rows, quarantine, metadata, siris.ROWS_SCHEMA)


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
    paths = skolenkaten.skolenkaten_files(landing.folder("skolenkaten"))
    rows, quarantine, metadata = _read_all(
        paths, skolenkaten.read_skolenkaten, (skolenkaten.SkolenkatenFormatError,), context
    )
    return _land(
        context, warehouse, "skolenkaten.results", "skolenkaten", rows, quarantine, metadata, skolenkaten.ROWS_SCHEMA
    )


national_file_assets = [siris_unit_statistics, skolenkaten_results]
