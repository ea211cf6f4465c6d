"""Liknande skolenheter (skolanalys/similar_units.py): distances worked out here by hand on a small pool."""

from __future__ import annotations

import math

import polars as pl
import pytest

from skolanalys.similar_units import nearest, with_log_pupils

POOL = pl.DataFrame(
    {
        "school_unit_code": ["00000001", "00000002", "00000003", "00000004", "00000005"],
        "parents_education": [2.0, 2.2, 2.6, 2.4, None],
        "share_boys": [50.0, 48.0, 52.0, 56.0, 50.0],
        "pupils": [40, 80, 160, 80, 100],
    }
)


def by_hand_distances(own: dict) -> dict[str, float]:
    complete = [r for r in POOL.iter_rows(named=True) if r["parents_education"] is not None]
    columns = {
        "parents_education": [r["parents_education"] for r in complete],
        "share_boys": [r["share_boys"] for r in complete],
        "log_pupils": [math.log(r["pupils"]) for r in complete],
    }
    mean = {c: sum(v) / len(v) for c, v in columns.items()}
    sd = {c: math.sqrt(sum((x - mean[c]) ** 2 for x in v) / (len(v) - 1)) for c, v in columns.items()}
    own_values = {"parents_education": own["parents_education"], "share_boys": own["share_boys"],
                  "log_pupils": math.log(own["pupils"])}  # fmt: skip
    return {
        r["school_unit_code"]: math.sqrt(sum(((own_values[c] - columns[c][i]) / sd[c]) ** 2 for c in columns))
        for i, r in enumerate(complete)
    }


def test_nearest_units_by_standardised_distance():
    own = {"unit_code": "99999999", "parents_education": 2.3, "share_boys": 50.0, "pupils": 90}
    result = nearest(with_log_pupils(pl.DataFrame([own])), with_log_pupils(POOL), k=3)
    expected = sorted(by_hand_distances(own).items(), key=lambda kv: (kv[1], kv[0]))[:3]
    assert result["rank"].to_list() == [1, 2, 3]
    assert result["similar_unit_code"].to_list() == [code for code, _ in expected]
    assert result["distance"].to_list() == pytest.approx([d for _, d in expected])
    # the unit without parents' education is never a neighbour
    assert "00000005" not in result["similar_unit_code"].to_list()


def test_a_unit_is_never_its_own_neighbour_and_a_unit_without_background_gets_none():
    own = pl.DataFrame(
        [
            {"unit_code": "00000002", "parents_education": 2.2, "share_boys": 48.0, "pupils": 80},
            {"unit_code": "88888888", "parents_education": None, "share_boys": 50.0, "pupils": 30},
        ]
    )
    result = nearest(with_log_pupils(own), with_log_pupils(POOL), k=10)
    assert set(result["unit_code"]) == {"00000002"}
    assert "00000002" not in result["similar_unit_code"].to_list()
    assert result.height == 3  # the four complete units but itself
