"""Automation: the nightly local run, the weekly national refresh, and `skolanalys run` (everything)."""

from __future__ import annotations

import dagster as dg

from skolanalys import preflight
from skolanalys.settings import load_settings

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

# What the nightly run saw before it started (skolanalys.preflight), recorded when it succeeds.
LANDING_DIGEST_TAG, CODE_DIGEST_TAG = "skolanalys/landing_digest", "skolanalys/code_digest"


@dg.schedule(
    job=local_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Europe/Stockholm",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def nightly_schedule(context: dg.ScheduleEvaluationContext):
    """The nightly local run, skipped when nothing is new since the last successful run."""
    settings = load_settings()
    digests = preflight.current(settings)
    if preflight.nothing_new(settings, digests, national=False):
        return dg.SkipReason("Inget nytt i landningsmappen eller programmet sedan förra lyckade körningen.")
    return dg.RunRequest(tags={LANDING_DIGEST_TAG: digests.landing, CODE_DIGEST_TAG: digests.code})


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[local_job],
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def nightly_run_recorded(context: dg.RunStatusSensorContext):
    """After a successful nightly run: what it saw, so that the next night with nothing new is skipped."""
    tags = context.dagster_run.tags
    if LANDING_DIGEST_TAG in tags and CODE_DIGEST_TAG in tags:
        preflight.record(load_settings(), preflight.Digests(tags[LANDING_DIGEST_TAG], tags[CODE_DIGEST_TAG]))


# Kolada publishes a few times a year and Skolverket yearly: weekly is fresh enough and kind to their APIs.
weekly_national_schedule = dg.ScheduleDefinition(
    job=national_job,
    cron_schedule="0 4 * * 1",
    execution_timezone="Europe/Stockholm",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Hämtar Kolada och Skolverket varje måndag kl. 04 och publicerar det som ändrats.",
)
