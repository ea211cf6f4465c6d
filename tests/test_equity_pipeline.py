"""Likvärdighet, SALSA and liknande skolenheter through the whole pipeline, on the shared run of the generated
municipality `liten` (kommunkod 1261, Kävlinge: its real school units' published SALSA is served beside the
synthetic pupils' figures). The gaps are recomputed here from the pupils with plain arithmetic; the official
figures are compared with the values the shared data's MANIFEST states."""

from __future__ import annotations

import math
import statistics

import duckdb
import pytest
from scipy import stats

TOLVAKER = "13578112"
SERVED = {
    "equity_gaps": {"year", "level", "unit_code", "outcome", "dimension", "group_a", "group_b", "n_a", "n_b",
                    "mean_a", "mean_b", "gap", "ci_low", "ci_high", "significant", "verdict", "status", "min_n"},
    "equity_decomposition": {"year", "outcome", "dimension", "total_gap", "within_school", "between_school",
                             "between_school_share_pct", "share_ci_low", "share_ci_high", "status", "min_n"},
    "salsa_comparison": {"unit_code", "unit_name", "school_year", "source", "actual", "expected", "deviation",
                         "ci_low", "ci_high", "n", "status", "min_n"},
    "similar_units": {"unit_code", "similar_unit_code", "similar_unit_name", "kommun", "rank", "distance",
                      "parents_education", "share_boys", "meritvarde", "alla_amnen", "behorighet_yrkes"},
    "similar_units_comparison": {"unit_code", "school_year", "own_value", "group_median", "group_q1", "group_q3"},
}  # fmt: skip


def _query(path, sql, params=None) -> list[dict]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        cursor = con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def test_the_equity_tables_are_served_with_their_columns(liten):
    serving = liten.data / "serving.duckdb"
    for table, columns in SERVED.items():
        found = {r["column_name"] for r in _query(serving, f"select column_name from (describe {table})")}
        assert columns <= found, (table, columns - found)


def test_kommun_gaps_equal_a_computation_from_the_pupils(liten):
    pupils = _query(
        liten.data / "warehouse.duckdb",
        "select year, gender, merit_value, has_any_pass, passed_all_subjects "
        "from intermediate.int_year9_pupil_background",
    )
    rows = _query(
        liten.data / "serving.duckdb",
        "select * from equity_gaps where level = 'kommun' and dimension = 'kon' and status = '' order by year, outcome",
    )
    assert rows, "the kommun's gender gaps are shown in some year"
    for row in rows:
        of_year = [p for p in pupils if p["year"] == row["year"]]
        if row["outcome"] == "meritvarde":
            girls = [p["merit_value"] for p in of_year if p["has_any_pass"] and p["gender"] == "K"]
            boys = [p["merit_value"] for p in of_year if p["has_any_pass"] and p["gender"] == "M"]
            va, vb = statistics.variance(girls) / len(girls), statistics.variance(boys) / len(boys)
            df = (va + vb) ** 2 / (va**2 / (len(girls) - 1) + vb**2 / (len(boys) - 1))
            half = stats.t.ppf(0.975, df) * math.sqrt(va + vb)
        elif row["outcome"] == "alla_amnen":
            girls = [100.0 * p["passed_all_subjects"] for p in of_year if p["gender"] == "K"]
            boys = [100.0 * p["passed_all_subjects"] for p in of_year if p["gender"] == "M"]
            half = None
        else:
            continue
        gap = statistics.fmean(girls) - statistics.fmean(boys)
        assert (row["n_a"], row["n_b"]) == (len(girls), len(boys))
        assert row["gap"] == pytest.approx(gap, abs=1e-5)
        if half is not None:
            assert (row["ci_low"], row["ci_high"]) == pytest.approx((gap - half, gap + half), abs=1e-5)
        assert row["significant"] == (row["ci_low"] > 0 or row["ci_high"] < 0)
        assert row["verdict"] == (
            "skillnaden är statistiskt säkerställd"
            if row["significant"]
            else "skillnaden är inte statistiskt säkerställd"
        )


