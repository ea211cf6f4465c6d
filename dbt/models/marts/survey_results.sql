-- Enkätresultat: per survey, area, school unit / municipality, grade and gender the share of positive
-- answers (%), the index 0–10 and the number of respondents — served as `survey_results`.
-- Disclosure control (domain.md): fewer than 5 respondents → not reported (values and n null, status
-- '..'); gender cells in pairs; and, among the grade cells of a unit, when the respondents of suppressed
-- grades plus those without a grade are 1–4, the smallest shown grade is suppressed too, else that small
-- group would follow from the total ('alla') minus the shown grades.

with survey_cells as (
    select *, n as n_respondents, '' as status
    from {{ ref('int_survey_results_aggregated') }}
),

controlled as (
    {{ disclosure_control(
        'survey_cells',
        cell_key=['survey', 'area', 'level', 'unit_code', 'year', 'grade_level'],
        values=['share_positive', 'index_value']
    ) }}
),

grade_remainders as (
    select
        survey, area, level, unit_code, year,
        max(n_respondents) filter (where grade_level = 'alla')
            - coalesce(sum(n_respondents) filter (where grade_level <> 'alla' and status = ''), 0) as n_hidden,
        first(grade_level order by n_respondents, grade_level) filter (where grade_level <> 'alla' and status = '')
            as smallest_shown_grade
    from controlled
    where gender = 'T'
    group by all
),

final as (
    select
        controlled.*,
        controlled.gender = 'T'
        and controlled.grade_level = r.smallest_shown_grade
        and r.n_hidden between 1 and controlled.min_n - 1 as also_suppressed
    from controlled
    left join grade_remainders as r using (survey, area, level, unit_code, year)
)

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
    case when also_suppressed then null else share_positive end as share_positive,
    case when also_suppressed then null else index_value end as index_value,
    case when also_suppressed then null else n end as n,
    case when also_suppressed then '..' else status end as status,
    min_n
from final
