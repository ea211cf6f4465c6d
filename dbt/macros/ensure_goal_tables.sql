{#- The tables the Dagster asset [raw, goals] writes (pipelines/assets/goals.py), created empty when a run has
    never written them (a new installation, or a national run before the first local one), so the goal
    models still build. Keep in step with sources/landing/goals.py (GOALS_SCHEMA, GOAL_INDICATORS_SCHEMA,
    GOAL_ACTIONS_SCHEMA). -#}
{% macro ensure_goal_tables() %}
    create schema if not exists raw;
    create table if not exists raw.goals (goal_id varchar, title varchar, description varchar,
        period_from integer, period_to integer, achieved_from_pct double, partly_from_pct double,
        goal_rule varchar, sort_order integer, source_file varchar, source_line bigint);
    create table if not exists raw.goal_indicators (goal_id varchar, measure_no integer, indicator_id varchar,
        level varchar, unit_code varchar, gender varchar, direction varchar, target_type varchar,
        target_value double, years_back integer, weight double, source_file varchar, source_line bigint);
    create table if not exists raw.goal_actions (goal_id varchar, action_no integer, action varchar,
        status varchar, responsible varchar, comment varchar, source_file varchar, source_line bigint);
{% endmacro %}
