-- The cells behind every gap of equity_gaps, disclosure-controlled: per outcome, dimension, year and unit
-- the cell of all pupils ('alla') and the cells of group a and group b (mean and n). Cells add up along two
-- dimensions (macros/disclosure_control.sql): the groups within 'alla' — the remainder is the pupils in
-- neither group, e.g. parents' education not known — and the school units within the kommun.
--
-- The tables must not reveal together what each hides alone: a cell that is the same pupils as a cell of
-- indicator_values (all pupils = gender T; girls and boys = K and M) starts hidden when indicator_values
-- hides it, so that no mean or n shown here gives away a cell hidden there.

with computed as (
    select * exclude (unit_code), coalesce(unit_code, '{{ var("kommunkod") }}') as unit_code
    from {{ ref('int_equity_gaps_computed') }}
),

definitions as (
    select * from {{ ref('int_equity_definitions') }}
),

cells as (
    select
        c.outcome,
        c.dimension,
        c.year,
        c.school_year,
        c.level,
        c.unit_code,
        g.group_cell,
        d.indicator_id,
        case g.group_cell when 'alla' then 'T' when 'a' then d.gender_a else d.gender_b end as published_gender,
        case g.group_cell when 'alla' then c.n_all when 'a' then c.n_a else c.n_b end as pupils,
        case g.group_cell when 'a' then c.mean_a when 'b' then c.mean_b end as mean_value
    from computed as c
    inner join definitions as d using (outcome, dimension)
    cross join (values ('alla'), ('a'), ('b')) as g(group_cell)
),

published_cells as (
    select indicator_id, level, unit_code, year, gender as published_gender, status as published_status
    from {{ ref('int_indicator_values_controlled') }}
    where source = 'local'
),

-- A group without pupils has no cell, as in indicator_values.
starting_cells as (
    select
        cells.* exclude (pupils),
        case when coalesce(p.published_status, '..') = '..' and cells.published_gender is not null then null
             else cells.pupils end as n,
        {{ var('min_pupils') }} as min_n,
        '' as status
    from cells
    left join published_cells as p using (indicator_id, level, unit_code, year, published_gender)
    where cells.pupils > 0
),

-- Each mean's range by its indicator's unit (var value_bounds: a share 0–100 %): the control hides a cell more
-- where a school's hidden groups would together be at a bound (none of them eligible, say).
bounded_cells as (
    {{ with_value_unit('starting_cells') }}
),

{{ disclosure_control(
    'bounded_cells',
    cell_key=['outcome', 'dimension', 'year', 'level', 'unit_code', 'group_cell'],
    values=['mean_value'],
    dimensions=['groups', 'units'],
    bounds={'mean_value': [unit_bound('value_unit', 0), unit_bound('value_unit', 1)]},
) }}

select outcome, dimension, year, school_year, level, unit_code, group_cell, indicator_id, mean_value, n, status, min_n
from controlled_cells
