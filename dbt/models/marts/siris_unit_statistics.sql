-- SIRIS figures (Skolverket) as published, served: the municipality's school units, the municipality itself
-- and riket, every report, measure, subject, gender and huvudman; indicator_id where the figure is one of
-- the warehouse's indicators (stg_siris__indicator_map; the riksnivå table's huvudman and background groups
-- are served with their breakdown, and no indicator_id).
with siris as (
    select * from {{ ref('stg_siris__unit_statistics') }}
    where (level = 'skolenhet' and municipality_code = '{{ var("kommunkod") }}')
        or (level = 'kommun' and unit_code = '{{ var("kommunkod") }}')
        or level = 'riket'
),

indicator_map as (
    select * from {{ ref('stg_siris__indicator_map') }}
)

select
    s.report, s.school_year, s.year, s.school_unit_code, s.school_unit_name, s.organiser_type, s.measure,
    s.value, s.status, s.level, s.unit_code, s.municipality_code, s.subject, s.gender, s.breakdown,
    case when s.breakdown is null then m.indicator_id end as indicator_id,
    case when s.breakdown is null then m.derivation end as indicator_derivation,
    s.report_school_year, s.source_file
from siris as s
left join indicator_map as m
    on m.report = s.report and m.measure = s.measure and m.level = s.level
    and (m.organiser_type is null or m.organiser_type = s.organiser_type)
    and (m.subject is null or m.subject = s.subject)
