"""Automation: the nightly materialisation of everything from the landing folder."""

from __future__ import annotations

import dagster as dg

everything_job = dg.define_asset_job(
    "nightly_job",
    selection=dg.AssetSelection.all(),
    description="Läser landningsmappen, bygger alla marts och publicerar serveringsfilen.",
)

nightly_schedule = dg.ScheduleDefinition(
    job=everything_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Europe/Stockholm",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
