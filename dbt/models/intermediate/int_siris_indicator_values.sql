-- SIRIS figures (Skolverket) as indicator values: the cells of stg_siris__unit_statistics that
-- stg_siris__indicator_map declares the same indicator as one of the warehouse's indicator ids, for the
-- municipality's school units that the warehouse knows (in its pupils' enrolments or in the unit register,
-- stg_skolverket__school_units — a national per-skolenhet export lists every unit in Sweden), the
-- municipality, its liknande kommuner of each year (the group of that year, as for Kolada) and riket.
-- Published figures with their own statuses ('.', '..', '~100'), no n; source 'siris'. A cell two reports
-- give is taken from the report of the lower priority, then the latest export.
with siris as (
    select * from {{ ref('stg_siris__unit_statistics') }}
    where breakdown is null
),

indicator_map as (
    select * from {{ ref('stg_siris__indicator_map') }}
),

known as (
    select indicator_id from {{ ref('indicator_catalogue') }}
    union
    select kpi_id from {{ ref('stg_kolada__kpi_config') }}
),

similar_municipalities as (
    select * from {{ ref('stg_kolada__municipality_groups') }}
),

known_units as (
    select school_unit_code from {{ ref('stg_skolverket__school_units') }}
    union
    select distinct school_unit_code from {{ ref('stg_raw__enrolments') }}
),

mapped as (
    select
        m.indicator_id,
        s.level,
        s.unit_code,
        s.year,
        s.school_year,
        s.gender,
        case when m.derivation = 'complement' then 100 - s.value else s.value end as value,
        s.status,
        m.priority,
        s.report_school_year,
        s.source_file
    from siris as s
    inner join indicator_map as m
        on m.report = s.report and m.measure = s.measure and m.level = s.level
        and (m.organiser_type is null or m.organiser_type = s.organiser_type)
        and (m.subject is null or m.subject = s.subject)
    where m.indicator_id in (select indicator_id from known)
        and (
            s.level = 'riket'
            or (
                s.level = 'skolenhet' and s.municipality_code = '{{ var("kommunkod") }}'
                and s.unit_code in (select school_unit_code from known_units)
            )
            or (
                s.level = 'kommun' and (
                    s.unit_code = '{{ var("kommunkod") }}'
                    or exists (
                        select 1 from similar_municipalities as g
                        where g.member_code = s.unit_code and {{ applies_in_year('g', 's.year') }}
                    )
                )
            )
        )
)

select
    indicator_id,
    level,
    unit_code,
    year,
    school_year,
    gender,
    value,
    null::integer as n,
    null::integer as min_n,
    status,
    'siris' as source
from mapped
qualify row_number() over (
    partition by indicator_id, level, unit_code, year, gender
    order by priority, report_school_year desc, source_file desc
) = 1
