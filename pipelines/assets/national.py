"""National open data: Kolada (values, KPI list, liknande kommuner) and Skolverket (school units, unit
statistics). One asset per dataset, group `national`, refreshed by the weekly schedule.

Offline first (`_fetch_or_hold`, the one place every asset fetches through): when a source cannot be reached —
or misses its deadline, or answers more than the size cap (NationalSources) — the asset warns, keeps what the
warehouse already holds and says how old it is; it never fails the local pipeline and never stores part of an
answer. Answers are validated before they are stored: a
figure that is not a finite number or lies outside its declared range is rejected with a warning and the cell
keeps its earlier value; units an answer lacks keep theirs. A warehouse that has never reached Kolada starts
from the real values shipped in sources/reference (Källa: Kolada (RKA)).
"""

import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TypeVar

import dagster as dg
import duckdb
import polars as pl
from dagster_duckdb import DuckDBResource

from pipelines import folder_loads
from pipelines.resources import LandingConfig, NationalSources
from pipelines.warehouse import append_rows, record_fetch, replace_table, table_has_rows
from skolanalys.dbt_sources import polars_schema
from sources.landing.school_units import read_school_unit_lists
from sources.national import kolada_api, skolverket_api
from sources.national.http import JsonFetcher, NationalSourceError, OfflineMode
from sources.national.kolada_files import read_shipped_municipality_groups
from sources.national.kolada_history import SHIPPED_AS_OF, SHIPPED_FILES, SHIPPED_ORIGIN, revisions, shipped_values
from sources.national.plausibility import (
    coverage_warnings,
    keep_held,
    range_by,
    rejection_warnings,
    split_implausible,
)
from sources.national.skolverket_stats import read_planned_educations_statistics

GROUP = "national"
FIRST_YEAR = 2010
GROUPS_SCHEMA = polars_schema("kolada.municipality_groups")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _unreachable(context, source: str, conn, exc: NationalSourceError) -> None:
    if isinstance(exc, OfflineMode):  # chosen, not a fault: the held (or shipped) data are used without a warning
        context.log.info(f"{source}: offline-läge; senast hämtade data används")
    else:
        context.log.warning(f"{source}: kunde inte hämtas ({exc}); senast hämtade data används")
    record_fetch(conn, source, ok=False, rows=0, changed=0, message=str(exc))


T = TypeVar("T")
H = TypeVar("H")


def _fetch_or_hold(
    context,
    national: NationalSources,
    conn: duckdb.DuckDBPyConnection,
    source: str,
    url: str,
    fetch: Callable[[JsonFetcher], T],
    hold: Callable[[], H],
) -> tuple[T | H, bool]:
    """Offline first, for every national asset: (fetch(fetcher)'s answer, True) when `source` can be reached,
    else (hold(), False).

    Unreachable is any NationalSourceError: offline mode, a network error, the deadline, the size cap, an answer
    of the wrong shape; nothing of a failed answer is kept. hold() keeps what the warehouse holds (or stores the
    shipped data); after it come the warning (a note in offline mode) and the failed attempt in
    national.fetch_log, which stays the source's last attempt even when hold() records the shipped values.
    """
    try:
        national.ensure_online(url)
        with national.fetcher() as fetcher:  # one deadline for every request of the dataset
            return fetch(fetcher), True
    except NationalSourceError as exc:
        try:
            return hold(), False
        finally:
            _unreachable(context, source, conn, exc)


def _held(conn: duckdb.DuckDBPyConnection, table: str, where: str = "", schema=None) -> pl.DataFrame | None:
    """The rows the warehouse holds in `table` (those matching `where`); when it holds none yet, None or an
    empty frame of `schema`."""
    if table_has_rows(conn, table):
        return conn.sql(f"select * from {table} {where}").pl()
    return pl.DataFrame(schema=schema) if schema is not None else None


def _years() -> range:
    return range(FIRST_YEAR, date.today().year + 1)


def _validated(context, source: str, frame: pl.DataFrame, bounds, describe) -> tuple[pl.DataFrame, int]:
    """The rows of an answer that are finite and within range; each rejected one is a Swedish warning."""
    accepted, rejected = split_implausible(frame, *bounds)
    for line in rejection_warnings(source, rejected, describe):
        context.log.warning(line)
    return accepted, rejected.height


def _kpi_bounds(config: list[kolada_api.KpiConfig]):
    return range_by("kpi_id", {k.id: k.value_range for k in config})


