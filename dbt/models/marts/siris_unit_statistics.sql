-- SIRIS figures (Skolverket) for the school units in the municipality, as published.
select report, school_year, year, school_unit_code, school_unit_name, organiser_type, measure, value, status
from {{ ref('stg_siris__unit_statistics') }}
where municipality_code = '{{ var("kommunkod") }}'
