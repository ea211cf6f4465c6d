"""Automation: the nightly local run, the weekly national refresh, and `skolanalys run` (everything)."""

from __future__ import annotations

import dagster as dg

NATIONAL = dg.AssetSelection.groups("national")

everything_job = dg.define_asset_job(
    "everything_job",
    selection=dg.AssetSelection.all(),
    description="Allt: nationella källor, landningsmappen, alla marts och serveringsfilen (`skolanalys run`).",
)

local_job = dg.define_asset_job(
    "nightly_job",
    selection=dg.AssetSelection.all() - NATIONAL,
    description="Läser landningsmappen, bygger alla marts och publicerar serveringsfilen.",
)

national_job = dg.define_asset_job(
    "national_job",
    selection=NATIONAL | NATIONAL.downstream(),
    description="Hämtar Kolada och Skolverket, bygger om jämförelserna och publicerar serveringsfilen.",
)

nightly_schedule = dg.ScheduleDefinition(
    job=local_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Europe/Stockholm",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

# Kolada publishes a few times a year and Skolverket yearly: weekly is fresh enough and kind to their APIs.
weekly_national_schedule = dg.ScheduleDefinition(
    job=national_job,
    cron_schedule="0 4 * * 1",
    execution_timezone="Europe/Stockholm",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
