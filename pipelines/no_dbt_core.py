"""Keep dbt-core out of a run's process: dbt runs in a process of its own (`skolanalys-dbt`, pipelines/dbt_warm.py).

dagster-dbt imports dbt-core when it is imported, for two things only: dbt's names of node types and statuses,
and dbt's adapter inside the Dagster process (for row counts and column metadata), which SkolanalysDbtCli
(pipelines/resources.py) turns off. Where dbt-core cannot be imported, dagster-dbt declares those names
itself, with dbt's values (its path for dbt Fusion, `dagster_dbt/compat.py`), and everything else it does for
the project — the assets from the manifest, the dbt command, the events read from dbt's JSON log — is the same.
Importing dbt-core costs ~1.7 s of every run's start (~870 modules) before the first step.

Only for a process that runs nothing but a run (`skolanalys run`): not for the Dagster UI's code server, the
tests or a Python session, where dbt may be wanted in the same process.
"""

from __future__ import annotations

import importlib.abc
import sys

BLOCKED = "dbt"  # dbt-core's package; its adapters (dbt.adapters.duckdb) live under it too


class _NoDbtCore(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == BLOCKED or name.startswith(f"{BLOCKED}."):
            raise ModuleNotFoundError(f"dbt-core körs i en egen process, inte i körningens: {name}", name=name)
        return None


def keep_dbt_core_out() -> None:
    """From now on `import dbt…` fails in this process (as if dbt-core were not installed). Before dagster-dbt
    is imported; if it already was, this changes nothing."""
    if BLOCKED in sys.modules:
        return
    if not any(isinstance(finder, _NoDbtCore) for finder in sys.meta_path):
        sys.meta_path.insert(0, _NoDbtCore())
