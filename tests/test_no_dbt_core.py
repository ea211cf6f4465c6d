"""A run's process keeps dbt-core out (pipelines/no_dbt_core.py): the definitions load without it, with the same
dbt assets and checks, and the names dagster-dbt then declares itself for dbt's node types and statuses (which
it reads dbt's events with) are dbt-core's own, value for value. The whole-pipeline tests run `skolanalys run`,
whose process keeps dbt-core out: their dbt steps are read that way."""

from __future__ import annotations

import json
import subprocess
import sys

from dagster_dbt import compat

from pipelines.assets.dbt import dbt_models, dbt_project  # builds the manifest if needed (ensure_manifest)
from skolanalys.settings import REPO_ROOT

# In a fresh process, as `skolanalys run` has it: dbt-core kept out before anything imports dagster-dbt.
PROBE = """
import json, sys
from pipelines.no_dbt_core import keep_dbt_core_out
keep_dbt_core_out()
from dagster_dbt import compat
from pipelines.assets.dbt import dbt_models
print(json.dumps({
    "dbt_imported": any(m == "dbt" or m.startswith("dbt.") for m in sys.modules),
    "dbt_version": None if compat.DBT_PYTHON_VERSION is None else str(compat.DBT_PYTHON_VERSION),
    "assets": sorted(k.to_user_string() for k in dbt_models.keys),
    "checks": sorted(k.to_user_string() for k in dbt_models.check_keys),
    "node_types": {m.name: m.value for m in compat.NodeType},
    "node_statuses": {m.name: m.value for m in compat.NodeStatus},
    "test_statuses": {m.name: m.value for m in compat.TestStatus},
    "refable": [str(t) for t in compat.REFABLE_NODE_TYPES],
}))
"""


def _without_dbt_core() -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_runs_process_builds_the_same_dbt_assets_without_dbt_core_and_reads_dbts_statuses_alike():
    probe = _without_dbt_core()
    assert probe["dbt_imported"] is False and probe["dbt_version"] is None
    # This process has dbt-core (the tests import it): the same assets and checks either way.
    assert compat.DBT_PYTHON_VERSION is not None
    assert probe["assets"] == sorted(k.to_user_string() for k in dbt_models.keys)
    assert probe["checks"] == sorted(k.to_user_string() for k in dbt_models.check_keys)
    assert len(probe["checks"]) > 50
    # dagster-dbt's own names for what dbt reports hold dbt-core's, value for value: every status a node or
    # test can end on (and a newer dbt's `reused`, which this dbt-core never reports), and every node type the
    # project has (dbt-core's newer ones, e.g. functions, the project does not use).
    assert {m.name: m.value for m in compat.NodeStatus}.items() <= probe["node_statuses"].items()
    assert probe["test_statuses"] == {m.name: m.value for m in compat.TestStatus}
    assert probe["refable"] == [str(t) for t in compat.REFABLE_NODE_TYPES]
    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    used = {node["resource_type"] for node in manifest["nodes"].values()}
    dbt_types = {m.value for m in compat.NodeType}
    assert used <= set(probe["node_types"].values()) and used <= dbt_types
    assert {k: v for k, v in probe["node_types"].items() if v in used} == {
        m.name: m.value for m in compat.NodeType if m.value in used
    }
