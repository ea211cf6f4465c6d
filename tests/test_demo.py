"""The demo municipality (kavlinge, as `make demo` builds it): the value-added and equity marts hold data,
agree with the generator's truth in the large, and keep disclosure control; independent of the marts' code."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from tests import derivability

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(demo):
    con = duckdb.connect(str(demo.data / "serving.duckdb"), read_only=True)
    yield con
    con.close()


def test_value_added_per_school_and_cohort_with_intervals(demo, served):
    rows = served.execute(
        "select unit_code, cohort, n, va, ci_low, ci_high, status from value_added "
        "where stage = '6-9' and model = 'contextual' and outcome = 'meritvarde' and gender = 'T' "
        "and level = 'skolenhet'"
    ).fetchall()
    shown = [r for r in rows if r[3] is not None]
    assert len({r[0] for r in shown}) >= 3 and len({r[1] for r in shown if r[1] is not None}) >= 3
    assert all(r[4] < r[3] < r[5] for r in shown)  # never a value without its interval
    kommun = served.execute("select distinct unit_code from value_added where level = 'kommun'").fetchall()
    assert kommun == [("1261",)]


def test_pooled_contextual_value_added_follows_the_planted_truth(demo, served):
    truth = {
        r["unit_code"]: r["true_va"] for r in demo.truth["value_added"] if r["stage"] == "6-9" and r["cohort"] is None
    }
    estimates = dict(
        served.execute(
            "select unit_code, va from value_added where stage = '6-9' and model = 'contextual' "
            "and outcome = 'meritvarde' and gender = 'T' and level = 'skolenhet' and cohort is null "
            "and va is not null"
        ).fetchall()
    )
    common = sorted(set(truth) & set(estimates))
    assert len(common) >= 3
    r = np.corrcoef([truth[c] for c in common], [estimates[c] for c in common])[0, 1]
    assert r > 0.8, (r, {c: (truth[c], estimates[c]) for c in common})


def test_movers_missing_priors_and_newly_arrived_are_counted(served):
    sums = served.execute(
        "select sum(n_no_prior), sum(n_movers), sum(n_newly_arrived), sum(n) from value_added_population "
        "where level = 'kommun' and gender = 'T' and stage = '6-9'"
    ).fetchall()[0]
    assert all(v is not None and v > 0 for v in sums), sums


def test_small_cells_are_hidden_in_the_new_marts(served):
    for table, value in (
        ("value_added", "va"),
        ("cohort_progression", "share"),
        ("equity_gaps", "gap"),
        ("salsa_comparison where source = 'egen_modell'", "deviation"),
    ):
        where = "where" if " where " not in table else "and"
        leaked = served.execute(
            f"select count(*) from {table} {where} {value} is not null and (n < min_n or status <> '')"
        ).fetchall()[0][0]
        assert leaked == 0, table


def test_no_hidden_cell_of_the_demo_can_be_derived(served):
    """tests/derivability.py, an attacker's search over every served cell table, on the demo's snapshot."""
    for table in derivability.SERVED_CELL_TABLES:
        cells = served.execute(table.query()).df()
        assert derivability.lonely_hidden_children(cells, table) == [], table.name
        assert derivability.derivable_cells(cells, table) == [], table.name
        assert derivability.hidden_groups_at_a_bound(cells, table) == [], table.name


def test_a_value_added_cell_hidden_shows_no_pupil_counts_beside_it(served):
    """value_added hides a school's girls of a cohort (say); value_added_population must not then show how many
    of them had a prior (value_added's n) — the same pupils, two tables. On the snapshot of 2c2a948 this found
    24 such cells on the demo."""
    shown_beside = served.execute(
        "select count(*) from value_added as va join value_added_population as p "
        "using (stage, cohort, level, unit_code, gender) where va.status = '..' and p.status <> '..'"
    ).fetchall()[0][0]
    hidden_in_value_added = served.execute(
        "select count(*) from value_added where status = '..' and cohort is not null"
    ).fetchall()[0][0]
    assert hidden_in_value_added > 0 and shown_beside == 0


def test_the_demo_ends_in_2024_25_with_three_school_years_of_attendance(demo, served):
    """The kavlinge preset ends in the latest school year with real national results (docs/demo_calibration.md)
    and writes lesson-level attendance for its last three school years."""
    assert demo.truth["school_years"][-1] == "2024/25" and len(demo.truth["school_years"]) == 10
    assert demo.truth["attendance_school_years"] == ["2022/23", "2023/24", "2024/25"]
    attendance = served.execute(
        "select distinct school_year from attendance_by_period where level = 'kommun' order by school_year"
    ).fetchall()
    assert [r[0] for r in attendance] == demo.truth["attendance_school_years"]
    latest = served.execute(
        "select max(school_year) from indicator_values where source = 'local' and indicator_id = 'N15505'"
    ).fetchall()[0][0]
    assert latest == "2024/25"


def test_minst_riket_is_measured_with_the_published_riket_figure_before_kolada_has_it(served):
    """The demo's goal M3 (at least riket) in 2023: Kolada's shipped values stop at 2022, but SIRIS's riksnivå
    table (shipped, dropped into siris/ by the demo) publishes riket for läsår 2022/23 — Tabell 1B, kommunal
    huvudman: meritvärde 223.6 and 28.9 % without a pass in some subject, i.e. 71.1 % with all subjects."""
    rows = {
        r[0]: r[1:]
        for r in served.execute(
            "select indicator_id, riket_value, status from goal_results where goal_id = 'M3' and year = 2023 "
            "and level = 'kommun' and gender = 'T'"
        ).fetchall()
    }
    assert rows["N15505"][0] == pytest.approx(223.6) and rows["N15419"][0] == pytest.approx(71.1)
    assert all(status != "kan inte mätas" for _, status in rows.values())


def test_kolada_years_are_labelled_by_what_they_stand_for(served):
    """Kolada's year 2022 is läsår 2021/22 for meritvärde (its spring term), läsår 2022/23 for teachers (counted
    on 15 October 2022: tests/national/test_kolada_periods.py proves it on Skolverket's own counts) and the
    calendar year 2022 for costs."""
    labels = dict(
        served.execute(
            "select indicator_id, any_value(school_year) from indicator_values where source = 'kolada' "
            "and year = 2022 and indicator_id in ('N15505', 'N15813', 'N15008') group by indicator_id"
        ).fetchall()
    )
    assert labels == {"N15505": "2021/22", "N15813": "2022/23", "N15008": "2022"}
