select school_unit_code, name as school_unit_name, status, municipality_code, organizer_name, is_municipal
from {{ source('skolverket', 'school_units') }}
