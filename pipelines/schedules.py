"""Automation: the nightly local run, the weekly national refresh, and `skolanalys run` (everything)."""

from __future__ import annotations

import json

import dagster as dg

from pipelines.sensors import LANDING_FOLDER_TAG, folders_subset
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

# What the nightly run saw before it started (skolanalys.preflight), recorded when it succeeds: digests only.
LANDING_DIGEST_TAG, CODE_DIGEST_TAG = "skolanalys/landing_digest", "skolanalys/code_digest"
FOLDERS_DIGEST_TAG, REST_DIGEST_TAG = "skolanalys/folders_digest", "skolanalys/rest_digest"


@dg.schedule(
    job=local_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Europe/Stockholm",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def nightly_schedule(context: dg.ScheduleEvaluationContext):
    """The nightly local run, skipped when nothing is new since the last successful run, and narrowed to what
    news in the municipality's own folders ask for when nothing else is new (as `skolanalys run` does)."""
    settings = load_settings()
    digests = preflight.current(settings)
    if preflight.nothing_new(settings, digests, national=False):
        return dg.SkipReason("Inget nytt i landningsmappen eller programmet sedan förra lyckade körningen.")
    tags = {
        LANDING_DIGEST_TAG: digests.landing,
        CODE_DIGEST_TAG: digests.code,
        FOLDERS_DIGEST_TAG: json.dumps(digests.folders, sort_keys=True),
        REST_DIGEST_TAG: digests.rest,
    }
    folders = preflight.changed_local_folders(settings, digests, national=False)
    if not folders:
        return dg.RunRequest(tags=tags)
    assets, checks = folders_subset(folders, context.repository_def.asset_graph)
    return dg.RunRequest(
        tags={**tags, LANDING_FOLDER_TAG: ",".join(folders)},
        asset_selection=list(assets),
        asset_check_keys=list(checks),
    )


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[local_job],
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def nightly_run_recorded(context: dg.RunStatusSensorContext):
    """After a successful nightly run: what it saw, so that the next night with nothing new is skipped."""
    tags = context.dagster_run.tags
    if LANDING_DIGEST_TAG in tags and CODE_DIGEST_TAG in tags:
        folders = json.loads(tags[FOLDERS_DIGEST_TAG]) if FOLDERS_DIGEST_TAG in tags else None
        digests = preflight.Digests(tags[LANDING_DIGEST_TAG], tags[CODE_DIGEST_TAG], folders, tags.get(REST_DIGEST_TAG))
        preflight.record(load_settings(), digests)


# Kolada publishes a few times a year and Skolverket yearly: weekly is fresh enough and kind to their APIs.
weekly_national_schedule = dg.ScheduleDefinition(
    job=national_job,
    cron_schedule="0 4 * * 1",
    execution_timezone="Europe/Stockholm",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Hämtar Kolada och Skolverket varje måndag kl. 04 och publicerar det som ändrats.",
)
