-- Skolenkäten (Skolinspektionen): the index 0–10 per area for the municipality's school units and for all
-- participating units (riket), by gender — as published, masked values keep their reason.
select
    survey, year, respondent_group,
    case when unit_level = 'all_units' then 'riket' else 'skolenhet' end as level,
    coalesce(school_unit_code, '0000') as unit_code,
    coalesce(school_unit_name, 'Alla skolenheter') as unit_name,
    area_no, area, gender, value, status, status_reason, n_respondents, response_rate
from {{ ref('stg_skolenkaten__results') }}
where measure = 'index' and question is null
  and (unit_level = 'all_units'
       or (unit_level = 'school_unit' and municipality_code = '{{ var("kommunkod") }}'))
