select school_unit_code, school_unit_name, municipality_code, municipality_name, organiser_type, kolada_ou
from {{ source('national_units', 'school_units') }}
