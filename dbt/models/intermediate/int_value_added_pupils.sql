-- The population of each value-added stage (docs/value_added.md), one row per stage and pupil: the cohort,
-- the school the pupil's progress is attributed to (var value_added_attribution), how the pupil moved, the
-- background, the prior attainment and the outcomes. Pupils without a prior are here too (prior null):
-- counted, never dropped. Pupil level: stays in the warehouse; int_value_added_estimates reads it.
{%- set attribution = var('value_added_attribution') %}
{%- if attribution not in ('most_years', 'last') %}
    {{ exceptions.raise_compiler_error("var value_added_attribution: most_years eller last, inte " ~ attribution) }}
{%- endif %}

with stages as (
    -- The årskurs of the prior and of the outcome; the stage's own school years are the grades after the
    -- prior's, up to the outcome's (åk 7–9, resp. åk 4–6).
    {{ value_added_stages() }}
),

enrolments as (
    select
        pupil_key,
        year,
        school_unit_code,
        {{ grade_number('grade_level') }} as grade,
        mother_tongue,
        arrival_date,
        parent_education
    from {{ ref('stg_raw__enrolments') }}
),

-- 6-9: pupils with slutbetyg, cohort = the year of the final grades; 3-6: pupils with VT åk 6
-- terminsbetyg, cohort = its year. A pupil with outcomes in two years (a repeated year) counts in the later.
year9 as (
    select * from {{ ref('int_year9_pupils_summarised') }}
    qualify row_number() over (partition by pupil_key order by year desc) = 1
),

year6 as (
    select * from {{ ref('int_year6_pupils_summarised') }}
    qualify row_number() over (partition by pupil_key order by year desc) = 1
),

outcomes as (
    select
        '6-9' as stage, pupil_key, year as cohort, school_unit_code as graded_at, gender,
        merit_value as meritvarde, passed_all_subjects as alla_amnen
    from year9
    union all
    select
        '3-6' as stage, pupil_key, year as cohort, school_unit_code as graded_at, gender,
        merit_value as meritvarde, passed_all_subjects as alla_amnen
    from year6
),

population as (
    select outcomes.*, stages.prior_grade, stages.outcome_grade
    from outcomes
    inner join stages using (stage)
),

-- Enrolments (as of 15 October) in the stage's own grades, up to the outcome's year.
stage_years as (
    select p.stage, p.pupil_key, e.year, e.grade, e.school_unit_code
    from population as p
    inner join enrolments as e
        on e.pupil_key = p.pupil_key
        and e.grade > p.prior_grade
        and e.grade <= p.outcome_grade
        and e.year <= p.cohort
),

school_years as (
    select stage, pupil_key, school_unit_code, count(*) as years_at_school, max(year) as latest_year
    from stage_years
    group by all
),

-- most_years: the school of the most school years in the stage; a tie goes to the one attended latest.
most_years as (
    select stage, pupil_key, school_unit_code as school_most_years
    from school_years
    qualify row_number() over (
        partition by stage, pupil_key order by years_at_school desc, latest_year desc, school_unit_code
    ) = 1
),

