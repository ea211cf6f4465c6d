select
    report, school_year, year, school_unit_code, school_unit_name, municipality_code, municipality_name,
    organiser_type, organiser_name, measure, value, coalesce(status, '') as status
from {{ source('siris', 'unit_statistics') }}