def _record_fetched(conn, source: str, url: str, rows: int, *, rejected: int = 0, changed=None, as_of=None) -> None:
    """A successful fetch in national.fetch_log: the message is the URL and how many values were rejected."""
    message = url if not rejected else f"{url} ({rejected} värden avvisade: ej tal eller utanför intervallet)"
    changed = rows if changed is None else changed
    record_fetch(conn, source, ok=True, rows=rows, changed=changed, message=message, data_as_of=as_of or _now())


def _describe_kolada(row: dict) -> str:
    return f"{row['kpi_id']}, kommun {row['municipality_code']}, år {row['year']}, kön {row['gender']}"


def _describe_ou(row: dict) -> str:
    return f"{row['kpi_id']}, enhet {row['ou_id']}, år {row['year']}, kön {row['gender']}"


def _describe_statistic(row: dict) -> str:
    return f"{row['variable']}, skolenhet {row['school_unit_code']}, läsår {row['time_period']}"


def _age_metadata(conn, source: str) -> dict:
    # fetchall, not fetchone: DuckDB 2.0 refuses new statements while a result is only partly fetched.
    as_of = conn.execute("select max(data_as_of) from national.fetch_log where source = ? and ok", [source]).fetchall()[
        0
    ][0]
    days = (date.today() - as_of.date()).days if as_of else None
    return {"data_as_of": str(as_of.date()) if as_of else "saknas", "data_age_days": days}


@dg.asset(
    key=["kolada", "kpi_config"],
    group_name=GROUP,
    kinds={"duckdb"},
    description="Konfigurerade Kolada-nyckeltal (sources/kolada_kpis.yaml): enhet och vilket håll som är bäst.",
)
def kolada_kpi_config(warehouse: DuckDBResource) -> dg.MaterializeResult:
    config = kolada_api.load_kpi_config()
    frame = pl.DataFrame(
        [
            {
                "kpi_id": k.id,
                "title": k.title,
                "unit": k.unit,
                "higher_is_better": k.higher_is_better,
                "kpi_group": k.group,
                "ou_data": k.ou_data,
                "period": k.period,
                "position": i,
            }
            for i, k in enumerate(config, start=1)
        ],
        schema=polars_schema("kolada.kpi_config"),
    )
    with warehouse.get_connection() as conn:
        replace_table(conn, "kolada.kpi_config", frame)
    return dg.MaterializeResult(metadata={"dagster/row_count": frame.height})


@dg.asset(
    key=["kolada", "values"],
    group_name=GROUP,
    kinds={"duckdb"},
    deps=[kolada_kpi_config],
    description="Koladas värden för de konfigurerade nyckeltalen, alla kommuner och riket, som publicerade: "
    "varje hämtning lägger till nya och reviderade värden med hämtdatum.",
)
def kolada_values(
    context: dg.AssetExecutionContext, national: NationalSources, warehouse: DuckDBResource
) -> dg.MaterializeResult:
    config = kolada_api.load_kpi_config()
    kpis = [k.id for k in config]
    with warehouse.get_connection() as conn:

        def hold() -> None:  # a warehouse that has never reached Kolada starts from the shipped values
            # The same files, readers and KPI list as when the values were last held against them: what the
            # warehouse holds is that shipped set, or values fetched since, which the shipped set never replaces.
            state = _shipped_state()
            if folder_loads.is_current(conn, SHIPPED_STATE_KEY, state, "kolada.values"):
                return
            held = _held(conn, "kolada.values")
            if held is None or held["origin"].eq_missing(SHIPPED_ORIGIN).all():
                _store_shipped(context, conn, config, held)
            folder_loads.record_loaded(conn, SHIPPED_STATE_KEY, state)

        fetched, reached = _fetch_or_hold(
            context,
            national,
            conn,
            "kolada",
            national.kolada_url,
            lambda fetcher: kolada_api.fetch_values(national.kolada_url, kpis, _years(), fetcher=fetcher),
            hold,
        )
        if not reached:
            return dg.MaterializeResult(metadata={"fetched": False, **_age_metadata(conn, "kolada")})
        held = _held(conn, "kolada.values")
        # Rejected cells are simply not appended, so their earlier version stays the newest; cells an answer
        # lacks are untouched for the same reason (kolada.values only ever gains versions).
        accepted, rejected = _validated(context, "Kolada", fetched, _kpi_bounds(config), _describe_kolada)
        asked = held.filter(pl.col("kpi_id").is_in(kpis)) if held is not None else None
        for line in coverage_warnings("Kolada", asked, accepted, "kpi_id", "municipality_code", "kommuner"):
            context.log.warning(line)
        now = _now()
        stamped = accepted.with_columns(pl.lit(now).alias("fetched_at"), pl.lit("api").alias("origin"))
        changed = revisions(held if held is not None else stamped.clear(), stamped)
        append_rows(conn, "kolada.values", changed)
        _record_fetched(
            conn, "kolada", national.kolada_url, accepted.height, rejected=rejected, changed=changed.height, as_of=now
        )
        return dg.MaterializeResult(
            metadata={
                "fetched": True,
                "rows_fetched": fetched.height,
                "rows_rejected": rejected,
                "rows_new_or_revised": changed.height,
                "kpis": len(kpis),
                "municipalities": fetched["municipality_code"].n_unique(),
                **_age_metadata(conn, "kolada"),
            }
        )


