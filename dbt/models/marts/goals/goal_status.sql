-- Hur blev det, per mål: each goal's status per year of its period, weighed from its measures by the rule
-- of its goals file (macros/goal_rule_status.sql, docs/goals.md). A measure over several school units is
-- first given one status from its units by the same rule; measures that cannot be measured are left out.
-- Served as `goal_status`.
with results as (
    select * from {{ ref('goal_results') }}
),

goals as (
    select * from {{ ref('stg_goals__goals') }}
),

measures as (
    select
        goal_id,
        measure_no,
        year,
        any_value(goal_rule) as goal_rule,
        any_value(weight) as weight,
        count(*) filter (where status <> 'kan inte mätas') as measurable,
        count(*) filter (where status = 'uppfyllt') as met,
        count(*) filter (where status = 'ej uppfyllt') as missed
    from results
    group by goal_id, measure_no, year
),

measure_status as (
    select *, {{ goal_rule_status('goal_rule', 'measurable', 'met', 'missed') }} as status
    from measures
),

counted as (
    select
        goal_id,
        year,
        any_value(goal_rule) as goal_rule,
        count(*) as measures,
        count(*) filter (where status <> 'kan inte mätas') as measures_measurable,
        count(*) filter (where status = 'uppfyllt') as measures_met,
        count(*) filter (where status = 'delvis uppfyllt') as measures_partly,
        count(*) filter (where status = 'ej uppfyllt') as measures_missed,
        coalesce(sum(weight) filter (where status <> 'kan inte mätas'), 0) as weight_measurable,
        coalesce(sum(weight) filter (where status = 'uppfyllt'), 0) as weight_met,
        coalesce(sum(weight) filter (where status = 'ej uppfyllt'), 0) as weight_missed
    from measure_status
    group by goal_id, year
),

judged as (
    select
        *,
        case
            when goal_rule = 'viktat'
                then {{ goal_rule_status('goal_rule', 'weight_measurable', 'weight_met', 'weight_missed') }}
            else {{ goal_rule_status('goal_rule', 'measures_measurable', 'measures_met', 'measures_missed') }}
        end as status
    from counted
)

select
    goals.goal_id,
    goals.title as goal_title,
    goals.description,
    goals.sort_order as goal_sort_order,
    goals.period_from,
    goals.period_to,
    judged.year,
    {{ school_year_label('judged.year') }} as school_year,
    judged.goal_rule,
    goals.achieved_from_pct,
    goals.partly_from_pct,
    judged.status,
    judged.measures,
    judged.measures_measurable,
    judged.measures_met,
    judged.measures_partly,
    judged.measures_missed,
    -- The year "Var är vi?" shows: the goal's latest year that could be measured.
    coalesce(
        judged.year = max(case when judged.status <> 'kan inte mätas' then judged.year end)
            over (partition by judged.goal_id),
        false
    ) as is_latest_measured
from judged
inner join goals using (goal_id)
