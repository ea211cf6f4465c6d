"""The dbt project as Dagster assets (dagster-dbt): staging → intermediate → marts, dbt tests as checks."""

import json
import os
import shutil
import uuid
from pathlib import Path

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from dagster_duckdb import DuckDBResource

from pipelines import build_state, dbt_manifest
from pipelines.dbt_command import PARTIAL_PARSE, PROJECT_TARGET, RUN_FLAGS, seed_parse
from pipelines.executor import ALONE
from pipelines.metadata import UNCHANGED
from skolanalys.settings import DBT_PROJECT_DIR

dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR, target_path=PROJECT_TARGET.relative_to(DBT_PROJECT_DIR)
)

# Asset groups in the Dagster UI, by the model's folder: a topic folder anywhere under models/ (or an
# intermediate model named after the topic, int_value_added_*) names the group, so that målstyrning,
# likvärdighet and förädlingsvärde each stay together; otherwise the layer. Seeds are `reference`.
TOPIC_GROUPS = ("goals", "equity", "value_added")
LAYER_GROUPS = ("staging", "intermediate", "marts")


class SkolanalysDbtTranslator(DagsterDbtTranslator):
    """dagster-dbt's translator with named groups instead of `default`; asset keys are dagster-dbt's own."""

    def get_group_name(self, dbt_resource_props) -> str | None:
        explicit = super().get_group_name(dbt_resource_props)  # a `dagster: group` in the model's meta wins
        if explicit:
            return explicit
        if dbt_resource_props.get("resource_type") == "seed":
            return "reference"
        folders = dbt_resource_props.get("fqn", [])[1:-1]  # [project, folder, ..., name]
        name = dbt_resource_props.get("name", "")
        for topic in TOPIC_GROUPS:
            if topic in folders or name.startswith(f"int_{topic}_"):
                return topic
        return folders[0] if folders and folders[0] in LAYER_GROUPS else None


def ensure_manifest(project: DbtProject = dbt_project) -> Path:
    """The project's parse, current (pipelines/dbt_manifest.py), for dagster-dbt's project."""
    return dbt_manifest.ensure_manifest(project.manifest_path, project.project_dir, project.profiles_dir)


RUN_TARGET_PREFIX = "run-"
KEPT_RUN_TARGETS = 5


def _run_target_path(run_id: str) -> Path:
    """A target folder of the run's own, seeded with the parse of ensure_manifest: dbt then parses only what
    changed since (partial parsing; a full parse costs seconds). The oldest run folders are removed."""
    target = PROJECT_TARGET
    runs = sorted(target.glob(f"{RUN_TARGET_PREFIX}*"), key=lambda p: p.stat().st_mtime)
    for old in runs[: max(0, len(runs) - KEPT_RUN_TARGETS + 1)]:
        shutil.rmtree(old, ignore_errors=True)
    path = target / f"{RUN_TARGET_PREFIX}{run_id[:8]}-{uuid.uuid4().hex[:6]}"
    seed_parse(path)
    return path


def _keep_parse(run_target: Path) -> None:
    """The run's parse, made in this environment (profile, vars), seeds the next run's partial parsing."""
    parsed = run_target / PARTIAL_PARSE
    if parsed.exists():
        tmp = PROJECT_TARGET / f"{PARTIAL_PARSE}.tmp"
        shutil.copy2(parsed, tmp)
        os.replace(tmp, tmp.with_suffix(""))


def _table_of(source: dict) -> str:
    return f"{source['schema']}.{source['identifier'] or source['name']}"


def _unchanged_outputs(context: dg.AssetExecutionContext, manifest: dict, names: set[str]):
    """An output for each selected model or seed named in `names`, parents before children."""
    by_name = {n["name"]: uid for uid, n in manifest["nodes"].items() if n["resource_type"] in ("model", "seed")}
    selected = {k.path[-1]: k for k in context.selected_asset_keys}
    wanted = {by_name[n] for n in names if n in by_name and n in selected}
    order: list[str] = []

    def visit(uid: str) -> None:
        if uid in order:
            return
        for parent in manifest["parent_map"].get(uid, []):
            if parent in wanted:
                visit(parent)
        order.append(uid)

    for uid in sorted(wanted):
        visit(uid)
    for uid in order:
        key = selected[manifest["nodes"][uid]["name"]]
        yield dg.Output(
            None,
            output_name=context.assets_def.get_output_name_for_asset_key(key),
            metadata={UNCHANGED: True},
        )


def _source_tables(manifest: dict) -> list[str]:
    return sorted({_table_of(s) for s in manifest["sources"].values()})


def _downstream(manifest: dict, tables: list[str]) -> set[str]:
    """The unique ids of every node that depends on one of `tables`, directly or not."""
    queue = [uid for uid, source in manifest["sources"].items() if _table_of(source) in tables]
    seen = set(queue)
    while queue:
        for child in manifest["child_map"].get(queue.pop(), []):
            if child not in seen:
                seen.add(child)
                queue.append(child)
    return seen


def _not_downstream(manifest: dict, tables: list[str]) -> list[str]:
    """Names of the models, seeds and tests that depend on none of `tables`: what a build may leave out.

    Excluded rather than selected: dagster-dbt adds its own `--select` for the assets of the run, and dbt
    takes the union of two selections but removes an exclusion from either."""
    seen = _downstream(manifest, tables)
    kinds = ("model", "seed", "test", "snapshot")
    return sorted(n["name"] for uid, n in manifest["nodes"].items() if n["resource_type"] in kinds and uid not in seen)


