"""The door's vocabularies as dbt/dbt_project.yml declares them: each stored code with the words a landing file
may write for it. The door maps the words to the codes; the dbt tests check the stored codes (declared_values)."""

from __future__ import annotations

from typing import Any

from skolanalys.dbt_vars import dbt_vars


def words_to_codes(name: str) -> dict[str, Any]:
    """{word in capitals: stored code} of the vocabulary `name` (var: {code: [word, …]})."""
    return {str(word).upper(): code for code, words in dbt_vars()[name].items() for word in words}


def codes(name: str) -> list[Any]:
    """The stored codes of `name`, in the declared order (a list var, or a mapping's keys)."""
    found = dbt_vars()[name]
    return list(found) if not isinstance(found, dict) else list(found.keys())
