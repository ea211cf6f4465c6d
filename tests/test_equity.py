"""Likvärdighet on hand-built pupils (skolanalys/equity): every expected figure is computed here, with plain
arithmetic and numpy from the formulas in docs/equity.md — not taken from the module's output — plus a
simulation that the gap intervals cover a known true gap about 95 % of the time."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from scipy import stats
from statsmodels.regression.mixed_linear_model import MixedLM
from statsmodels.stats.proportion import confint_proportions_2indep

from skolanalys.equity.decomposition import (
    between_school_variance_share,
    decomposition_table,
    within_between,
)
from skolanalys.equity.gaps import gaps_table, newcombe_interval, welch_interval

SCHOOL_A, SCHOOL_B = "11110001", "22220002"
Z = 1.959963984540054


def pupil(key, school, gender, merit, *, passed_all=True, edu=2, newly_arrived=False, any_pass=True):
    return {
        "pupil_key": key,
        "school_year": "2023/24",
        "year": 2024,
        "school_unit_code": school,
        "gender": gender,
        "merit_value": merit,
        "has_any_pass": any_pass,
        "passed_all_subjects": passed_all,
        "eligible_vocational": passed_all,
        "parent_education": edu,
        "has_post_secondary_parents": None if edu is None else edu == 3,
        "is_newly_arrived": newly_arrived,
    }


# School A: 12 girls and 11 boys; school B: 10 girls, 14 boys. Merit values written out by hand.
GIRLS_A = [250, 262.5, 230, 275, 240, 255, 220, 287.5, 245, 260, 235, 270]
BOYS_A = [215, 240, 205, 230, 250, 190, 225, 235, 210, 245, 220]
GIRLS_B = [210, 225, 195, 240, 205, 230, 185, 215, 220, 200]
BOYS_B = [180, 200, 175, 215, 190, 205, 160, 195, 185, 210, 170, 200, 225, 165]
# Who has not passed all subjects (by position in the lists above).
NOT_ALL_PASSED = {("A", "K"): {2, 6}, ("A", "M"): {0, 2, 5, 8}, ("B", "K"): {2, 6, 9}, ("B", "M"): {0, 2, 6, 10, 13}}


def handbuilt_pupils() -> pl.DataFrame:
    rows = []
    for school, name, gender, merits in (
        (SCHOOL_A, "A", "K", GIRLS_A),
        (SCHOOL_A, "A", "M", BOYS_A),
        (SCHOOL_B, "B", "K", GIRLS_B),
        (SCHOOL_B, "B", "M", BOYS_B),
    ):
        for i, merit in enumerate(merits):
            # parents' education: every third pupil eftergymnasial (3), the pupils at 4, 9, … not known
            edu = None if i % 5 == 4 else (3 if i % 3 == 0 else 2)
            rows.append(
                pupil(
                    f"{name}{gender}{i}",
                    school,
                    gender,
                    float(merit),
                    passed_all=i not in NOT_ALL_PASSED[(name, gender)],
                    edu=edu,
                    newly_arrived=(i == 7),
                )
            )
    # One pupil without any pass: out of the meritvärde average, in every share.
    rows.append(pupil("A-nopass", SCHOOL_A, "M", 0.0, passed_all=False, any_pass=False))
    return pl.DataFrame(rows)


def by_hand_welch(a: list[float], b: list[float]) -> tuple[float, float, float]:
    n_a, n_b = len(a), len(b)
    mean_a, mean_b = sum(a) / n_a, sum(b) / n_b
    var_a = sum((x - mean_a) ** 2 for x in a) / (n_a - 1)
    var_b = sum((x - mean_b) ** 2 for x in b) / (n_b - 1)
    se = math.sqrt(var_a / n_a + var_b / n_b)
    df = (var_a / n_a + var_b / n_b) ** 2 / ((var_a / n_a) ** 2 / (n_a - 1) + (var_b / n_b) ** 2 / (n_b - 1))
    t = stats.t.ppf(0.975, df)
    gap = mean_a - mean_b
    return gap, gap - t * se, gap + t * se


def by_hand_wilson(k: int, n: int) -> tuple[float, float]:
    p = k / n
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z / (1 + Z**2 / n) * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2))
    return centre - half, centre + half


def by_hand_newcombe(k_a: int, n_a: int, k_b: int, n_b: int) -> tuple[float, float, float]:
    p_a, p_b = k_a / n_a, k_b / n_b
    l_a, u_a = by_hand_wilson(k_a, n_a)
    l_b, u_b = by_hand_wilson(k_b, n_b)
    d = p_a - p_b
    low = d - math.sqrt((p_a - l_a) ** 2 + (u_b - p_b) ** 2)
    high = d + math.sqrt((u_a - p_a) ** 2 + (p_b - l_b) ** 2)
    return 100 * d, 100 * low, 100 * high


@pytest.fixture(scope="module")
def gaps() -> pl.DataFrame:
    return gaps_table(handbuilt_pupils())


def _row(gaps, level, unit, outcome, dimension) -> dict:
    found = gaps.filter(
        (pl.col("level") == level)
        & (pl.col("unit_code").eq_missing(unit))
        & (pl.col("outcome") == outcome)
        & (pl.col("dimension") == dimension)
    )
    assert found.height == 1
    return found.row(0, named=True)


def test_girls_boys_meritvarde_gap_per_school_and_kommun_is_welch(gaps):
    for unit, girls, boys in ((SCHOOL_A, GIRLS_A, BOYS_A), (SCHOOL_B, GIRLS_B, BOYS_B)):
        row = _row(gaps, "skolenhet", unit, "meritvarde", "kon")
        gap, low, high = by_hand_welch(girls, boys)
        assert (row["n_a"], row["n_b"]) == (len(girls), len(boys))  # the pupil without a pass is left out
        assert row["gap"] == pytest.approx(gap) and row["mean_a"] == pytest.approx(sum(girls) / len(girls))
        assert row["ci_low"] == pytest.approx(low) and row["ci_high"] == pytest.approx(high)
        assert row["significant"] == (low > 0 or high < 0) and row["method"] == "welch"
    kommun = _row(gaps, "kommun", None, "meritvarde", "kon")
    gap, low, high = by_hand_welch(GIRLS_A + GIRLS_B, BOYS_A + BOYS_B)
    assert (kommun["gap"], kommun["ci_low"], kommun["ci_high"]) == pytest.approx((gap, low, high))
    assert kommun["significant"] is True  # 240.4 vs 204.2 points: clearly apart
    assert kommun["n_all"] == len(GIRLS_A + GIRLS_B + BOYS_A + BOYS_B)


def test_share_gap_is_newcombe_in_procentenheter_and_counts_every_pupil(gaps):
    row = _row(gaps, "skolenhet", SCHOOL_A, "alla_amnen", "kon")
    k_girls = len(GIRLS_A) - len(NOT_ALL_PASSED[("A", "K")])  # 10 of 12
    k_boys = len(BOYS_A) - len(NOT_ALL_PASSED[("A", "M")])  # 7 of 11, and the pupil without a pass: 7 of 12
    gap, low, high = by_hand_newcombe(k_girls, 12, k_boys, 12)
    assert (row["n_a"], row["n_b"]) == (12, 12)
    assert row["mean_a"] == pytest.approx(100 * 10 / 12) and row["mean_b"] == pytest.approx(100 * 7 / 12)
    assert (row["gap"], row["ci_low"], row["ci_high"]) == pytest.approx((gap, low, high))
    assert row["method"] == "newcombe"
    # statsmodels' own implementation of the same interval agrees
    sm_low, sm_high = confint_proportions_2indep(k_girls, 12, k_boys, 12, method="newcomb", compare="diff")
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((100 * sm_low, 100 * sm_high))


def test_parents_education_leaves_unknown_out_and_newly_arrived_is_a_group(gaps):
    pupils = handbuilt_pupils().filter(pl.col("has_any_pass"))
    merits = {
        key: [r["merit_value"] for r in pupils.iter_rows(named=True) if r["school_unit_code"] == SCHOOL_B and cond(r)]
        for key, cond in (
            ("post", lambda r: r["parent_education"] == 3),
            ("not_post", lambda r: r["parent_education"] == 2),
            ("settled", lambda r: not r["is_newly_arrived"]),
            ("new", lambda r: r["is_newly_arrived"]),
        )
    }
    row = _row(gaps, "skolenhet", SCHOOL_B, "meritvarde", "foraldrars_utbildning")
    assert (row["group_a"], row["group_b"]) == ("eftergymnasial", "ej eftergymnasial")
    assert (row["n_a"], row["n_b"]) == (len(merits["post"]), len(merits["not_post"]))
    assert row["n_a"] + row["n_b"] < row["n_all"]  # the pupils whose parents' education is not known
    assert row["gap"] == pytest.approx(by_hand_welch(merits["post"], merits["not_post"])[0])
    row = _row(gaps, "skolenhet", SCHOOL_B, "meritvarde", "nyanland")
    assert (row["n_a"], row["n_b"]) == (len(merits["settled"]), 2)  # girl 7 and boy 7 arrived recently
    assert row["gap"] == pytest.approx(by_hand_welch(merits["settled"], merits["new"])[0])


def test_within_school_gap_is_the_weighted_average_of_the_schools_gaps():
    pupils = handbuilt_pupils().filter(pl.col("has_any_pass"))
    table = decomposition_table(pupils)
    row = table.filter(
        (pl.col("measure") == "gap_decomposition")
        & (pl.col("outcome") == "meritvarde")
        & (pl.col("dimension") == "kon")
    ).row(0, named=True)
    # within = Σ w_s (ȳ_as − ȳ_bs) / Σ w_s, w_s = n_as·n_bs/(n_as + n_bs)
    weights, gaps = [], []
    for girls, boys in ((GIRLS_A, BOYS_A), (GIRLS_B, BOYS_B)):
        weights.append(len(girls) * len(boys) / (len(girls) + len(boys)))
        gaps.append(sum(girls) / len(girls) - sum(boys) / len(boys))
    within = sum(w * g for w, g in zip(weights, gaps, strict=True)) / sum(weights)
    girls, boys = GIRLS_A + GIRLS_B, BOYS_A + BOYS_B
    total = sum(girls) / len(girls) - sum(boys) / len(boys)
    assert row["total_gap"] == pytest.approx(total)
    assert row["within_school"] == pytest.approx(within)
    assert row["between_school"] == pytest.approx(total - within)
    assert row["n_schools"] == 2 and (row["n_a"], row["n_b"]) == (len(girls), len(boys))

    # its interval: robust (HC1) standard error of δ̂ after removing the school means, z = 1.96
    y = np.array(girls[:12] + boys[:11] + girls[12:] + boys[11:], dtype=float)
    a = np.array([1.0] * 12 + [0.0] * 11 + [1.0] * 10 + [0.0] * 14)
    school = np.array([0] * 23 + [1] * 24)
    y_dm = y - np.array([y[school == s].mean() for s in school])
    a_dm = a - np.array([a[school == s].mean() for s in school])
    delta = (a_dm * y_dm).sum() / (a_dm**2).sum()
    residual = y_dm - delta * a_dm
    n, k = len(y), 3  # two school intercepts and δ
    se = math.sqrt((a_dm**2 * residual**2).sum() / (a_dm**2).sum() ** 2 * n / (n - k))
    assert delta == pytest.approx(within)
    assert (row["within_ci_low"], row["within_ci_high"]) == pytest.approx((delta - Z * se, delta + Z * se))


def test_between_school_variance_share_by_hand_and_equal_to_a_mixed_model_when_balanced():
    # Three schools of four pupils each.
    schools = {
        "s1": [200.0, 220.0, 240.0, 260.0],
        "s2": [180.0, 190.0, 210.0, 200.0],
        "s3": [250.0, 270.0, 230.0, 262.0],
    }
    y = [v for vs in schools.values() for v in vs]
    g = [s for s, vs in schools.items() for _ in vs]
    k, n, size = 3, 12, 4
    grand = sum(y) / n
    means = {s: sum(vs) / size for s, vs in schools.items()}
    msb = sum(size * (m - grand) ** 2 for m in means.values()) / (k - 1)
    msw = sum((v - means[s]) ** 2 for s, vs in schools.items() for v in vs) / (n - k)
    between = (msb - msw) / size  # n₀ = 4 when every school has 4 pupils
    share = between / (between + msw)
    f = msb / msw
    f_low, f_high = f / stats.f.ppf(0.975, k - 1, n - k), f / stats.f.ppf(0.025, k - 1, n - k)
    low, high = (f_low - 1) / (f_low + size - 1), (f_high - 1) / (f_high + size - 1)

    result = between_school_variance_share(np.array(y), np.array(g))
    assert result["variance_share"] == pytest.approx(share)
    assert (result["between_variance"], result["within_variance"]) == pytest.approx((between, msw))
    assert (result["share_ci_low"], result["share_ci_high"]) == pytest.approx((max(low, 0.0), min(high, 1.0)))

    # The same variance components from statsmodels' REML mixed model (random school intercept).
    fit = MixedLM(np.array(y), np.ones((n, 1)), groups=np.array(g)).fit(reml=True)
    reml_between, reml_within = float(np.asarray(fit.cov_re)[0, 0]), float(fit.scale)
    assert reml_between / (reml_between + reml_within) == pytest.approx(share, rel=1e-3)


def test_variance_share_needs_two_schools_and_is_zero_when_schools_do_not_differ():
    assert between_school_variance_share(np.array([200.0, 210.0]), np.array(["a", "a"]))["variance_share"] is None
    same = between_school_variance_share(np.array([1.0, 3.0, 1.0, 3.0]), np.array(["a", "a", "b", "b"]))
    assert same["variance_share"] == 0.0 and same["between_variance"] == 0.0


def test_within_between_without_a_school_holding_both_groups_has_no_within_part():
    result = within_between(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1, 1, 0, 0]), np.array(["a", "a", "b", "b"]))
    assert result["total_gap"] == pytest.approx(-2.0)
    assert result["within_school"] is None and result["n_schools"] == 0


def test_gap_intervals_cover_the_true_gap_about_95_percent_of_the_time():
    rng = np.random.default_rng(20261201)
    reps = 4000
    # meritvärde: unequal groups with unequal spreads, true gap 12 points
    n_a, n_b = 14, 40
    a = rng.normal(232.0, 45.0, (reps, n_a))
    b = rng.normal(220.0, 25.0, (reps, n_b))
    low, high = welch_interval(
        a.mean(1), a.var(1, ddof=1), np.full(reps, n_a), b.mean(1), b.var(1, ddof=1), np.full(reps, n_b)
    )
    coverage = np.mean((low <= 12.0) & (high >= 12.0))
    assert 0.935 <= coverage <= 0.965, coverage
    # share passing all subjects: 80 % vs 68 %, true gap 12 procentenheter
    n_a, n_b = 25, 60
    k_a, k_b = rng.binomial(n_a, 0.80, reps), rng.binomial(n_b, 0.68, reps)
    low, high = newcombe_interval(k_a, np.full(reps, n_a), k_b, np.full(reps, n_b))
    coverage = np.mean((low <= 12.0) & (high >= 12.0))
    assert 0.935 <= coverage <= 0.965, coverage


def test_the_same_pupils_in_another_order_give_the_same_figures():
    pupils = handbuilt_pupils()
    shuffled = pupils.sample(fraction=1.0, shuffle=True, seed=3)
    assert gaps_table(pupils).equals(gaps_table(shuffled))
    assert decomposition_table(pupils).equals(decomposition_table(shuffled))