SHIPPED_STATE_KEY = "sources/reference: kolada.values"  # the shipped files' entry in folder_loads' state table


def _shipped_state() -> str:
    """The shipped Kolada files and the KPI list, and this module with the readers and checks it uses."""
    return folder_loads.files_fingerprint((*SHIPPED_FILES, kolada_api.DEFAULT_KPI_CONFIG), sys.modules[__name__])


def _store_shipped(
    context, conn: duckdb.DuckDBPyConnection, config: list[kolada_api.KpiConfig], held: pl.DataFrame | None
) -> None:
    """The shipped published values of the configured KPIs (sources.national.kolada_history.shipped_values),
    checked like an answer from Kolada. A warehouse that has only ever held shipped values gets the current
    shipped set in place of the old one (so a newer release's files reach it); nothing is written when it
    already holds exactly that set."""
    values, files = shipped_values([k.id for k in config])
    accepted, rejected = _validated(context, "Kolada (medföljande)", values, _kpi_bounds(config), _describe_kolada)
    if held is not None:
        if held.height == accepted.height and revisions(held, accepted).is_empty():
            return
        conn.execute("delete from kolada.values where origin = ?", [SHIPPED_ORIGIN])
    as_of = datetime.combine(SHIPPED_AS_OF, datetime.min.time())
    stamped = accepted.with_columns(pl.lit(as_of).alias("fetched_at"), pl.lit(SHIPPED_ORIGIN).alias("origin"))
    append_rows(conn, "kolada.values", stamped)
    accounted = ", ".join(
        f"{f.result.source_file.name}: {f.result.rows_in} in, {f.result.rows.height} laddade, "
        f"{f.result.quarantine.height} i karantän, {f.used} används"
        for f in files
    )
    context.log.warning(
        f"Kolada: använder de medföljande publicerade värdena per {SHIPPED_AS_OF} ({accounted}; "
        f"{rejected} avvisade: ej tal eller utanför intervallet)"
    )
    record_fetch(
        conn,
        "kolada",
        ok=True,
        rows=stamped.height,
        changed=stamped.height,
        message="medföljande publicerade värden (sources/reference/kolada)",
        data_as_of=as_of,
    )


def _groups_by_year(*sources: pl.DataFrame) -> pl.DataFrame:
    """Each year's group once, from the first source that has that year (callers pass the freshest first)."""
    groups = pl.DataFrame(schema=GROUPS_SCHEMA)
    for frame in sources:
        frame = frame.select(list(GROUPS_SCHEMA)).cast(GROUPS_SCHEMA)
        later = frame.join(groups.select("year").unique(), on="year", how="anti", nulls_equal=True)
        groups = pl.concat([groups, later])
    return groups.sort("year", "group_id", "member_code", nulls_last=True)


def _shipped_groups(context, kommunkod: str) -> pl.DataFrame:
    """The configured municipality's groups in the shipped files, every vintage (2022, 2024)."""
    results = read_shipped_municipality_groups()
    for r in results:
        if not r.quarantine.is_empty():
            context.log.warning(f"{r.source_file.name}: {r.quarantine.height} medlemmar i karantän")
    return (
        pl.concat([r.rows for r in results])
        .filter(pl.col("municipality_code") == kommunkod)
        .select("group_id", "year", pl.col("municipality_code").alias("home_code"), "member_code", "member_name")
    )


