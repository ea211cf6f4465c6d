"""Every Swedish grundskola unit's published results, SALSA and background, from the files shipped in
sources/reference (sources/national/national_units.py): the official SALSA beside the municipality's own
model, and the pool that liknande skolenheter are chosen from.

Offline first, like the other national data: the shipped files are the start; the SALSA and statistics the
`national` assets fetch for the municipality's own units (skolverket.unit_statistics) take precedence in dbt
where both have a figure. Read again only when the files or their readers change (pipelines/folder_loads.py):
a nightly run costs what is new.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines import folder_loads
from pipelines.metadata import UNCHANGED
from pipelines.warehouse import replace_quarantine, replace_table
from sources.national import national_units as units_reader

STATE_KEY = "sources/reference: national_units"  # the files' entry in folder_loads' state table

UNITS_KEY = dg.AssetKey(["national_units", "school_units"])
VALUES_KEY = dg.AssetKey(["national_units", "unit_values"])


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            UNITS_KEY,
            group_name="national_reference",
            kinds={"polars", "duckdb"},
            description="Alla grundskoleenheter i Sverige (medföljande publicerade filer): namn, kommun, "
            "huvudmannatyp, Koladas enhets-id.",
        ),
        dg.AssetSpec(
            VALUES_KEY,
            group_name="national_reference",
            kinds={"polars", "duckdb"},
            description="Publicerade värden per skolenhet: meritvärde och behörighet 2020/21–2024/25, alla "
            "ämnen, SALSA 2024/25 (Skolverket) och 2023/24 (Kolada), elever i åk 9 och bakgrund (SIRIS 2023/24), "
            "Skolenkätens senaste omgång (VT25/VT26) för elever och vårdnadshavare.",
        ),
    ],
)
def national_units(context: dg.AssetExecutionContext, warehouse: DuckDBResource):
    state = folder_loads.files_fingerprint(units_reader.FILES, units_reader)
    label = "Medföljande skolenhetsfiler (sources/reference)"
    if folder_loads.unchanged(context, warehouse, STATE_KEY, state, "national_units.unit_values", label=label):
        for key in (UNITS_KEY, VALUES_KEY):
            yield dg.MaterializeResult(asset_key=key, metadata={UNCHANGED: True})
        return
    loaded = units_reader.read_national_units()
    for result in loaded.results:
        for message in result.messages:
            context.log.info(message)
    if loaded.quarantine.height:
        context.log.warning(f"Nationella skolenhetsfiler: {loaded.quarantine.height} värden i karantän")
    with warehouse.get_connection() as conn:
        conn.begin()  # the tables, their quarantine and the files' state together or not at all
        replace_table(conn, "national_units.school_units", loaded.units)
        replace_table(conn, "national_units.unit_values", loaded.values)
        replace_quarantine(conn, "national_units", loaded.quarantine)
        folder_loads.record_loaded(conn, STATE_KEY, state)
        conn.commit()
    yield dg.MaterializeResult(asset_key=UNITS_KEY, metadata={"dagster/row_count": loaded.units.height})
    yield dg.MaterializeResult(
        asset_key=VALUES_KEY,
        metadata={"dagster/row_count": loaded.values.height, "rows_quarantined": loaded.quarantine.height},
    )


national_reference_assets = [national_units]
