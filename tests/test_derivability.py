"""The derivability search itself finds what an attacker would (so that its 'none found' means something)."""

import pandas as pd

from tests.derivability import SERVED_CELL_TABLES, derivable_cells, hidden_groups_at_a_bound, lonely_hidden_children

INDICATOR_VALUES = SERVED_CELL_TABLES[0]


def cells(hidden: set[tuple[str, str]]) -> pd.DataFrame:
    """Kommun 1261 with schools A, B, C, each T/K/M; `hidden` holds (unit, gender) cells shown as '..'."""
    rows = []
    for level, unit in (("kommun", "1261"), ("skolenhet", "A"), ("skolenhet", "B"), ("skolenhet", "C")):
        for gender in "TKM":
            status = ".." if (unit, gender) in hidden else ""
            rows.append(
                {
                    "indicator_id": "N15505",
                    "level": level,
                    "unit_code": unit,
                    "year": 2024,
                    "gender": gender,
                    "status": status,
                }
            )
    return pd.DataFrame(rows)


def test_one_hidden_school_under_a_shown_kommun_is_found():
    frame = cells({("A", "T"), ("A", "K"), ("A", "M")})
    assert lonely_hidden_children(frame, INDICATOR_VALUES)
    assert {(c["unit_code"], c["gender"]) for c in derivable_cells(frame, INDICATOR_VALUES)} == {
        ("A", "T"),
        ("A", "K"),
        ("A", "M"),
    }


def test_a_cell_that_follows_only_from_two_groups_together_is_found():
    # A's girls and boys hidden, B's girls hidden: no group has exactly one hidden child except B's
    # genders — and the kommun's girls then give A's girls, hence A's boys.
    frame = cells({("A", "K"), ("A", "M"), ("B", "K")})
    assert len(derivable_cells(frame, INDICATOR_VALUES)) == 3


def test_a_rectangle_of_four_hidden_cells_is_safe():
    frame = cells({("A", "K"), ("A", "M"), ("B", "K"), ("B", "M")})
    assert lonely_hidden_children(frame, INDICATOR_VALUES) == []
    assert derivable_cells(frame, INDICATOR_VALUES) == []


def test_hidden_schools_together_at_a_bound_are_found_and_a_parent_at_the_bound_is_not():
    """Kommun 90 % of 40 pupils; C 70 % of 10 and D 12 of 13 shown leave hidden A (8) and B (9) 1,700 points
    over 17 pupils: 100 %, every one of them passed. A kommun itself at 100 % says so for every school: no
    attack. C hidden too: A, B and C hold 2,400 points over 27 pupils, 88.9 %, nothing follows."""

    def frame(kommun: float, hide_c: bool) -> pd.DataFrame:
        schools = [("A", 100.0, 8, True), ("B", 100.0, 9, True), ("C", 70.0, 10, hide_c), ("D", 1200 / 13, 13, False)]
        rows = [("kommun", "1261", kommun, 40, False)] + [("skolenhet", u, v, n, h) for u, v, n, h in schools]
        return pd.DataFrame(
            {"indicator_id": "N15419", "level": level, "unit_code": unit, "year": 2024, "gender": "T",
             "value": None if hidden else value, "n": None if hidden else n, "status": ".." if hidden else "",
             "value_low": 0.0, "value_high": 100.0}
            for level, unit, value, n, hidden in rows
        )  # fmt: skip

    found = hidden_groups_at_a_bound(frame(90.0, hide_c=False), INDICATOR_VALUES)
    assert [(f["level"], f["bound"]) for f in found] == [("kommun", 100.0)]
    assert hidden_groups_at_a_bound(frame(90.0, hide_c=True), INDICATOR_VALUES) == []
    assert hidden_groups_at_a_bound(frame(100.0, hide_c=False), INDICATOR_VALUES) == []
