-- Survey results per survey, area, school unit / municipality, grade and gender, before disclosure control.
-- Every respondent weighs the same: a respondent's area index is the mean score of the area's questions
-- they answered and their positive share the share of those answers that were positive; a cell averages
-- its respondents, and n counts them.
--
-- Cells: every gender (T, K, M) for all grades together ('alla'), and every grade for both genders
-- together (T). A grade × gender cross is left out: it would need suppression in two directions at once.
-- Respondents answering 'Annat' (X) or no gender count in T only; those without a grade in 'alla' only.
-- Means are summed exactly (macro exact_mean): two builds of the same answers serve the same values.

with respondent_areas as (
    select
        survey, survey_type, school_year, year, school_unit_code, grade_level, gender, respondent_id, area,
        {{ exact_mean('score') }} as index_value,
        100.0 * avg(case when is_positive then 1.0 else 0.0 end) as share_positive
    from {{ ref('int_survey_answers_scored') }}
    group by all
),

breakdowns as (
    select respondent_areas.*, 'alla' as grade_cell, g.gender_cell
    from respondent_areas
    inner join (values ('T'), ('K'), ('M')) as g(gender_cell)
        on g.gender_cell = 'T' or g.gender_cell = respondent_areas.gender
    union all
    select respondent_areas.*, grade_level as grade_cell, 'T' as gender_cell
    from respondent_areas
    where grade_level is not null
),

units as (
    select 'skolenhet' as level, school_unit_code as unit_code, * exclude (school_unit_code) from breakdowns
    union all
    select 'kommun', '{{ var("kommunkod") }}', * exclude (school_unit_code) from breakdowns
)

select
    survey,
    survey_type,
    school_year,
    year,
    area,
    level,
    unit_code,
    grade_cell as grade_level,
    gender_cell as gender,
    {{ exact_mean('share_positive') }} as share_positive,
    {{ exact_mean('index_value') }} as index_value,
    count(*) as n,
    {{ var('min_respondents') }} as min_n
from units
group by all
