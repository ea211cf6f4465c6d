"""What the door shares with dbt, as dbt/dbt_project.yml declares it once: each loaded table's business key (var
landing_keys: the door keeps one row per key, the dbt tests check the same columns), and the vocabularies — each
stored code with the words a landing file may write for it (the door maps the words to the codes; the dbt tests
check the stored codes with declared_values)."""

from __future__ import annotations

from typing import Any

from skolanalys.dbt_vars import dbt_vars


def landing_key(table: str) -> tuple[str, ...]:
    """The key columns of raw.<table>, in the declared order."""
    return tuple(dbt_vars()["landing_keys"][table])


def words_to_codes(name: str) -> dict[str, Any]:
    """{word in capitals: stored code} of the vocabulary `name` (var: {code: [word, …]})."""
    return {str(word).upper(): code for code, words in dbt_vars()[name].items() for word in words}


def codes(name: str) -> list[Any]:
    """The stored codes of `name`, in the declared order (a list var, or a mapping's keys)."""
    found = dbt_vars()[name]
    return list(found) if not isinstance(found, dict) else list(found.keys())
