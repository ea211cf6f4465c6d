-- Indikatorvärden: every indicator value the warehouse serves, disclosure-controlled, one row per
-- indicator, level (skolenhet / kommun / riket), unit, year and gender.
--
-- The own values come disclosure-controlled from int_indicator_values_controlled and, apart,
-- int_indicator_values_attendance_controlled (macro controlled_indicator_values).

with controlled as (
    select * from {{ ref('int_indicator_values_controlled') }}
    union all
    select * from {{ ref('int_indicator_values_attendance_controlled') }}
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
