-- Skolverket's unit statistics; the variables that measure the same thing as a Kolada KPI get its id, so
-- a school's own computation can be set beside Skolverket's figure.
select
    school_unit_code,
    variable,
    time_period as school_year,
    year,
    value,
    coalesce(status, '') as status,
    {{ skolverket_indicator_id('variable') }} as indicator_id
from {{ source('skolverket', 'unit_statistics') }}
