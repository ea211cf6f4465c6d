"""What the serving snapshot holds, declared once and without Dagster: the served tables, the columns that would
mean pupil-level data, and the controlled value columns. pipelines/assets/serving.py publishes and verifies the
snapshot by these (and re-exports them); skolanalys/exports/tables.py imports them without loading Dagster."""

# What the serving snapshot holds: served table → warehouse mart. Only aggregates belong here.
SERVED_TABLES: dict[str, str] = {
    "indicators": "marts.indicators",
    "indicator_values": "marts.indicator_values",
    "benchmarking": "marts.benchmarking",
    "reconciliation": "marts.reconciliation",
    "data_freshness": "marts.data_freshness",
    "skolenkaten_results": "marts.skolenkaten_results",
    "siris_unit_statistics": "marts.siris_unit_statistics",
    "grade_test_discrepancy": "marts.grade_test_discrepancy",
    "survey_results": "marts.survey_results",
    "attendance_by_period": "marts.attendance_by_period",
    "data_quality_files": "marts.data_quality_files",
    "data_quality_quarantine": "marts.data_quality_quarantine",
    # Likvärdighet, SALSA and liknande skolenheter (docs/equity.md)
    "equity_gaps": "marts.equity_gaps",
    "equity_decomposition": "marts.equity_decomposition",
    "salsa_comparison": "marts.salsa_comparison",
    "similar_units": "marts.similar_units",
    "similar_units_comparison": "marts.similar_units_comparison",
    # Förädlingsvärde per årskull and the cohorts' path through school (docs/value_added.md)
    "value_added": "marts.value_added",
    "value_added_population": "marts.value_added_population",
    "cohort_progression": "marts.cohort_progression",
    # Målstyrning: the board's goals against the results, and their actions (docs/goals.md)
    "goal_results": "marts.goal_results",
    "goal_status": "marts.goal_status",
    "goal_actions": "marts.goal_actions",
}
# Columns that would mean pupil-level data: a snapshot containing one is never published.
FORBIDDEN_COLUMNS = {"pupil_key", "personnummer", "pupil_gender", "fornamn", "efternamn", "respondent_id"}
# Served cell tables besides indicator_values: their value columns must be null below min_n.
CONTROLLED_CELLS = {
    "grade_test_discrepancy": ["share_higher", "share_same", "share_lower"],
    "survey_results": ["share_positive", "index_value"],
    "attendance_by_period": [
        "absence_pct",
        "valid_absence_pct",
        "invalid_absence_pct",
        "above_10_pct",
        "above_15_pct",
        "above_50_pct",
        "reporting_rate_pct",
    ],
    # n: the pupils of the smallest group behind the row's values (a gap: the smaller of its two groups)
    "equity_gaps": ["mean_a", "mean_b", "gap", "ci_low", "ci_high"],
    "equity_decomposition": ["total_gap", "within_school", "between_school", "between_school_share_pct"],
    "salsa_comparison": ["actual", "expected", "deviation", "ci_low", "ci_high"],
    "similar_units": ["parents_education", "share_boys"],
    "similar_units_comparison": ["own_value"],
    "value_added": ["va", "se", "ci_low", "ci_high", "va_shrunk"],
    "value_added_population": ["n_with_prior", "n_no_prior", "n_movers", "n_arrived", "n_left", "n_newly_arrived"],
    "cohort_progression": ["share"],
    # the year's utfall and its interval (the earlier years' utfall are served cells of indicator_values)
    "goal_results": ["value", "ci_low", "ci_high"],
}
