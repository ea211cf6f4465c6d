-- Skolenkäten as published. The by-gender sheet repeats the totals sheet's Totalt figures, so totals come
-- from the totals sheet and girls/boys from the gender sheet.
select
    survey, year, respondent_group, unit_level, municipality_code, municipality_name, school_unit_code,
    school_unit_name, area_no, area, question, answer_option, measure, gender, value,
    coalesce(status, '') as status, status_reason, n_respondents, response_rate
from {{ source('skolenkaten', 'results') }}
where (sheet = 'totals' and gender = 'T') or (sheet = 'by_gender' and gender in ('K', 'M'))
