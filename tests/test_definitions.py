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


def test_runs_in_one_process_with_steps_side_by_side():
    from dagster._core.executor.in_process import InProcessExecutor

    from pipelines.executor import SideBySideExecutor, side_by_side_executor

    assert defs.executor is side_by_side_executor
    job = defs.resolve_job_def("everything_job")
    assert job.executor_def is side_by_side_executor
    assert issubclass(SideBySideExecutor, InProcessExecutor)


def test_dbt_models_are_in_named_groups_by_folder_with_their_keys_unchanged():
    """The UI groups the dbt project by layer, and målstyrning, likvärdighet and förädlingsvärde by topic;
    nothing of the dbt project, nor the tables dbt reads beside the raw assets, is in `default`."""
    from pipelines.assets.dbt import dbt_models
    from pipelines.definitions import SIDE_TABLES

    graph = defs.resolve_asset_graph()
    group = {key.to_user_string(): graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert {
        "staging/stg_raw__grades": "staging",
        "intermediate/int_indicator_values_grades": "intermediate",
        "marts/indicator_values": "marts",
        "marts/goal_results": "goals",
        "staging/stg_goals__goals": "goals",
        "intermediate/int_equity_gaps_computed": "equity",
        "marts/value_added": "value_added",
        "intermediate/int_value_added_estimates": "value_added",
        "reference/indicator_catalogue": "reference",
        "raw/landing_files": "landing",
        "national/fetch_log": "national",
    }.items() <= group.items()
    dbt_keys = {key.to_user_string() for key in dbt_models.keys}
    side_tables = {spec.key.to_user_string() for spec in SIDE_TABLES}
    assert len(dbt_keys) > 50
    assert side_tables <= set(group)
    assert not [key for key, name in group.items() if name == "default"]
    # The national job is the national group and what depends on it: the side table adds nothing to it.
    national = {k.to_user_string() for k in defs.resolve_job_def("national_job").asset_layer.selected_asset_keys}
    assert "national/fetch_log" not in national and "kolada/values" in national


def test_jobs_have_readable_names_and_swedish_descriptions():
    jobs = {job.name: job for job in defs.resolve_all_job_defs() if not job.name.startswith("__")}
    assert {"everything_job", "nightly_job", "national_job", "landing_betyg_job", "landing_franvaro_job"} <= set(jobs)
    for job in jobs.values():
        assert job.description and any(word in job.description for word in ("och", "allt", "Allt")), job.name
    sensors = {s.name: s for s in defs.sensors if s.name.startswith("landing_")}
    assert sensors["landing_betyg"].job_name == "landing_betyg_job"