@dg.asset(
    key=["kolada", "municipality_groups"],
    group_name=GROUP,
    kinds={"duckdb"},
    description="Koladas 'Liknande kommuner grundskola' för kommunen, varje år Kolada reviderat gruppen: sju "
    "kommuner med liknande förutsättningar.",
)
def kolada_municipality_groups(
    context: dg.AssetExecutionContext, national: NationalSources, landing: LandingConfig, warehouse: DuckDBResource
) -> dg.MaterializeResult:
    """Every year's group of the configured municipality: Kolada's answer for the years it has, then what the
    warehouse holds, then the shipped vintages (sources/reference) — a year's group comes whole from the first
    of these that has it. dbt picks the group of each comparison year (stg_kolada__municipality_groups)."""
    shipped = _shipped_groups(context, landing.kommunkod)

    def from_kolada(fetcher: JsonFetcher) -> pl.DataFrame:
        return kolada_api.fetch_similar_municipalities(national.kolada_url, landing.kommunkod, fetcher=fetcher).select(
            "group_id",
            "year",
            pl.lit(landing.kommunkod).alias("home_code"),
            pl.col("municipality_code").alias("member_code"),
            pl.col("municipality_title").alias("member_name"),
        )

    with warehouse.get_connection() as conn:
        held = _held(conn, "kolada.municipality_groups", schema=GROUPS_SCHEMA)
        held = held.filter(pl.col("home_code") == landing.kommunkod)
        api, _ = _fetch_or_hold(
            context,
            national,
            conn,
            "kolada_groups",
            national.kolada_url,
            from_kolada,
            lambda: pl.DataFrame(schema=GROUPS_SCHEMA),
        )
        groups = _groups_by_year(api, held, shipped)
        replace_table(conn, "kolada.municipality_groups", groups)
        if groups.is_empty():
            context.log.warning(f"Inga liknande kommuner hittades för {landing.kommunkod}")
        years = sorted({y for y in groups["year"].to_list() if y is not None})
        return dg.MaterializeResult(
            metadata={"dagster/row_count": groups.height, "years": ", ".join(map(str, years)) or "inga"}
        )


@dg.asset(
    key=["skolverket", "school_units"],
    group_name=GROUP,
    kinds={"duckdb"},
    description="Skolenhetsregistret: kommunens skolenheter (kommunala och fristående) med namn och status.",
)
def skolverket_school_units(
    context: dg.AssetExecutionContext, national: NationalSources, landing: LandingConfig, warehouse: DuckDBResource
) -> dg.MaterializeResult:
    own_list, messages = read_school_unit_lists(landing.folder("skolenheter"))
    for message in messages:
        context.log.warning(message)
    url = national.skolenhetsregistret_url
    with warehouse.get_connection() as conn:
        units, fetched = _fetch_or_hold(
            context,
            national,
            conn,
            "skolenhetsregistret",
            url,
            lambda fetcher: skolverket_api.fetch_school_units(url, landing.kommunkod, fetcher=fetcher),
            lambda: _held(
                conn, "skolverket.school_units", "where status is not null", skolverket_api.SCHOOL_UNIT_SCHEMA
            ),
        )
        if fetched:
            _record_fetched(conn, "skolenhetsregistret", url, units.height)
        # Units only the municipality's own list knows get their name from it (status unknown: null).
        extra = own_list.join(units.select("school_unit_code"), on="school_unit_code", how="anti").select(
            "school_unit_code",
            pl.col("school_unit_name").alias("name"),
            pl.lit(landing.kommunkod).alias("municipality_code"),
        )
        units = pl.concat([units, extra], how="diagonal_relaxed").cast(skolverket_api.SCHOOL_UNIT_SCHEMA)
        replace_table(conn, "skolverket.school_units", units)
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": units.height,
                "from_own_list": extra.height,
                **_age_metadata(conn, "skolenhetsregistret"),
            }
        )


