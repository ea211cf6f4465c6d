"""The dbt project as Dagster assets (dagster-dbt): staging → intermediate → marts, dbt tests as checks."""

import hashlib
import subprocess
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets
from dagster_duckdb import DuckDBResource

from pipelines.resources import dbt_executable
from skolanalys.settings import DBT_PROJECT_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def _project_fingerprint(project_dir: Path) -> str:
    """A hash of every file dbt parses: the manifest is current exactly when it was parsed from these."""
    digest = hashlib.sha256()
    files = [project_dir / "dbt_project.yml", project_dir / "profiles.yml"]
    for folder in ("models", "seeds", "macros", "tests"):
        files.extend(p for p in (project_dir / folder).rglob("*") if p.is_file())
    for path in sorted(files):
        digest.update(str(path.relative_to(project_dir)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_manifest(project: DbtProject = dbt_project) -> Path:
    """Parse the project when the manifest is missing or was parsed from other files than these.

    `dagster dev` re-parses in every process; a plain run or test must not depend on a manual step either.
    The fingerprint is taken before parsing, so a file changed during the parse triggers the next one.
    """
    manifest = project.manifest_path
    stamp = manifest.with_name("skolanalys_fingerprint.txt")
    fingerprint = _project_fingerprint(project.project_dir)
    if not manifest.exists() or not stamp.exists() or stamp.read_text() != fingerprint:
        subprocess.run(
            [
                dbt_executable(),
                "parse",
                "--quiet",
                "--no-partial-parse",
                "--project-dir",
                str(project.project_dir),
                "--profiles-dir",
                str(project.profiles_dir),
            ],
            check=True,
            cwd=project.project_dir,
        )
        stamp.write_text(fingerprint)
    return manifest


def _with_row_counts(context: dg.AssetExecutionContext, events: list, warehouse: DuckDBResource):
    """Row counts as metadata, counted after dbt has exited: dagster-dbt's fetch_row_counts keeps a dbt
    adapter connection open in this process, which then blocks every other DuckDB connection to the file."""
    with warehouse.get_connection() as conn:
        for event in events:
            if isinstance(event, dg.Output):
                table = ".".join(context.asset_key_for_output(event.output_name).path)
                try:
                    rows = conn.execute(f"select count(*) from {table}").fetchall()[0][0]
                except duckdb.Error:
                    rows = None
                if rows is not None:
                    event = event.with_metadata({**event.metadata, "dagster/row_count": rows})
            yield event


@dbt_assets(manifest=ensure_manifest(), project=dbt_project)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: DuckDBResource):
    events: list = []
    failure: Exception | None = None
    # dbt's unit tests pin the rules on hand-made rows; they run in the test suite (tests/test_dbt_unit.py),
    # not against the municipality's data every night.
    invocation = dbt.cli(["build", "--exclude-resource-type", "unit_test"], context=context)
    try:
        for event in invocation.stream():
            events.append(event)
    except Exception as exc:  # reported after the models that did build
        failure = exc
        # dbt may still be running and holding the warehouse lock: stop it before counting rows.
        invocation.process.terminate()
        invocation.process.wait()
    yield from _with_row_counts(context, events, warehouse)
    if failure is not None:
        raise failure
