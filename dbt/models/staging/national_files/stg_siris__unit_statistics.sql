-- SIRIS exports (Skolverket) as published, one row per level (skolenhet, kommun, riket), unit, huvudman,
-- subject, gender, breakdown, measure and year. Where two landed files give the same cell — the CSV and the
-- Excel version of one report, or a later "över tid" export that repeats earlier years — the latest export
-- wins (report_school_year, then the file name), so every cell is here once.
with source as (
    select * from {{ source('siris', 'unit_statistics') }}
)

select
    report, report_school_year, school_year, year, level, unit_code, school_unit_code, school_unit_name,
    municipality_code, municipality_name, organiser_type, organiser_name, subject, gender, breakdown, measure,
    value, coalesce(status, '') as status, source_file, source_sheet, source_line
from source
qualify row_number() over (
    partition by report, level, unit_code, organiser_type, subject, gender, breakdown, measure, year
    order by report_school_year desc, source_file desc
) = 1
