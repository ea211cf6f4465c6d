"""Great Expectations suites on the raw tables, as asset checks (blocking ones stop the marts)."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from expectations.runner import validate
from expectations.suites import SUITES, Suite


def suite_check(suite: Suite) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(["raw", suite.table]),
        name=f"gx_{suite.table}",
        description=suite.description_sv,
        blocking=suite.blocking,
    )
    def _check(warehouse: DuckDBResource) -> dg.AssetCheckResult:
        with warehouse.get_connection() as conn:
            frame = conn.execute(f"select * from raw.{suite.table}").df()
        outcome = validate(frame, suite.table, suite.build())
        return dg.AssetCheckResult(
            passed=outcome.success,
            severity=dg.AssetCheckSeverity.ERROR if suite.blocking else dg.AssetCheckSeverity.WARN,
            description=outcome.summary(),
            metadata={
                "rows": len(frame),
                "expectations": outcome.evaluated,
                "failed": len(outcome.findings),
            },
        )

    return _check


raw_table_checks = [suite_check(suite) for suite in SUITES.values()]
