-- What goal_results evaluates: one row per goal, measure, unit and year of the goal's period. A measure of
-- the kommun is the municipality (var kommunkod); 'skolenhet: alla' becomes every school unit with a row
-- of the indicator in the goal's period (none: one row without a unit, which cannot be measured). The
-- desired direction is the file's, else the indicator catalogue's higher_is_better.
with goals as (
    select * from {{ ref('stg_goals__goals') }}
),

measures as (
    select * from {{ ref('stg_goals__goal_indicators') }}
),

catalogue as (
    select indicator_id, title_sv, unit, higher_is_better, topic from {{ ref('indicators') }}
),

unit_rows as (
    select distinct indicator_id, unit_code, year
    from {{ ref('indicator_values') }}
    where level = 'skolenhet'
),

every_unit as (
    select distinct m.goal_id, m.measure_no, v.unit_code
    from measures as m
    inner join goals as g using (goal_id)
    inner join unit_rows as v
        on v.indicator_id = m.indicator_id and v.year between g.period_from and g.period_to
    where m.level = 'skolenhet' and m.unit_code is null
),

units as (
    select
        m.goal_id,
        m.measure_no,
        case when m.level = 'kommun' then '{{ var("kommunkod") }}' else coalesce(m.unit_code, e.unit_code) end
            as unit_code
    from measures as m
    left join every_unit as e
        on m.level = 'skolenhet' and m.unit_code is null and e.goal_id = m.goal_id and e.measure_no = m.measure_no
),

years as (
    select goal_id, unnest(generate_series(period_from, period_to)) as year from goals
)

select
    g.goal_id,
    g.title as goal_title,
    g.sort_order as goal_sort_order,
    g.period_from,
    g.period_to,
    g.achieved_from_pct,
    g.partly_from_pct,
    g.goal_rule,
    m.measure_no,
    m.indicator_id,
    c.title_sv as indicator_title,
    c.unit,
    c.topic,
    m.level,
    u.unit_code,
    m.gender,
    case m.direction when 'higher' then true when 'lower' then false else c.higher_is_better end
        as higher_is_better,
    m.target_type,
    m.target_value,
    m.years_back,
    m.weight,
    y.year::integer as year
from measures as m
inner join goals as g using (goal_id)
inner join units as u using (goal_id, measure_no)
inner join years as y using (goal_id)
left join catalogue as c using (indicator_id)
