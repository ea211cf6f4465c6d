"""The suites of expectations/ on the raw tables, as asset checks (blocking ones stop the marts).

Each check validates the rows of files it has not yet passed with (see expectations/runner.py) and records
them when it passes; it writes only its own bookkeeping table, checks.validated_files.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from expectations.runner import run_suite
from expectations.suites import SUITES, Suite
from pipelines.executor import LONGEST_CHAIN
from sources.landing.attendance.schema import TABLE as ATTENDANCE_TABLE


def suite_check(suite: Suite) -> dg.AssetChecksDefinition:
    severity = dg.AssetCheckSeverity.ERROR if suite.blocking else dg.AssetCheckSeverity.WARN

    @dg.asset_check(
        asset=dg.AssetKey(["raw", suite.table]),
        name=suite.check_name,
        description=suite.description_sv,
        blocking=suite.blocking,
        additional_deps=[dg.AssetKey(["raw", t]) for t in suite.uses],
        op_tags=LONGEST_CHAIN if f"raw.{suite.table}" == ATTENDANCE_TABLE else {},  # pipelines/executor.py
    )
    def _check(warehouse: DuckDBResource) -> dg.AssetCheckResult:
        with warehouse.get_connection() as conn:
            outcome = run_suite(conn, suite)
        return dg.AssetCheckResult(
            passed=outcome.success,
            severity=severity,
            description=outcome.summary(),
            metadata={
                "rows_validated": outcome.rows,
                "new_files": outcome.files,
                "expectations": outcome.evaluated,
                "failed": len(outcome.findings),
                "seconds": round(outcome.seconds, 3),
            },
        )

    return _check


raw_table_checks = [suite_check(suite) for suite in SUITES.values()]
