-- One row per pupil and school year with spring-term grades in åk 6 (terminsbetyg VT åk 6): the meritvärde
-- by the same rule as the final grades' (macros/merit_value.sql), whether every subject was passed, and the
-- mean grade points over the subjects graded. The outcome of value-added stage 3-6 and the first prior of
-- stage 6-9 (docs/value_added.md). Pupil level: stays in the warehouse, never served.

with spring_grades as (
    select * from {{ ref('stg_raw__grades') }}
    where grade_level = 6 and term = 'VT' and grade_type = 'terminsbetyg'
),

merit as (
    {{ merit_values('spring_grades', ['pupil_key', 'school_year']) }}
),

-- A subject slot once, with its best grade (as in the meritvärde).
slots as (
    select pupil_key, school_year, subject_slot, max(grade_points) as points
    from spring_grades
    group by all
),

mean_points as (
    select pupil_key, school_year, avg(points) as mean_grade_points
    from slots
    group by all
),

pupil_grades as (
    select
        pupil_key,
        school_year,
        any_value(year) as year,
        any_value(pupil_gender) as pupil_gender,
        mode(school_unit_code order by school_unit_code) as school_unit_code,
        count(*) as subjects_graded,
        bool_and(is_pass) as passed_all_subjects
    from spring_grades
    group by all
),

enrolments as (
    select pupil_key, school_year, gender from {{ ref('stg_raw__enrolments') }}
)

select
    p.pupil_key,
    p.school_year,
    p.year,
    p.school_unit_code,
    coalesce(e.gender, p.pupil_gender) as gender,
    p.subjects_graded,
    m.merit_value,
    p.passed_all_subjects,
    mp.mean_grade_points
from pupil_grades as p
inner join merit as m using (pupil_key, school_year)
inner join mean_points as mp using (pupil_key, school_year)
left join enrolments as e using (pupil_key, school_year)
