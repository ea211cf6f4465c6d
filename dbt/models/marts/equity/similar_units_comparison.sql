-- Liknande skolenheter as a comparison group: per school of the municipality (similar_units, shown ones),
-- school year and outcome, the school's own value beside the median and quartiles of its 10 similar units'
-- published values — served as `similar_units_comparison`. Skolverket publishes meritvärde and behörighet
-- (yrkesprogram) per läsår 2020/21–2024/25 in the shipped extract, the share passing all subjects for the
-- latest läsår only. Quartiles interpolate linearly between values (quantile_cont).
--
-- The school's own value: Skolverket's published figure for its skolenhetskod where there is one, else the
-- warehouse's own computation (indicator_values, gender T, only where shown there).

with groups as (
    select distinct unit_code, similar_unit_code from {{ ref('similar_units') }} where status = ''
),

definitions as (
    select distinct outcome, indicator_id from {{ ref('int_equity_definitions') }}
),

published as (
    select v.school_unit_code, v.school_year, v.year, d.outcome, v.value
    from {{ ref('stg_national_units__unit_values') }} as v
    inner join definitions as d using (indicator_id)
    where v.publisher = 'skolverket' and v.status = '' and v.value is not null
),

group_values as (
    select
        groups.unit_code,
        published.school_year,
        published.year,
        published.outcome,
        count(*) as group_n,
        min(published.value) as group_min,
        quantile_cont(published.value, 0.25) as group_q1,
        quantile_cont(published.value, 0.5) as group_median,
        quantile_cont(published.value, 0.75) as group_q3,
        max(published.value) as group_max
    from groups
    inner join published on published.school_unit_code = groups.similar_unit_code
    group by all
),

own_published as (
    select school_unit_code as unit_code, year, outcome, value as own_value, 'skolverket' as own_source,
        null::integer as own_n
    from published
),

own_local as (
    select iv.unit_code, iv.year, d.outcome, iv.value as own_value, 'local' as own_source, iv.n as own_n
    from {{ ref('int_indicator_values_controlled') }} as iv
    inner join definitions as d using (indicator_id)
    where iv.source = 'local' and iv.level = 'skolenhet' and iv.gender = 'T' and iv.status = ''
)

select
    g.unit_code,
    coalesce(u.school_unit_name, 'Skolenhet ' || g.unit_code) as unit_name,
    g.school_year,
    g.year,
    g.outcome,
    coalesce(op.own_value, ol.own_value) as own_value,
    coalesce(op.own_source, ol.own_source) as own_source,
    case when op.own_value is null then ol.own_n end as n,
    g.group_n,
    g.group_min,
    g.group_q1,
    g.group_median,
    g.group_q3,
    g.group_max,
    case when op.own_value is null and ol.own_value is not null then {{ var('min_pupils') }} end as min_n
from group_values as g
left join own_published as op using (unit_code, year, outcome)
left join own_local as ol using (unit_code, year, outcome)
left join {{ ref('int_school_unit_names') }} as u on u.school_unit_code = g.unit_code
