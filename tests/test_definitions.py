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


def test_nightly_local_run_at_two_and_weekly_national_refresh_in_stockholm():
    schedules = {s.job_name: s for s in defs.schedules}
    assert schedules["nightly_job"].cron_schedule == "0 2 * * *"
    assert schedules["national_job"].cron_schedule == "0 4 * * 1"
    assert {s.execution_timezone for s in schedules.values()} == {"Europe/Stockholm"}
    graph = defs.resolve_asset_graph()
    nightly = defs.resolve_job_def("nightly_job").asset_layer.selected_asset_keys
    assert dg.AssetKey(["kolada", "values"]) not in nightly
    assert dg.AssetKey(["raw", "grades"]) in nightly and dg.AssetKey(["serving", "snapshot"]) in nightly
    assert dg.AssetKey(["kolada", "values"]) in graph.get_all_asset_keys()


def test_runs_in_one_process():
    assert defs.executor is dg.in_process_executor
