"""The project's parse (pipelines/dbt_manifest.py `ensure_manifest`) runs once when several processes need it at
the same time — a run and the Dagster UI, or the test workers collecting — the others wait for it and find
the manifest current; a change in the project parses again."""

from __future__ import annotations

import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from pipelines import dbt_manifest


@dataclass(frozen=True)
class Project:  # what pipelines/assets/dbt.py hands over of dagster-dbt's DbtProject
    project_dir: Path
    profiles_dir: Path
    manifest_path: Path


def _ensure(project: Project) -> None:
    dbt_manifest.ensure_manifest(project.manifest_path, project.project_dir, project.profiles_dir)


def test_parallel_callers_parse_once_and_a_change_parses_again(tmp_path, monkeypatch):
    folder = tmp_path / "dbt"
    (folder / "models").mkdir(parents=True)
    (folder / "dbt_project.yml").write_text("name: x\n")
    (folder / "profiles.yml").write_text("x: {}\n")
    (folder / "models" / "a.sql").write_text("select 1 as a\n")
    project = Project(folder, folder, folder / "target" / "manifest.json")
    parses = []

    def fake_parse(command, **kwargs):  # dbt parse: slow enough for the callers to meet
        parses.append(command)
        time.sleep(0.5)
        project.manifest_path.write_text("{}")
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(dbt_manifest.subprocess, "run", fake_parse)
    callers = [threading.Thread(target=_ensure, args=(project,)) for _ in range(4)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    assert len(parses) == 1 and "parse" in parses[0]
    _ensure(project)
    assert len(parses) == 1  # current: nothing to do
    (folder / "models" / "a.sql").write_text("select 2 as a\n")
    _ensure(project)
    assert len(parses) == 2
