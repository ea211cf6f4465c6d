"""Great Expectations suites on the raw tables, as asset checks (blocking ones stop the marts)."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from expectations.runner import validate
from expectations.suites import SUITES, Suite


def _missing_tables(conn, tables: tuple[str, ...]) -> list[str]:
    rows = conn.execute("select table_name from information_schema.tables where table_schema = 'raw'").fetchall()
    present = {row[0] for row in rows}
    return [f"raw.{t}" for t in tables if t not in present]


def suite_check(suite: Suite) -> dg.AssetChecksDefinition:
    severity = dg.AssetCheckSeverity.ERROR if suite.blocking else dg.AssetCheckSeverity.WARN

    @dg.asset_check(
        asset=dg.AssetKey(["raw", suite.table]),
        name=suite.check_name,
        description=suite.description_sv,
        blocking=suite.blocking,
        additional_deps=[dg.AssetKey(["raw", t]) for t in suite.uses],
    )
    def _check(warehouse: DuckDBResource) -> dg.AssetCheckResult:
        with warehouse.get_connection() as conn:
            # A referential check can run before the other table has ever been loaded.
            missing = _missing_tables(conn, suite.tables)
            frame = None if missing else conn.execute(suite.sql).df()
        if missing:
            return dg.AssetCheckResult(
                passed=False,
                severity=severity,
                description=f"{suite.check_name}: tabellen {', '.join(missing)} finns inte än; läs in den först.",
            )
        outcome = validate(frame, suite.check_name.removeprefix("gx_"), suite.build())
        return dg.AssetCheckResult(
            passed=outcome.success,
            severity=severity,
            description=outcome.summary(),
            metadata={
                "rows": len(frame),
                "expectations": outcome.evaluated,
                "failed": len(outcome.findings),
            },
        )

    return _check


raw_table_checks = [suite_check(suite) for suite in SUITES.values()]
