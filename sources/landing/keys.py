"""The business key of each table the door loads, as dbt/dbt_project.yml declares it (var landing_keys): the
door keeps one row per key and the dbt tests check the same columns."""

from __future__ import annotations

from skolanalys.dbt_vars import dbt_vars


def landing_key(table: str) -> tuple[str, ...]:
    """The key columns of raw.<table>, in the declared order."""
    return tuple(dbt_vars()["landing_keys"][table])
