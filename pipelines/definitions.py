"""The Dagster code location of Skolanalys: `skolanalys ui` (dagster dev -m pipelines.definitions) opens it."""

from __future__ import annotations

import dagster as dg

from pipelines.assets.dbt import dbt_models
from pipelines.assets.goals import goal_assets
from pipelines.assets.landing import landing_assets
from pipelines.assets.national import national_assets
from pipelines.assets.national_files import national_file_assets
from pipelines.assets.national_reference import national_reference_assets
from pipelines.assets.serving import serving_snapshot
from pipelines.assets.side_tables import SIDE_TABLES
from pipelines.assets.surveys import survey_assets
from pipelines.checks import raw_table_checks
from pipelines.executor import side_by_side_executor
from pipelines.resources import build_resources
from pipelines.run_monitor import dead_run_monitor
from pipelines.schedules import (
    everything_job,
    local_job,
    national_job,
    nightly_run_recorded,
    nightly_schedule,
    weekly_national_schedule,
)
from pipelines.sensors import landing_jobs, landing_sensors
from skolanalys.settings import Settings, load_settings


def build_definitions(settings: Settings) -> dg.Definitions:
    return dg.Definitions(
        assets=[
            *SIDE_TABLES,
            *landing_assets,
            survey_assets,
            goal_assets,
            *national_assets,
            *national_file_assets,
            *national_reference_assets,
            dbt_models,
            serving_snapshot,
        ],
        asset_checks=raw_table_checks,
        sensors=[*landing_sensors, dead_run_monitor, nightly_run_recorded],
        jobs=[everything_job, local_job, national_job, *landing_jobs.values()],
        schedules=[nightly_schedule, weekly_national_schedule],
        resources=build_resources(settings),
        # One process: DuckDB allows one writer per file; steps in parallel processes fight for its lock. Its
        # independent steps run side by side in threads (pipelines/executor.py).
        executor=side_by_side_executor,
    )


defs = build_definitions(load_settings())
