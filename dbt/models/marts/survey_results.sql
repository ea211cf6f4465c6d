-- Enkätresultat: per survey, area, school unit / municipality, grade and gender the share of positive
-- answers (%), the index 0–10 and the number of respondents — served as `survey_results`.
-- Disclosure control (domain.md, macros/disclosure_control.sql): fewer than 5 respondents → not reported
-- (values and n null, status '..'); complementary suppression along genders, school units and the grades
-- within 'alla', so that no hidden cell — nor the few respondents without a gender or grade — follows by
-- subtraction.

with survey_cells as (
    select *, '' as status
    from {{ ref('int_survey_results_aggregated') }}
),

{{ disclosure_control(
    'survey_cells',
    cell_key=['survey', 'area', 'level', 'unit_code', 'year', 'grade_level', 'gender'],
    values=['share_positive', 'index_value'],
    dimensions=['gender', 'units', 'grades'],
    bounds={'share_positive': var('value_bounds')['procent'], 'index_value': var('value_bounds')['index']},
) }}

select
    survey,
    survey_type,
    school_year,
    year,
    area,
    level,
    unit_code,
    grade_level,
    gender,
    share_positive,
    index_value,
    n,
    status,
    min_n
from controlled_cells
