-- Likvärdighet: gaps between groups of pupils (girls–boys, parents with eftergymnasial education or not,
-- newly arrived or not) in meritvärde, the share passing all subjects and eligibility for yrkesprogram, for
-- the kommun and each school unit per school year, with a 95 % interval and a verdict in Swedish — served
-- as `equity_gaps`. Statistics: skolanalys/equity/gaps.py. A gap is shown only when both of its groups
-- are shown by disclosure control (int_equity_gap_cells): at least 10 pupils in each, and not hidden so
-- that another cell cannot be derived.

with computed as (
    select * exclude (unit_code), coalesce(unit_code, '{{ var("kommunkod") }}') as unit_code
    from {{ ref('int_equity_gaps_computed') }}
),

group_cells as (
    select
        outcome, dimension, year, level, unit_code,
        count(*) filter (where group_cell in ('a', 'b') and status <> '..') = 2 as shown
    from {{ ref('int_equity_gap_cells') }}
    group by all
),

definitions as (
    select distinct outcome, outcome_unit from {{ ref('int_equity_definitions') }}
),

unit_names as (
    select school_unit_code as unit_code, school_unit_name as unit_name from {{ ref('int_school_unit_names') }}
),

gaps as (
    select computed.*, coalesce(group_cells.shown, false) as shown
    from computed
    left join group_cells using (outcome, dimension, year, level, unit_code)
)

select
    gaps.year,
    gaps.school_year,
    gaps.level,
    gaps.unit_code,
    case when gaps.level = 'kommun' then m.municipality_name
         else coalesce(u.unit_name, 'Skolenhet ' || gaps.unit_code) end as unit_name,
    gaps.outcome,
    d.outcome_unit,
    gaps.dimension,
    gaps.group_a,
    gaps.group_b,
    case when gaps.shown then gaps.n_a end as n_a,
    case when gaps.shown then gaps.n_b end as n_b,
    case when gaps.shown then least(gaps.n_a, gaps.n_b) end as n,
    case when gaps.shown then gaps.mean_a end as mean_a,
    case when gaps.shown then gaps.mean_b end as mean_b,
    case when gaps.shown then gaps.gap end as gap,
    case when gaps.shown then gaps.ci_low end as ci_low,
    case when gaps.shown then gaps.ci_high end as ci_high,
    case when gaps.shown then gaps.significant end as significant,
    case
        when not gaps.shown then 'redovisas inte: färre än {{ var("min_pupils") }} elever i en grupp, eller dold så att ingen liten grupp kan räknas fram'
        when gaps.significant then 'skillnaden är statistiskt säkerställd'
        else 'skillnaden är inte statistiskt säkerställd'
    end as verdict,
    gaps.method,
    case when gaps.shown then '' else '..' end as status,
    {{ var('min_pupils') }} as min_n
from gaps
left join definitions as d using (outcome)
left join unit_names as u on gaps.level = 'skolenhet' and u.unit_code = gaps.unit_code
left join {{ ref('municipalities') }} as m on gaps.level = 'kommun' and m.municipality_code = gaps.unit_code
