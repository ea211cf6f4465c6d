"""The value-added stages as the dbt models build them: declared once, as var value_added_stages in
dbt/dbt_project.yml (macros/value_added_stages.sql gives the models the same), read here for the estimator and
the dashboard."""

from __future__ import annotations

import functools
from typing import NamedTuple

from skolanalys.dbt_vars import dbt_vars


class Stage(NamedTuple):
    name: str  # '6-9': the stage as served (value_added.stage)
    prior_grade: int  # the årskurs of the prior result
    outcome_grade: int  # the årskurs of the outcome

    @property
    def label(self) -> str:
        return f"Årskurs {self.prior_grade} → {self.outcome_grade}"


@functools.cache
def stages() -> tuple[Stage, ...]:
    """In the declared order, the order they are shown in."""
    return tuple(
        Stage(str(name), int(grades["prior_grade"]), int(grades["outcome_grade"]))
        for name, grades in dbt_vars()["value_added_stages"].items()
    )


def stage(name: str) -> Stage:
    return next(s for s in stages() if s.name == name)