def test_no_gap_is_shown_for_a_group_under_ten_and_gender_gaps_follow_indicator_values(liten):
    serving = liten.data / "serving.duckdb"
    small = _query(serving, "select * from equity_gaps where gap is not null and least(n_a, n_b) < 10")
    assert small == []
    hidden = _query(serving, "select * from equity_gaps where status = '..'")
    assert hidden and all(r["gap"] is None and r["n_a"] is None and r["mean_a"] is None for r in hidden)
    mismatched = _query(
        serving,
        """
        select g.* from equity_gaps as g
        join indicator_values as k on k.source = 'local' and k.level = g.level and k.unit_code = g.unit_code
            and k.year = g.year and k.gender = 'K'
            and k.indicator_id = case g.outcome when 'meritvarde' then 'N15505' when 'alla_amnen' then 'N15419'
                                                else 'N15436' end
        where g.dimension = 'kon' and g.status = '' and (k.status = '..' or abs(k.value - g.mean_a) > 1e-4)
        """,
    )
    assert mismatched == []


def test_the_official_salsa_of_the_municipalitys_units_is_served_as_published(liten):
    rows = _query(
        liten.data / "serving.duckdb",
        "select * from salsa_comparison where unit_code = ? and source = 'skolverket' and outcome = 'meritvarde' "
        "order by year",
        [TOLVAKER],
    )
    assert [(r["year"], r["expected"], r["deviation"], r["actual"]) for r in rows] == [
        (2024, 241.0, 4.0, None),  # Kolada U15415 / U15416 (MANIFEST: expected 241, deviation +4)
        (2025, 244.0, -6.0, 238.0),  # Skolverket SALSA 2024/25 (v4 extract)
    ]
    assert rows[0]["publisher"] == "Skolverket, SALSA via Kolada (RKA)" and rows[0]["unit_name"] == "Tolvåkerskolan 7-9"
    assert all(r["n"] is None and r["ci_low"] is None for r in rows)


def test_the_municipalitys_units_latest_skolenkaten_is_served_as_published(liten):
    """Skolenkäten VT25 of Tolvåkerskolan through Skolverket's Planned Educations API (the shared data's cache
    cache/survey-gr/13578112.json): pupils in åk 8, 115 respondents, trygghet 7.7, studiero 5.9; guardians,
    148 respondents, trygghet 6.8. Served as skolenkaten_results rows of the year the round ends (2025), total
    only, numbered as Skolinspektionen's reports number the areas."""
    rows = _query(
        liten.data / "serving.duckdb",
        "select respondent_group, area_no, area, gender, value, n_respondents, status from skolenkaten_results "
        "where unit_code = ? and year = 2025 order by respondent_group, area_no",
        [TOLVAKER],
    )
    found = {(r["respondent_group"], r["area"]): (r["value"], r["n_respondents"]) for r in rows}
    assert found[("elever_ak8", "Trygghet")] == (7.7, 115)
    assert found[("elever_ak8", "Studiero")] == (5.9, 115)
    assert found[("vardnadshavare", "Trygghet")] == (6.8, 148)
    assert len(rows) == 10 and {r["gender"] for r in rows} == {"T"} and {r["status"] for r in rows} == {""}
    assert {r["area_no"] for r in rows if r["area"] == "Trygghet"} == {9}


def test_similar_units_are_the_ten_nearest_and_the_comparison_summarises_them(liten):
    serving = liten.data / "serving.duckdb"
    units = _query(serving, "select * from similar_units where status = '' order by unit_code, rank")
    assert units, "the municipality's school with åk 9 gets similar units"
    for code in {u["unit_code"] for u in units}:
        mine = [u for u in units if u["unit_code"] == code]
        assert [u["rank"] for u in mine] == list(range(1, 11))
        assert [u["distance"] for u in mine] == sorted(u["distance"] for u in mine)
        assert code not in {u["similar_unit_code"] for u in mine}
        summary = _query(
            serving,
            "select * from similar_units_comparison where unit_code = ? and outcome = 'meritvarde' and school_year = ?",
            [code, mine[0]["results_school_year"]],
        )
        merits = [u["meritvarde"] for u in mine if u["meritvarde"] is not None]
        assert summary[0]["group_n"] == len(merits)
        assert summary[0]["group_median"] == pytest.approx(statistics.median(merits))
