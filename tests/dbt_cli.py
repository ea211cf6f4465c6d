"""dbt run by the tests outside a whole pipeline run: the pipeline's own command (`skolanalys-dbt`, run from the
warehouse's folder) with the target, logs and warehouse under the test's folder. The target is seeded with the
project's parse (ensure_manifest), as dagster-dbt seeds a run's, so dbt parses only what changed."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from pipelines.assets.dbt import dbt_project, ensure_manifest
from pipelines.dbt_command import dbt_executable, seed_parse
from skolanalys.dbt_vars import WAREHOUSE_PATH_ENV

DBT_DIR = dbt_project.project_dir


def run_dbt(
    args: list[str], warehouse: Path, work: Path, project: Path = DBT_DIR, timeout: int = 1800
) -> subprocess.CompletedProcess:
    target = work / "target"
    target.mkdir(parents=True, exist_ok=True)
    if Path(project) == DBT_DIR:
        ensure_manifest()
        seed_parse(target)
    env = dict(os.environ)
    env.update(
        {WAREHOUSE_PATH_ENV: str(warehouse)},
        SKOLANALYS_KOMMUNKOD="1261",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",  # tests never touch the network
    )
    command = [
        dbt_executable(),
        *args,
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project),
        "--target-path",
        str(target),
        "--log-path",
        str(work / "logs"),
    ]
    return subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=timeout)
