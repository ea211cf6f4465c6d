-- A name for every school unit the warehouse knows: Skolenhetsregistret's (the municipality's units) first,
-- then the shipped national files'.
select school_unit_code, school_unit_name, municipality_code, 'skolenhetsregistret' as name_source
from {{ ref('stg_skolverket__school_units') }}
union all
select school_unit_code, school_unit_name, municipality_code, 'national_files' as name_source
from {{ ref('stg_national_units__school_units') }}
where school_unit_code not in (select school_unit_code from {{ ref('stg_skolverket__school_units') }})
