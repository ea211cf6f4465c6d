-- Indikatorvärden: every indicator value the warehouse serves, disclosure-controlled, one row per
-- indicator, level (skolenhet / kommun / riket), unit, year and gender.
--
-- Each domain computes its values in an intermediate model with the columns indicator_id, level,
-- unit_code, year, school_year, gender, value, n, min_n (its disclosure threshold): add it to the list.
{%- set local_models = [
    'int_indicator_values_grades',
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

controlled as (
    {{ disclosure_control('local_values') }}
),

named as (
    select
        controlled.*,
        coalesce(m.municipality_name, 'Skolenhet ' || controlled.unit_code) as unit_name
    from controlled
    left join {{ ref('municipalities') }} as m
        on controlled.level in ('kommun', 'riket') and m.municipality_code = controlled.unit_code
)

select
    indicator_id, level, unit_code, unit_name, year, school_year, gender, value, n, status, source, min_n
from named