def _in_run(context: dg.AssetExecutionContext, names: list[str]) -> list[str]:
    """Of `names`, those of the run's own models and checks: dagster-dbt selects only those, so excluding any
    other is a no-op that dbt still matches against every node (~0.5 s for a folder's run at storstad)."""
    if not context.is_subset:
        return names
    selected = {key.path[-1] for key in context.selected_asset_keys}
    selected |= {key.name for key in context.selected_asset_check_keys}
    return [name for name in names if name in selected]


def _exclusion_args(context: dg.AssetExecutionContext, unchanged: list[str]) -> list[str]:
    """dbt arguments that leave out the run's unchanged models and tests (names from _not_downstream)."""
    excluded = _in_run(context, unchanged)
    if not excluded:
        return []
    if context.is_subset:
        return ["--exclude", " ".join(excluded)]
    # dagster-dbt selects every node here (fqn:*), tests included. dbt's default (eager) indirect selection
    # would drop with an excluded model every test that reads it, also those on a rebuilt model
    # (indicator_values against the unchanged indicators): the tests not to run are excluded by name already.
    return ["--exclude", " ".join(excluded), "--indirect-selection", "empty"]


def _left_for_later(context: dg.AssetExecutionContext, manifest: dict, mode: str, changed: list[str]) -> set[str]:
    """In a run of some of the models (a landing folder's news and what is downstream of them): the changed
    sources whose downstream models it does not build all, or the project after a change of it. Their
    fingerprints are not recorded as built, so the next run builds what this one left."""
    if not context.is_subset:
        return set()
    if mode == "full":
        return {build_state.PROJECT}
    selected = {key.path[-1] for key in context.selected_asset_keys}
    nodes = manifest["nodes"]
    built = ("model", "seed", "snapshot")
    return {
        table
        for table in changed
        if any(
            uid in nodes and nodes[uid]["resource_type"] in built and nodes[uid]["name"] not in selected
            for uid in _downstream(manifest, [table])
        )
    }


# dbt writes the warehouse from a process of its own: the step runs with no other beside it (pipelines/executor.py).
@dbt_assets(
    manifest=ensure_manifest(), project=dbt_project, dagster_dbt_translator=SkolanalysDbtTranslator(), op_tags=ALONE
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: DuckDBResource):
    """Builds what changed since the published snapshot (pipelines/build_state.py), or nothing."""
    manifest = json.loads(dbt_project.manifest_path.read_text())
    with warehouse.get_connection() as conn:
        current = build_state.current_fingerprints(
            conn, _source_tables(manifest), dbt_manifest.project_fingerprint(dbt_project.project_dir)
        )
        mode, changed = build_state.plan(current, build_state.published(conn))
    if mode == "none":
        # No materialisation: the serving snapshot downstream is skipped and stays as it is.
        context.log.info("Inget nytt sedan den publicerade serveringsfilen: modellerna byggs inte om.")
        return
    # dbt's unit tests pin the rules on hand-made rows; they run in the test suite (tests/test_dbt_unit.py),
    # not against the municipality's data every night.
    args = ["build", "--exclude-resource-type", "unit_test", *RUN_FLAGS]
    with warehouse.get_connection() as conn:
        additions_only = build_state.attendance_additions_only(conn)
    if mode == "full" or not additions_only:
        # Incremental models (the attendance sums) are rebuilt whole: the project changed, or earlier rows were
        # corrected. Otherwise they add what is new.
        args.append("--full-refresh")
    unchanged: list[str] = []
    if mode == "sources":
        unchanged = _not_downstream(manifest, changed)
        args += _exclusion_args(context, unchanged)
        context.log.info(f"Nytt i {', '.join(changed)}: bygger om modellerna nedströms, inte {len(unchanged)} andra.")
    # Each model's and test's event goes to Dagster as dbt reports it, so that Dagster stores it while dbt
    # goes on with the next node. No row counts on the models: dbt holds the warehouse file until it exits, and
    # counting afterwards (a scan for every view) held every event back; the served tables' counts are in
    # the serving snapshot's metadata.
    run_target = _run_target_path(context.run_id)
    invocation = dbt.cli(args, context=context, target_path=run_target)  # dbt's process starts here
    try:
        # The models not rebuilt are current as they are: said first (a multi-asset yields upstream before
        # downstream, and rebuilt models may read unchanged ones), so the serving snapshot is published; and
        # said while dbt's process starts (~3 s), whose events wait in its pipe until they are read.
        yield from _unchanged_outputs(context, manifest, set(unchanged))
        yield from invocation.stream()
    except Exception:
        # dbt may still be running and holding the warehouse lock: stop it before the next step opens the file.
        invocation.process.terminate()
        invocation.process.wait()
        raise
    _keep_parse(run_target)
    left = _left_for_later(context, manifest, mode, changed)
    if left:
        context.log.info(
            f"Ändrat i {', '.join(sorted(left))}, men modellerna som beror på det ingår inte i den här körningen: "
            "de byggs vid nästa körning som omfattar dem."
        )
    with warehouse.get_connection() as conn:
        build_state.record_pending(conn, {source: fp for source, fp in current.items() if source not in left})