@dg.asset(
    key=["skolverket", "unit_statistics"],
    group_name=GROUP,
    kinds={"duckdb"},
    deps=[skolverket_school_units],
    description="Skolverkets statistik per skolenhet (grundskola) och SALSA, med specialkoder som skäl.",
)
def skolverket_unit_statistics(
    context: dg.AssetExecutionContext, national: NationalSources, landing: LandingConfig, warehouse: DuckDBResource
) -> dg.MaterializeResult:
    url = national.planned_educations_url
    with warehouse.get_connection() as conn:
        codes = [r[0] for r in conn.execute("select school_unit_code from skolverket.school_units").fetchall()]

        def from_skolverket(fetcher: JsonFetcher) -> pl.DataFrame:
            if not codes:
                return pl.DataFrame(schema=skolverket_api.STATISTICS_SCHEMA)
            return pl.concat(
                [
                    skolverket_api.fetch_gr_statistics(url, codes, fetcher=fetcher),
                    skolverket_api.fetch_salsa(url, codes, fetcher=fetcher),
                ]
            )

        def hold() -> pl.DataFrame | None:  # None: keep what the warehouse holds; else the shipped statistics
            if table_has_rows(conn, "skolverket.unit_statistics"):
                return None
            return (
                read_planned_educations_statistics()
                .rows.filter((pl.col("municipality_code") == landing.kommunkod) & (pl.col("school_form") == "gr"))
                .select(list(skolverket_api.STATISTICS_SCHEMA))
            )

        answer, fetched = _fetch_or_hold(context, national, conn, "planned_educations", url, from_skolverket, hold)
        rejected = 0
        if fetched:
            accepted, rejected = _validated(
                context, "Skolverket", answer, skolverket_api.statistic_range(), _describe_statistic
            )
            # a rejected figure, or one the answer lacks, keeps the unit's earlier figure
            held = _held(conn, "skolverket.unit_statistics")
            if held is not None:
                held = held.filter(pl.col("school_unit_code").is_in(codes))  # units no longer listed go
            stats = keep_held(held, accepted, ["school_unit_code", "variable", "time_period"])
        elif answer is None:
            return dg.MaterializeResult(metadata={"fetched": False})
        else:
            stats = answer
        replace_table(conn, "skolverket.unit_statistics", stats)
        if fetched:
            _record_fetched(conn, "planned_educations", url, stats.height, rejected=rejected)
        return dg.MaterializeResult(
            metadata={"dagster/row_count": stats.height, "fetched": fetched, "rows_rejected": rejected}
        )


@dg.asset(
    key=["kolada", "ou_values"],
    group_name=GROUP,
    kinds={"duckdb"},
    deps=[kolada_kpi_config],
    description="Koladas värden per organisatorisk enhet (oudata) för kommunens grundskoleenheter, för de "
    "nyckeltal som har enhetsdata.",
)
def kolada_ou_values(
    context: dg.AssetExecutionContext, national: NationalSources, landing: LandingConfig, warehouse: DuckDBResource
) -> dg.MaterializeResult:
    config = [k for k in kolada_api.load_kpi_config() if k.ou_data]
    kpis = [k.id for k in config]
    url = national.kolada_url

    def from_kolada(fetcher: JsonFetcher) -> tuple[pl.DataFrame, pl.DataFrame]:
        units = kolada_api.fetch_organisational_units(url, landing.kommunkod, fetcher=fetcher)
        return units, kolada_api.fetch_ou_values(url, kpis, units["ou_id"].to_list(), _years(), fetcher=fetcher)

    with warehouse.get_connection() as conn:

        def hold() -> None:  # a warehouse that has never reached Kolada gets the empty tables dbt reads
            if not table_has_rows(conn, "kolada.ou_values"):
                replace_table(conn, "kolada.organisational_units", pl.DataFrame(schema=kolada_api.OU_SCHEMA))
                replace_table(conn, "kolada.ou_values", pl.DataFrame(schema=kolada_api.OU_VALUES_SCHEMA))

        answer, fetched = _fetch_or_hold(context, national, conn, "kolada_oudata", url, from_kolada, hold)
        if not fetched:
            return dg.MaterializeResult(metadata={"fetched": False, **_age_metadata(conn, "kolada_oudata")})
        units, values = answer
        accepted, rejected = _validated(context, "Kolada (enheter)", values, _kpi_bounds(config), _describe_ou)
        # units and values the answer lacks, or had rejected, keep what the warehouse holds
        held_units, held_values = (_held(conn, t) for t in ("kolada.organisational_units", "kolada.ou_values"))
        if held_units is not None:  # another kommunkod's units do not belong here
            held_units = held_units.filter(pl.col("municipality_code") == landing.kommunkod)
        units = keep_held(held_units, units, ["ou_id"])
        if held_values is not None:
            held_values = held_values.filter(pl.col("ou_id").is_in(units["ou_id"].implode()))
        stamped = accepted.with_columns(pl.lit(_now()).alias("fetched_at"))
        replace_table(conn, "kolada.organisational_units", units)
        replace_table(conn, "kolada.ou_values", keep_held(held_values, stamped, ["kpi_id", "ou_id", "year", "gender"]))
        _record_fetched(conn, "kolada_oudata", url, accepted.height, rejected=rejected)
        return dg.MaterializeResult(
            metadata={"dagster/row_count": values.height, "units": units.height, **_age_metadata(conn, "kolada_oudata")}
        )


national_assets = [
    kolada_kpi_config,
    kolada_values,
    kolada_municipality_groups,
    kolada_ou_values,
    skolverket_school_units,
    skolverket_unit_statistics,
]
