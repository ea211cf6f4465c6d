"""The dbt project's parse (dbt/target/manifest.json and dbt's partial-parse file), made once and again only when
the project changes: dagster-dbt builds its assets from the manifest, and every dbt command of a run (the warm
process's included, pipelines/dbt_warm.py) starts from the parse's partial-parse file, so that dbt parses only what
changed since.

Light on purpose (no Dagster, no dbt import): `make setup` runs it (`python -m pipelines.dbt_manifest`), so that a
fresh clone's first run starts from a parsed project as every later run does, instead of parsing the whole project
twice (here, and in the warm dbt process beside the run's first steps): kavlinge's first full build on a fresh
clone 30.2–31.8 s without, 26.0–26.3 s with (docs/benchmarks.md, "Sixteenth session").
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import subprocess
from pathlib import Path

from pipelines.dbt_command import PROJECT_TARGET, dbt_executable
from skolanalys.dbt_vars import DBT_PROJECT_DIR

MANIFEST = PROJECT_TARGET / "manifest.json"
FINGERPRINT = "skolanalys_fingerprint.txt"  # beside the manifest: the fingerprint it was parsed from
# Python packages and modules that the project's dbt Python models (dbt/models/**/*.py) import, relative to
# the repository: their code is part of what those models compute, so a change in it counts as a change of
# the project (a new parse, and a full build instead of none).
PYTHON_MODEL_PACKAGES = ("skolanalys/value_added", "skolanalys/value_added_stages.py", "skolanalys/dbt_vars.py")


def project_fingerprint(project_dir: Path) -> str:
    """A hash of every file dbt parses (and of the Python the models import): the manifest is current
    exactly when it was parsed from these."""
    digest = hashlib.sha256()
    files = [project_dir / "dbt_project.yml", project_dir / "profiles.yml"]
    for folder in ("models", "seeds", "macros", "tests"):
        files.extend(p for p in (project_dir / folder).rglob("*") if p.is_file())
    for path in sorted(files):
        digest.update(str(path.relative_to(project_dir)).encode())
        digest.update(path.read_bytes())
    for package in PYTHON_MODEL_PACKAGES:
        found = project_dir.parent / package
        for path in [found] if found.is_file() else sorted(found.rglob("*.py")):
            digest.update(str(path.relative_to(project_dir.parent)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def run_environment() -> tuple[dict[str, str], str]:
    """This environment with SKOLANALYS_KOMMUNKOD as a run exports it (skolanalys/settings.py), for the parse, and
    that kommunkod.

    dbt's parse keeps the value of each environment variable the project reads, and a later partial parse parses
    again every file that uses one whose value differs, a default taken counting as different from the same value
    set. dbt_project.yml's var kommunkod reads SKOLANALYS_KOMMUNKOD, which every run sets: a parse without it made
    every dbt process of every run parse the 20 models using var('kommunkod') again (~2 s of CPU each;
    docs/benchmarks.md, "Twenty-seventh session")."""
    from skolanalys.settings import KOMMUNKOD_ENV, SettingsError, load_settings  # here: this module stays light

    env = dict(os.environ)
    with contextlib.suppress(SettingsError):  # a bad value: the run names it
        env[KOMMUNKOD_ENV] = load_settings().kommunkod
    return env, env.get(KOMMUNKOD_ENV, "")


def ensure_manifest(
    manifest: Path = MANIFEST,
    project_dir: Path = DBT_PROJECT_DIR,
    profiles_dir: Path = DBT_PROJECT_DIR,
    announce: str | None = None,
) -> Path:
    """Parse the project when the manifest is missing or was parsed from other files, or for another kommunkod,
    than these; `announce` is printed before a parse.

    `dagster dev` re-parses in every process; a plain run or test must not depend on a manual step either.
    The fingerprint is taken before parsing, so a file changed during the parse triggers the next one.
    """
    stamp = manifest.with_name(FINGERPRINT)
    manifest.parent.mkdir(parents=True, exist_ok=True)
    env, kommunkod = run_environment()
    # One parse at a time per checkout (two processes starting together, e.g. a run and the Dagster UI, or the
    # test workers): the others wait for the lock and then find the manifest current.
    with manifest.with_name(".parse.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        fingerprint = f"{project_fingerprint(project_dir)} kommunkod {kommunkod}"
        if not manifest.exists() or not stamp.exists() or stamp.read_text() != fingerprint:
            if announce:
                print(announce, flush=True)
            subprocess.run(
                [
                    dbt_executable(),
                    "parse",
                    "--quiet",
                    "--no-partial-parse",
                    "--project-dir",
                    str(project_dir),
                    "--profiles-dir",
                    str(profiles_dir),
                ],
                check=True,
                cwd=project_dir,
                env=env,
            )
            stamp.write_text(fingerprint)
    return manifest


if __name__ == "__main__":
    ensure_manifest(announce="Tolkar dbt-projektet (första gången och när det ändrats: några sekunder) …")
