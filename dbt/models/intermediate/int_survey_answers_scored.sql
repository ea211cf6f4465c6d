-- One row per answered survey question, scored as Skolinspektionen scores Skolenkäten (domain.md): a
-- negatively worded question is reversed first, then the answer's place on its scale becomes 0–10 (four
-- options 10 / 6.67 / 3.33 / 0, five options 10 / 7.5 / 5 / 2.5 / 0), and the two most agreeing options
-- count as positive. Respondent level (anonymous ids): stays in the warehouse, never served.

with answers as (
    select * from {{ ref('stg_raw__survey_answers') }}
),

questions as (
    select * from {{ ref('stg_raw__survey_questions') }}
),

-- A respondent counts once, in one school unit, school year, grade and gender: the most frequent of their
-- rows (the check gx_survey_respondents warns when the rows disagree). Nearly every respondent's rows agree:
-- those take their one combination, and only the others are counted row by row (an ordered mode over every
-- answer was the dearest step of the model: storstad 4.7 s → 3.4 s).
combinations as (
    select
        survey,
        respondent_id,
        school_year,
        school_unit_code,
        grade_level,
        gender,
        count(*) over (partition by survey, respondent_id) as n
    from (select distinct survey, respondent_id, school_year, school_unit_code, grade_level, gender from answers)
),

respondents as (
    select survey, respondent_id, school_year, school_unit_code, grade_level, gender
    from combinations
    where n = 1
    union all
    select
        survey,
        respondent_id,
        mode(school_year order by school_year) as school_year,
        mode(school_unit_code order by school_unit_code) as school_unit_code,
        mode(grade_level order by grade_level) as grade_level,
        mode(gender order by gender) as gender
    from answers
    semi join (select survey, respondent_id from combinations where n > 1) using (survey, respondent_id)
    group by all
)

select
    a.survey,
    a.survey_type,
    r.school_year,
    {{ school_year_end('r.school_year') }} as year,
    r.school_unit_code,
    r.grade_level,
    r.gender,
    a.respondent_id,
    a.question_id,
    q.area,
    q.scale_max,
    q.reversed,
    a.answer,
    case when q.reversed then q.scale_max + 1 - a.answer else a.answer end as answer_adjusted,
    10.0 * (answer_adjusted - 1) / (q.scale_max - 1) as score,
    answer_adjusted >= q.scale_max - 1 as is_positive
from answers as a
inner join questions as q using (survey, question_id)
inner join respondents as r using (survey, respondent_id)
where a.answer is not null
