"""Sensors on the landing folder: a new, changed or removed file in a sub-folder starts a run of that
folder's job — its raw asset and everything downstream of it, up to and including the serving snapshot.

The cursor is the folder's state — file name → [size, modification time] — which is cheap to take on
every tick even for gigabytes of attendance exports. A file modified within the last SETTLE_SECONDS is left
for a later tick: it may still be being copied in. A folder exactly as the last successful `skolanalys run`
saw it (skolanalys.preflight) starts nothing: that run has loaded its files. File names are kept and logged
with any personnummer masked: the cursor is stored in Dagster's database.
"""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg

from pipelines.assets.side_tables import LANDING_SIDE_KEYS
from pipelines.checks import raw_table_checks
from pipelines.resources import LandingConfig
from skolanalys import preflight
from skolanalys.settings import load_settings
from sources.landing import goals, surveys
from sources.landing.attendance import schema as attendance
from sources.landing.kinds import POLARS_KINDS

# Landing sub-folder → the raw assets it feeds (each polars kind: its own table, as declared in kinds.py).
LANDING_FOLDERS: dict[str, tuple[dg.AssetKey, ...]] = {
    **{kind.folder: (dg.AssetKey(["raw", kind.table]),) for kind in POLARS_KINDS},
    attendance.FOLDER: (dg.AssetKey(attendance.TABLE.split(".")),),
    surveys.FOLDER: tuple(dg.AssetKey(["raw", kind.table]) for kind in (surveys.QUESTIONS, surveys.ANSWERS)),
    goals.FOLDER: tuple(dg.AssetKey(["raw", table]) for table in goals.TABLES),
}
SETTLE_SECONDS = 30
# The run's tag naming the landing folders whose news it loads (a sensor's run, a narrowed `skolanalys run`).
LANDING_FOLDER_TAG = "skolanalys/landing_folder"
CHECK_EVERY_SECONDS = 60

FolderState = preflight.FolderState


def folder_state(folder: Path, *, settle_seconds: float = SETTLE_SECONDS, now: float | None = None) -> FolderState:
    """name → [size, mtime_ns] of the folder's settled files (hidden files and sub-folders ignored)."""
    return preflight.folder_state(folder, settle_seconds=settle_seconds, now=now)


def changed_files(previous: FolderState, current: FolderState) -> list[str]:
    """Files that are new, changed or removed since the previous state, sorted by name."""
    return sorted(name for name in previous.keys() | current.keys() if previous.get(name) != current.get(name))


def _state_key(folder: str, state: FolderState) -> str:
    return f"{folder}:{preflight.folder_digest(state)}"


def folders_selection(folders: list[str]) -> dg.AssetSelection:
    """What news in these landing sub-folders ask for: their raw assets, the landing's shared tables (each
    file's outcome, the ledger, the quarantine: every folder's run writes them) and everything downstream,
    with the checks of each and the checks that read them beside another table (expectations/suites.py
    `uses`), up to and including the serving snapshot."""
    keys = {key for folder in folders for key in LANDING_FOLDERS[folder]}
    shared = dg.AssetSelection.assets(*LANDING_SIDE_KEYS).downstream(include_self=False)  # not executable
    # e.g. the grades' check against the enrolments validates the grades again when new enrolments come
    readers = [
        spec.key
        for checks in raw_table_checks
        for spec in checks.check_specs
        if any(dep.asset_key in keys for dep in spec.additional_deps)
    ]
    return dg.AssetSelection.assets(*keys).downstream() | shared | dg.AssetSelection.checks(*readers)


def folders_subset(folders: list[str], graph) -> tuple[set[dg.AssetKey], set[dg.AssetCheckKey]]:
    """`folders_selection` resolved against the asset graph: the assets and the checks of a run of these
    folders (`skolanalys run` and the nightly schedule narrow to them)."""
    selection = folders_selection(folders)
    return selection.resolve(graph), selection.resolve_checks(graph)


def landing_job(folder: str, keys: tuple[dg.AssetKey, ...]) -> dg.UnresolvedAssetJobDefinition:
    """The run a new file in `folder` starts: named after the folder, so that its runs read well in the UI."""
    return dg.define_asset_job(
        f"landing_{folder}_job",
        selection=folders_selection([folder]),
        description=f"Läser in nya, ändrade och borttagna filer i {folder}/ och bygger om allt nedströms, till "
        f"och med serveringsfilen. Startas av sensorn landing_{folder}.",
        tags={LANDING_FOLDER_TAG: folder},
    )


def landing_sensor(
    folder: str, keys: tuple[dg.AssetKey, ...], job: dg.UnresolvedAssetJobDefinition | None = None
) -> dg.SensorDefinition:
    @dg.sensor(
        name=f"landing_{folder}",
        description=f"Startar landing_{folder}_job ({folder}/ och allt nedströms) när en fil i {folder}/ är ny, "
        "ändrad eller borttagen — inte för filer som den senaste lyckade `skolanalys run` redan har läst in.",
        job=job or landing_job(folder, keys),
        minimum_interval_seconds=CHECK_EVERY_SECONDS,
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def _sensor(context: dg.SensorEvaluationContext, landing: LandingConfig):
        previous: FolderState = json.loads(context.cursor) if context.cursor else {}
        current = folder_state(landing.folder(folder))
        changed = changed_files(previous, current)
        if not changed:
            return dg.SkipReason(f"inga nya eller ändrade filer i {folder}/")
        context.update_cursor(json.dumps(current, sort_keys=True))
        if preflight.loaded_by_last_run(load_settings(), folder, current):
            return dg.SkipReason(f"{folder}/ är som den senaste lyckade körningen såg den: filerna är redan inlästa")
        shown = ", ".join(changed[:5]) + (f" och {len(changed) - 5} till" if len(changed) > 5 else "")
        context.log.info(f"{folder}/: {shown}")
        # The run key is the folder's state: the same state never starts a second run.
        return dg.RunRequest(run_key=_state_key(folder, current), tags={LANDING_FOLDER_TAG: folder})

    return _sensor


landing_jobs = {folder: landing_job(folder, keys) for folder, keys in LANDING_FOLDERS.items()}
landing_sensors = [landing_sensor(folder, keys, landing_jobs[folder]) for folder, keys in LANDING_FOLDERS.items()]