-- last: the school at the end of the stage (the latest enrolment in the stage's grades).
last_school as (
    select stage, pupil_key, school_unit_code as school_last
    from stage_years
    qualify row_number() over (partition by stage, pupil_key order by year desc, grade desc, school_unit_code) = 1
),

movements as (
    select stage, pupil_key, count(distinct school_unit_code) as schools_in_stage
    from stage_years
    group by all
),

-- The pupil's first enrolment in the municipality, and the first school year the enrolments cover: a pupil
-- first enrolled in that year may have been here before.
entries as (
    select pupil_key, min(year) as first_year, arg_min(grade, year) as first_grade
    from enrolments
    group by all
),

data_years as (
    select min(year) as first_data_year from enrolments
),

-- Background as last recorded up to the outcome's year.
background as (
    select
        p.stage,
        p.pupil_key,
        arg_max(e.parent_education, e.year) filter (where e.parent_education is not null) as parent_education,
        arg_max(e.mother_tongue, e.year) filter (where e.mother_tongue is not null) as mother_tongue,
        arg_max(e.arrival_date, e.year) filter (where e.arrival_date is not null) as arrival_date
    from population as p
    inner join enrolments as e on e.pupil_key = p.pupil_key and e.year <= p.cohort
    group by all
),

-- Prior attainment on the grade-points scale (macros/prior_points.sql), from the prior's årskurs and before
-- the outcome's year; where a pupil has several school years of it (a repeated year), the latest.
assessments as (
    select
        pupil_key,
        year,
        grade_level,
        case when subject in ('SV', 'SVA') then 'SV/SVA' else subject end as subject_slot,
        {{ assessment_points('assessment') }} as points
    from {{ ref('stg_raw__teacher_assessments') }}
    where occasion = 'mars' and grade_level in (3, 6)
),

assessment_means as (
    select pupil_key, year, grade_level, avg(points) as points, count(*) as items
    from (
        select pupil_key, year, grade_level, subject_slot, max(points) as points
        from assessments
        group by all
    )
    group by all
),

tests as (
    select pupil_key, year, grade_level, test_grade
    from {{ ref('stg_raw__national_tests') }}
    where grade_level in (3, 6)
),

year6_tests as (
    select pupil_key, year, avg({{ grade_points('test_grade') }}) as points
    from tests
    where grade_level = 6
    group by all
),

year3_tests as (
    select pupil_key, year, avg({{ year3_test_points('test_grade') }}) as points, count(*) as items
    from tests
    where grade_level = 3
    group by all
),

-- 3-6: the åk 3 national tests and the March åk 3 assessments together, each item weighted alike.
year3 as (
    select
        pupil_key,
        year,
        (coalesce(t.points * t.items, 0) + coalesce(a.points * a.items, 0))
            / (coalesce(t.items, 0) + coalesce(a.items, 0)) as points,
        case
            when t.items > 0 and a.items > 0 then 'np+bedomning'
            when t.items > 0 then 'np'
            else 'bedomning'
        end as prior_source
    from year3_tests as t
    full outer join (select * from assessment_means where grade_level = 3) as a using (pupil_key, year)
),

prior_candidates as (
    -- 6-9 in order of preference: VT åk 6 terminsbetyg, åk 6 national tests, March åk 6 assessments.
    select '6-9' as stage, pupil_key, year, 1 as preference, 'terminsbetyg' as prior_source,
        mean_grade_points as points
    from {{ ref('int_year6_pupils_summarised') }}
    union all
    select '6-9', pupil_key, year, 2, 'np', points from year6_tests
    union all
    select '6-9', pupil_key, year, 3, 'bedomning', points from assessment_means where grade_level = 6
    union all
    select '3-6', pupil_key, year, 1, prior_source, points from year3
),

priors as (
    select c.stage, c.pupil_key, c.points as prior, c.prior_source
    from prior_candidates as c
    inner join population as p using (stage, pupil_key)
    where c.year < p.cohort and c.points is not null
    qualify row_number() over (partition by c.stage, c.pupil_key order by c.preference, c.year desc) = 1
),

pupils as (
    select
        p.stage,
        p.cohort,
        p.pupil_key,
        p.gender,
        -- A pupil with no enrolment in the stage's grades counts at the school that set the outcome's grades.
        coalesce(m.school_most_years, p.graded_at) as school_most_years,
        coalesce(l.school_last, p.graded_at) as school_last,
        coalesce(mv.schools_in_stage, 0) as schools_in_stage,
        coalesce(en.first_year > d.first_data_year and en.first_grade > p.prior_grade + 1, false)
            as arrived_during_stage,
        pr.prior,
        pr.prior_source,
        p.meritvarde,
        p.alla_amnen,
        b.parent_education,
        b.mother_tongue,
        coalesce(b.mother_tongue <> 'svenska', false) as other_mother_tongue,
        datediff('day', b.arrival_date, make_date(p.cohort, 6, 30)) / 365.25 as years_in_sweden
    from population as p
    cross join data_years as d
    left join most_years as m using (stage, pupil_key)
    left join last_school as l using (stage, pupil_key)
    left join movements as mv using (stage, pupil_key)
    left join entries as en using (pupil_key)
    left join background as b using (stage, pupil_key)
    left join priors as pr using (stage, pupil_key)
)

select
    stage,
    cohort,
    pupil_key,
    gender,
    {{ 'school_last' if attribution == 'last' else 'school_most_years' }} as school_unit_code,
    '{{ attribution }}' as attribution,
    school_most_years,
    school_last,
    schools_in_stage,
    schools_in_stage > 1 as moved_in_stage,
    arrived_during_stage,
    prior,
    prior_source,
    meritvarde,
    alla_amnen,
    parent_education,
    mother_tongue,
    other_mother_tongue,
    years_in_sweden,
    coalesce(years_in_sweden < 4, false) as newly_arrived
from pupils
