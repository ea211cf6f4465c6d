-- Indikatorvärden: every indicator value the warehouse serves, disclosure-controlled, one row per
-- indicator, level (skolenhet / kommun / riket), unit, year and gender.

with local_values as (
    select
        indicator_id,
        level,
        unit_code,
        year,
        school_year,
        gender,
        value,
        cast(n as integer) as n,
        '' as status,
        'local' as source
    from {{ ref('int_indicator_values_computed') }}
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
    indicator_id, level, unit_code, unit_name, year, school_year, gender, value, n, status, source
from named
