-- The official SALSA (Skolverket) for the municipality's school units, as published: per unit, school year
-- and outcome the actual result, the modelled (expected) result and the deviation.
--   Skolverket (Planned Educations API): salsa* variables — fetched for the municipality's units by the
--     national assets (origin 'api'), else the shipped v4 extract of every unit (2024/25); the fetched
--     figure wins where both have one.
--   Kolada U15415 (modelled meritvärde) and U15416 (deviation), 2024 (läsår 2023/24), from the shipped
--     file; Kolada publishes no actual value beside them. Källa: Kolada (RKA).

with municipality_units as (
    select school_unit_code from {{ ref('stg_skolverket__school_units') }}
    where municipality_code = '{{ var("kommunkod") }}'
    union
    select school_unit_code from {{ ref('stg_national_units__school_units') }}
    where municipality_code = '{{ var("kommunkod") }}'
),

fetched as (
    select school_unit_code, variable, school_year, year, value, status, 'api' as origin
    from {{ ref('stg_skolverket__unit_statistics') }}
    where variable like 'salsa%'
),

shipped as (
    select school_unit_code, variable, school_year, year, value, status, origin
    from {{ ref('stg_national_units__unit_values') }}
    where publisher = 'skolverket' and variable like 'salsa%'
),

skolverket_values as (
    select * from fetched
    union all
    select * from shipped
    where not exists (
        select 1 from fetched
        where fetched.school_unit_code = shipped.school_unit_code and fetched.school_year = shipped.school_year
            and fetched.variable = shipped.variable
    )
),

skolverket as (
    select
        school_unit_code,
        school_year,
        year,
        outcome,
        'Skolverket, SALSA' as publisher,
        max(value) filter (where variable in ('salsaAverageGradesIn9thGradeActual', 'salsaRequirementsReachedActual'))
            as actual,
        max(value) filter (where variable in ('salsaAverageCalculated', 'salsaRequirementsReachedCalculated'))
            as expected,
        max(value) filter (where variable in (
            'salsaAverageGradesIn9thGradeDeviation', 'salsaRequirementsReachedDeviation'
        )) as deviation,
        max(status) filter (where variable in (
            'salsaAverageGradesIn9thGradeDeviation', 'salsaRequirementsReachedDeviation'
        )) as status,
        string_agg(distinct origin, ', ') as origin
    from (
        select
            *,
            case when variable like 'salsaRequirementsReached%' then 'alla_amnen' else 'meritvarde' end as outcome
        from skolverket_values
        where variable <> 'salsaParentsEducation' and variable not like '%Quota'
    )
    group by all
),

kolada as (
    select
        school_unit_code,
        school_year,
        year,
        'meritvarde' as outcome,
        'Skolverket, SALSA via Kolada (RKA)' as publisher,
        null::double as actual,
        max(value) filter (where variable = 'U15415') as expected,
        max(value) filter (where variable = 'U15416') as deviation,
        max(status) filter (where variable = 'U15416') as status,
        string_agg(distinct origin, ', ') as origin
    from {{ ref('stg_national_units__unit_values') }}
    where publisher = 'kolada' and variable in ('U15415', 'U15416')
    group by all
)

select all_salsa.*
from (
    select * from skolverket
    union all by name
    select * from kolada
) as all_salsa
inner join municipality_units using (school_unit_code)
where all_salsa.deviation is not null or coalesce(all_salsa.status, '') <> ''
