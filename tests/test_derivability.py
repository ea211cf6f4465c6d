"""The derivability search itself finds what an attacker would (so that its 'none found' means something)."""

import pandas as pd

from tests.derivability import SERVED_CELL_TABLES, derivable_cells, lonely_hidden_children

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
