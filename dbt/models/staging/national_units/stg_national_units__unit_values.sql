-- Published values per Swedish school unit from the shipped files; origin 'sources/reference' so that they
-- can stand beside what the national assets fetch (skolverket.unit_statistics, origin 'api'). Variables
-- that measure the same thing as a Kolada KPI get its id, as in stg_skolverket__unit_statistics.
select
    school_unit_code,
    variable,
    school_year,
    year,
    value,
    coalesce(status, '') as status,
    publisher,
    {{ skolverket_indicator_id('variable') }} as indicator_id,
    reference_file,
    'sources/reference' as origin
from {{ source('national_units', 'unit_values') }}
