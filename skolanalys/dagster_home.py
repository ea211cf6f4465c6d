"""DAGSTER_HOME made ready for a run or the UI: the project's dagster.yaml with the event storage's folder
written out.

The project's event storage (pipelines/event_storage.py) is named in dagster.yaml; Dagster gives a storage
named there no default folder, so the folder is written into the copy in DAGSTER_HOME, where Dagster keeps
event logs by default (history/runs). An instance opened from that folder by path (not through the
DAGSTER_HOME variable) then finds the same history. Imports no Dagster: `skolanalys run` prepares the folder
before it knows whether a run is needed.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from skolanalys.settings import REPO_ROOT

INSTANCE_YAML = "dagster.yaml"
WRITTEN_BY = "# Written by `skolanalys` from the repository's dagster.yaml (skolanalys/dagster_home.py): edit that one."


def event_log_dir(home: Path) -> Path:
    """Where Dagster keeps a home's event logs (one SQLite file a run, and the index)."""
    return home / "history" / "runs"


def prepare_dagster_home(home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    config = yaml.safe_load((REPO_ROOT / INSTANCE_YAML).read_text(encoding="utf-8"))
    config["event_log_storage"]["config"] = {"base_dir": str(event_log_dir(home.resolve()))}
    text = yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
    (home / INSTANCE_YAML).write_text(f"{WRITTEN_BY}\n{text}", encoding="utf-8")
