"""An attacker's view of a served table: can a hidden cell ('..') be worked out from the cells shown?

Written for the tests from domain.md, independently of the dbt macro: each served table's cells add up
along dimensions (genders within the total, school units within the kommun, grades within 'alla',
periods within the school year). Three searches:
- `lonely_hidden_children`: a shown parent with exactly one hidden child (plain subtraction);
- `derivable_cells`: the stronger one — every parent/children group is an equation (parent = sum of its
  children; an attacker assumes nothing is outside the children), the shown cells are constants, and a
  hidden cell is derivable when its value is the same in every solution of the system, i.e. when its row of
  the null space of the hidden cells' coefficient matrix is zero;
- `hidden_groups_at_a_bound`: with the values' ranges known (a share is 0–100 %), the hidden children of a
  shown parent together have n = n_parent − Σ n_shown and mean (n_parent·v_parent − Σ n_shown·v_shown) / n;
  when that mean is 0 or 100 % and the parent's is not, every hidden child has it (all passed, none absent).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipelines.serving_tables import CONTROLLED_CELLS


@dataclass(frozen=True)
class Dimension:
    columns: tuple[str, ...]
    is_parent: callable
    is_child: callable


GENDER = Dimension(("gender",), lambda r: r["gender"] == "T", lambda r: r["gender"] in ("K", "M"))
UNITS = Dimension(("level", "unit_code"), lambda r: r["level"] == "kommun", lambda r: r["level"] == "skolenhet")
GRADES = Dimension(("grade_level",), lambda r: r["grade_level"] == "alla", lambda r: r["grade_level"] != "alla")
PERIODS = Dimension(("period",), lambda r: r["period"] == 0, lambda r: r["period"] in (1, 2, 3))
# Value added: each cohort's cells add up (as n·va) to the cells of all cohorts together (cohort null).
COHORTS = Dimension(("cohort",), lambda r: pd.isna(r["cohort"]), lambda r: not pd.isna(r["cohort"]))


@dataclass(frozen=True)
class Table:
    name: str
    key: tuple[str, ...]
    dimensions: tuple[Dimension, ...]
    where: str = "true"
    # value column → (lowest, highest): a number, or a column of the cells holding it
    bounds: tuple[tuple[str, object, object], ...] = ()
    select: str = "*"

    def query(self) -> str:
        return f"select {self.select} from {self.name} where {self.where}"


SHARE, INDEX = (0.0, 100.0), (0.0, 10.0)  # a share in %, a survey index


SERVED_CELL_TABLES = [
    Table(
        "indicator_values",
        ("indicator_id", "level", "unit_code", "year", "gender"),
        (GENDER, UNITS),
        "source = 'local'",
        # the range by the served catalogue's unit: procent 0–100, index 0–10, any other none
        (("value", "value_low", "value_high"),),
        "*, 0.0 as value_low, case (select unit from indicators as i where i.indicator_id = indicator_values."
        "indicator_id) when 'procent' then 100.0 when 'index' then 10.0 end as value_high",
    ),
    Table(
        "grade_test_discrepancy",
        ("level", "unit_code", "year", "grade_level", "subject", "gender"),
        (GENDER, UNITS),
        bounds=tuple((c, *SHARE) for c in ("share_higher", "share_same", "share_lower")),
    ),
    Table(
        "survey_results",
        ("survey", "area", "level", "unit_code", "year", "grade_level", "gender"),
        (GENDER, UNITS, GRADES),
        bounds=(("share_positive", *SHARE), ("index_value", *INDEX)),
    ),
    Table(
        "attendance_by_period",
        ("level", "unit_code", "year", "period", "gender"),
        (GENDER, UNITS, PERIODS),
        # every served figure is a share of 0–100 %; the reporting rate describes the registration, not pupils
        bounds=tuple((c, *SHARE) for c in CONTROLLED_CELLS["attendance_by_period"] if c != "reporting_rate_pct"),
    ),
    Table(
        "value_added",
        ("stage", "model", "outcome", "cohort", "level", "unit_code", "gender"),
        (GENDER, UNITS, COHORTS),
    ),
    Table("value_added_population", ("stage", "cohort", "level", "unit_code", "gender"), (GENDER, UNITS)),
    Table(
        "cohort_progression",
        ("cohort", "level", "unit_code", "measure", "grade_level", "occasion", "gender"),
        (GENDER, UNITS),
        bounds=(("share", *SHARE),),
    ),
]


def _groups(cells: pd.DataFrame, table: Table):
    """(dimension index, parent row index, [child row indices]) for every parent cell present."""
    records = cells.to_dict("records")
    for d_index, dim in enumerate(table.dimensions):
        group_key = [c for c in table.key if c not in dim.columns]
        parents, children = {}, defaultdict(list)
        for i, row in enumerate(records):
            g = tuple(row[c] for c in group_key)
            if dim.is_parent(row):
                parents[g] = i
            elif dim.is_child(row):
                children[g].append(i)
        for g, p in parents.items():
            if children[g]:
                yield d_index, p, children[g]


def lonely_hidden_children(cells: pd.DataFrame, table: Table) -> list[tuple]:
    hidden = (cells["status"] == "..").to_numpy()
    found = []
    for d_index, p, kids in _groups(cells, table):
        if not hidden[p] and sum(hidden[k] for k in kids) == 1:
            found.append((table.dimensions[d_index].columns, cells.iloc[p][list(table.key)].to_dict()))
    return found


def derivable_cells(cells: pd.DataFrame, table: Table) -> list[dict]:
    hidden = np.flatnonzero((cells["status"] == "..").to_numpy())
    column = {row: j for j, row in enumerate(hidden)}
    equations = []
    for _, p, kids in _groups(cells, table):
        coefficients = {column[p]: 1.0} if p in column else {}
        for k in kids:
            if k in column:
                coefficients[column[k]] = -1.0
        if coefficients:
            equations.append(coefficients)
    # Solve per connected component of hidden cells: small matrices.
    parent = list(range(len(hidden)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for eq in equations:
        first, *rest = eq
        for other in rest:
            parent[root(other)] = root(first)
    components = defaultdict(list)
    for j in range(len(hidden)):
        components[root(j)].append(j)
    by_component = defaultdict(list)
    for eq in equations:
        by_component[root(next(iter(eq)))].append(eq)
    found = []
    for comp_root, members in components.items():
        rows = by_component.get(comp_root, [])
        if not rows:
            continue
        local = {j: i for i, j in enumerate(members)}
        a = np.zeros((len(rows), len(members)))
        for r, eq in enumerate(rows):
            for j, c in eq.items():
                a[r, local[j]] = c
        _, s, vt = np.linalg.svd(a)
        rank = int((s > 1e-9).sum())
        null_space = vt[rank:].T  # columns span the solutions of a·x = 0
        for j in members:
            if null_space.shape[1] == 0 or np.allclose(null_space[local[j]], 0.0, atol=1e-9):
                found.append(cells.iloc[hidden[j]][list(table.key)].to_dict())
    return found


def hidden_groups_at_a_bound(cells: pd.DataFrame, table: Table, tolerance: float = 1e-4) -> list[dict]:
    """The parents whose two or more hidden children are, together, at a bound of a value's range that the
    parent itself is not at: each such child's value follows. The served values are rounded (6 decimals),
    hence the tolerance; a mean beyond a bound means the dimension does not add up, which is no attack."""
    hidden = (cells["status"] == "..").to_numpy()
    n = cells["n"].to_numpy(dtype=float)
    groups = list(_groups(cells, table))
    found = []
    for column, low, high in table.bounds:
        value = cells[column].to_numpy(dtype=float)
        lows = cells[low].to_numpy(dtype=float) if isinstance(low, str) else np.full(len(cells), low)
        highs = cells[high].to_numpy(dtype=float) if isinstance(high, str) else np.full(len(cells), high)
        for _, p, kids in groups:
            hidden_kids = [k for k in kids if hidden[k]]
            shown = [k for k in kids if not hidden[k]]
            if hidden[p] or len(hidden_kids) < 2 or np.isnan(value[p]) or np.isnan(lows[p]) or np.isnan(highs[p]):
                continue
            rest_n = n[p] - sum(n[k] for k in shown)
            if rest_n <= 0 or any(np.isnan(value[k]) for k in shown):
                continue
            mean = (n[p] * value[p] - sum(n[k] * value[k] for k in shown)) / rest_n
            for bound in (lows[p], highs[p]):
                if abs(mean - bound) <= tolerance and abs(value[p] - bound) > tolerance:
                    found.append({"value": column, **cells.iloc[p][list(table.key)].to_dict(), "bound": bound})
    return found
