"""Sensors on the landing folder: a new, changed or removed file in a sub-folder starts a run of that
folder's raw asset and everything downstream of it, up to and including the serving snapshot.

The cursor is the folder's state — file name → [size, modification time] — which is cheap to take on
every tick even for gigabytes of attendance exports. A file modified within the last SETTLE_SECONDS is left
for a later tick: it may still be being copied in. File names are kept and logged with any personnummer
masked: the cursor is stored in Dagster's database.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import dagster as dg

from pipelines.resources import LandingConfig
from sources.landing import goals
from sources.landing.door import display_name
from sources.landing.kinds import POLARS_KINDS

# Landing sub-folder → the raw assets it feeds (each polars kind: its own table, as declared in kinds.py).
LANDING_FOLDERS: dict[str, tuple[dg.AssetKey, ...]] = {
    **{kind.folder: (dg.AssetKey(["raw", kind.table]),) for kind in POLARS_KINDS},
    "franvaro": (dg.AssetKey(["raw", "attendance"]),),
    "enkater": (dg.AssetKey(["raw", "survey_questions"]), dg.AssetKey(["raw", "survey_answers"])),
    goals.FOLDER: tuple(dg.AssetKey(["raw", table]) for table in goals.TABLES),
}
SETTLE_SECONDS = 30
CHECK_EVERY_SECONDS = 60

FolderState = dict[str, list[int]]


def folder_state(folder: Path, *, settle_seconds: float = SETTLE_SECONDS, now: float | None = None) -> FolderState:
    """name → [size, mtime_ns] of the folder's settled files (hidden files and sub-folders ignored)."""
    if not folder.is_dir():
        return {}
    cutoff = (now if now is not None else time.time()) - settle_seconds
    state = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.is_symlink() or not path.is_file():
            continue
        stat = path.stat()
        if stat.st_mtime <= cutoff:
            name = display_name(path.name)
            # Two names that differ only in a masked personnummer stay two entries.
            while name in state:
                name += "'"
            state[name] = [stat.st_size, stat.st_mtime_ns]
    return state


def changed_files(previous: FolderState, current: FolderState) -> list[str]:
    """Files that are new, changed or removed since the previous state, sorted by name."""
    return sorted(name for name in previous.keys() | current.keys() if previous.get(name) != current.get(name))


def _state_key(folder: str, state: FolderState) -> str:
    digest = hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()[:16]
    return f"{folder}:{digest}"


def landing_sensor(folder: str, keys: tuple[dg.AssetKey, ...]) -> dg.SensorDefinition:
    @dg.sensor(
        name=f"landing_{folder}",
        description=f"Startar en körning av {folder}/ och allt nedströms när en fil i {folder}/ är ny, "
        "ändrad eller borttagen.",
        target=dg.AssetSelection.assets(*keys).downstream(),
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
        shown = ", ".join(changed[:5]) + (f" och {len(changed) - 5} till" if len(changed) > 5 else "")
        context.log.info(f"{folder}/: {shown}")
        # The run key is the folder's state: the same state never starts a second run.
        return dg.RunRequest(run_key=_state_key(folder, current), tags={"skolanalys/landing_folder": folder})

    return _sensor


landing_sensors = [landing_sensor(folder, keys) for folder, keys in LANDING_FOLDERS.items()]
