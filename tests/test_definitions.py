"""The Dagster code location: what the data engineer sees in the UI, and the automation it runs."""

from __future__ import annotations

import dagster as dg

from pipelines.definitions import defs


def test_raw_assets_share_keys_with_dbt_sources_so_lineage_connects():
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {"raw/enrolments", "raw/grades", "marts/indicator_values", "serving/snapshot"} <= keys
    staging = graph.get(dg.AssetKey(["staging", "stg_raw__grades"]))
    assert dg.AssetKey(["raw", "grades"]) in staging.parent_keys
    serving = graph.get(dg.AssetKey(["serving", "snapshot"]))
    assert dg.AssetKey(["marts", "indicator_values"]) in serving.parent_keys


def test_grade_suite_is_a_blocking_check_and_dbt_tests_are_checks():
    graph = defs.resolve_asset_graph()
    checks = {key.name: key for key in graph.asset_check_keys}
    assert "gx_grades" in checks
    assert any(name.startswith("unique_combination") for name in checks)
    spec = graph.get_check_spec(checks["gx_grades"])
    assert spec.blocking


def test_nightly_schedule_runs_everything_at_two_in_stockholm():
    (schedule,) = defs.schedules
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Europe/Stockholm"
    assert schedule.job_name == "nightly_job"


def test_runs_in_one_process():
    assert defs.executor is dg.in_process_executor
