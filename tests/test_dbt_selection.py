"""A run with new data in some sources rebuilds what is downstream of them and leaves the rest out
(pipelines/assets/dbt.py). dbt itself, asked to list what such a run selects, must list every test that reads
a rebuilt model — also one that reads an unchanged model beside it — and no test that reads only unchanged
ones. What is downstream is asked of dbt's own graph selection (`source:raw.attendance+`), not worked out by
the code's traversal."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from pipelines.assets.dbt import _exclusion_args, _not_downstream, ensure_manifest
from tests.dbt_cli import run_dbt

pytestmark = pytest.mark.slow  # two dbt processes, ~10 s


def _listed(args: list[str], tmp_path) -> list[str]:
    result = run_dbt(["ls", "--quiet", *args], tmp_path / "warehouse.duckdb", tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    return result.stdout.split("\n")


def test_a_run_after_new_attendance_tests_every_rebuilt_model_and_nothing_else(tmp_path):
    downstream = [
        json.loads(line)
        for line in _listed(["--select", "source:raw.attendance+", "--output", "json"], tmp_path)
        if line.startswith("{")
    ]
    rebuilt = {node["unique_id"] for node in downstream}
    tests = [node for node in downstream if node["resource_type"] == "test"]
    expected = {node["name"] for node in tests}
    # Among them, tests that read an unchanged model too: the case dbt's eager indirect selection drops.
    assert any(set(node["depends_on"]["nodes"]) - rebuilt for node in tests), "no test across rebuilt and unchanged"

    manifest = json.loads(ensure_manifest().read_text())
    whole_run = SimpleNamespace(is_subset=False, selected_asset_keys=set(), selected_asset_check_keys=set())
    args = _exclusion_args(whole_run, _not_downstream(manifest, ["raw.attendance"]))
    selected = _listed(["--resource-type", "test", "--output", "name", "--select", "fqn:*", *args], tmp_path)
    assert {name for name in selected if name} == expected
