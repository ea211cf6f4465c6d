-- One row per pupil and school year with spring-term grades in åk 6 (terminsbetyg VT åk 6): the meritvärde
-- by the same rule as the final grades' (macros/merit_value.sql), whether every subject was passed, and the
-- mean grade points over the subjects graded. The outcome of value-added stage 3-6 and the first prior of
-- stage 6-9 (docs/value_added.md). Pupil level: stays in the warehouse, never served.

with spring_grades as (
    select * from {{ ref('stg_raw__grades') }}
    where grade_level = 6 and term = 'VT' and grade_type = 'terminsbetyg'
),

-- The pupil's grades summarised as the final grades are (macros/pupil_grade_summary.sql).
pupils as (
    {{ pupil_grade_summary('spring_grades') }}
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
)

select
    pupils.* exclude (has_any_pass),
    mean_points.mean_grade_points
from pupils
inner join mean_points using (pupil_key, school_year)
