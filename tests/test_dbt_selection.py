"""A run with new data in some sources rebuilds what is downstream of them and leaves the rest out
(pipelines/assets/dbt.py). dbt itself, asked to list what such a run selects, must list every test that reads
a rebuilt model — also one that reads an unchanged model beside it — and no test that reads only unchanged
ones. The expectation is worked out from the manifest's dependencies, not from the code's exclusion list."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from pipelines.assets.dbt import _exclusion_args, _not_downstream, dbt_project, ensure_manifest
from tests.dbt_cli import run_dbt

pytestmark = pytest.mark.slow  # one dbt process, ~5 s


def _downstream_ids(manifest: dict, table: str) -> set[str]:
    queue = [uid for uid, s in manifest["sources"].items() if f"{s['schema']}.{s['identifier'] or s['name']}" == table]
    seen = set(queue)
    while queue:
        for child in manifest["child_map"].get(queue.pop(), []):
            if child not in seen:
                seen.add(child)
                queue.append(child)
    return seen


def test_a_run_after_new_attendance_tests_every_rebuilt_model_and_nothing_else(tmp_path):
    ensure_manifest()
    manifest = json.loads(dbt_project.manifest_path.read_text())
    rebuilt = _downstream_ids(manifest, "raw.attendance")
    tests = {uid: n for uid, n in manifest["nodes"].items() if n["resource_type"] == "test"}
    expected = {n["name"] for uid, n in tests.items() if set(n["depends_on"]["nodes"]) & rebuilt}
    # Among them, tests that read an unchanged model too: the case eager indirect selection drops.
    mixed = {
        n["name"]
        for n in tests.values()
        if set(n["depends_on"]["nodes"]) & rebuilt and set(n["depends_on"]["nodes"]) - rebuilt
    }
    assert mixed, "the project has tests across a rebuilt and an unchanged model"

    whole_run = SimpleNamespace(is_subset=False, selected_asset_keys=set(), selected_asset_check_keys=set())
    args = _exclusion_args(whole_run, _not_downstream(manifest, ["raw.attendance"]))
    listed = run_dbt(
        ["ls", "--quiet", "--resource-type", "test", "--output", "name", "--select", "fqn:*", *args],
        tmp_path / "warehouse.duckdb",
        tmp_path,
    )
    assert listed.returncode == 0, listed.stdout[-3000:] + listed.stderr[-2000:]
    assert set(listed.stdout.split()) == expected
