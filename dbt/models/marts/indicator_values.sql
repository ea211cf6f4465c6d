-- Indikatorvärden: every indicator value the warehouse serves, disclosure-controlled, one row per
-- indicator, level (skolenhet / kommun / riket), unit, year and gender.
--
-- Each domain computes its values in an intermediate model with the columns indicator_id, level,
-- unit_code, year, school_year, gender, value, n, min_n (its disclosure threshold): add it to the list.
{%- set local_models = [
    'int_indicator_values_grades',
    'int_indicator_values_national_tests',
    'int_indicator_values_surveys',
    'int_indicator_values_attendance',
    'int_indicator_values_term_grades',
] %}

with local_values as (
    {%- for model in local_models %}
    select
        indicator_id, level, unit_code, year, school_year, gender, value,
        cast(n as integer) as n, cast(min_n as integer) as min_n, '' as status, 'local' as source
    from {{ ref(model) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

-- Each value's range by its indicator's unit (var value_bounds; none for var unbounded_values): the control
-- hides a cell more where hidden cells together would be at a bound.
local_cells as (
    select
        v.*,
        case when v.indicator_id not in ('{{ var("unbounded_values") | join("', '") }}') then c.unit end as value_unit
    from local_values as v
    left join {{ ref('indicator_catalogue') }} as c using (indicator_id)
),

{{ disclosure_control(
    'local_cells',
    cell_key=['indicator_id', 'level', 'unit_code', 'year', 'gender'],
    values=['value'],
    dimensions=['gender', 'units'],
    bounds={'value': [unit_bound('value_unit', 0), unit_bound('value_unit', 1)]},
) }},

controlled as (
    select * exclude (value_unit) from controlled_cells
),

-- Official figures as published (their own statuses kept): the municipality, its liknande kommuner (each
-- year the members of that year's group, stg_kolada__municipality_groups) and riket from Kolada; the
-- municipality's school units from Skolverket; SIRIS exports (int_siris_indicator_values: the school units,
-- the municipality, its liknande kommuner and riket, source 'siris').
similar_municipalities as (
    select * from {{ ref('stg_kolada__municipality_groups') }}
),

kolada_values as (
    select
        v.kpi_id as indicator_id,
        case when v.municipality_code = '0000' then 'riket' else 'kommun' end as level,
        v.municipality_code as unit_code,
        v.year,
        {{ kolada_period_label('v.year', 'k.period') }} as school_year,
        v.gender,
        v.value,
        null::integer as n,
        null::integer as min_n,
        v.status,
        'kolada' as source
    from {{ ref('stg_kolada__values') }} as v
    inner join {{ ref('stg_kolada__kpi_config') }} as k using (kpi_id)
    where (
            v.municipality_code in ('{{ var("kommunkod") }}', '0000')
            or exists (
                select 1 from similar_municipalities as g
                where g.member_code = v.municipality_code and {{ applies_in_year('g', 'v.year') }}
            )
        )
),

skolverket_values as (
    select
        indicator_id, 'skolenhet' as level, school_unit_code as unit_code, year, school_year, 'T' as gender,
        value, null::integer as n, null::integer as min_n, status, 'skolverket' as source
    from {{ ref('stg_skolverket__unit_statistics') }}
    where indicator_id is not null
),

siris_values as (
    select * from {{ ref('int_siris_indicator_values') }}
),

all_values as (
    select * from controlled
    union all by name
    select * from kolada_values
    union all by name
    select * from skolverket_values
    union all by name
    select * from siris_values
),

named as (
    {{ named_units('all_values') }}
)

select
    indicator_id, level, unit_code, unit_name, year, school_year, gender, value, n, status, source, min_n
from named
