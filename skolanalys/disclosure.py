"""The disclosure thresholds (röjandekontroll, domain.md), read from where they are declared: the dbt project's
vars `min_pupils` and `min_respondents` (dbt/dbt_project.yml), which the models apply. The dashboard's texts,
the exports' and the report's legends and the serving snapshot's guard read them here instead of writing the
numbers again, so a municipality that changes a threshold sees it said everywhere.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

from skolanalys.dbt_vars import dbt_vars


class Thresholds(NamedTuple):
    pupils: int  # results for fewer pupils are suppressed ('..')
    respondents: int  # survey results from fewer respondents are suppressed ('..')


@functools.cache
def thresholds() -> Thresholds:
    """The thresholds of dbt/dbt_project.yml; both must be whole numbers of at least 1."""
    declared = dbt_vars()
    values = Thresholds(int(declared["min_pupils"]), int(declared["min_respondents"]))
    if min(values) < 1:
        raise ValueError(f"dbt/dbt_project.yml: min_pupils och min_respondents måste vara minst 1, inte {values}")
    return values


def pupils_text() -> str:
    """'färre än N elever', N the declared threshold of pupils."""
    return f"färre än {thresholds().pupils} elever"


def respondents_text() -> str:
    """'färre än N svarande', N the declared threshold of survey respondents."""
    return f"färre än {thresholds().respondents} svarande"
