-- Who the value added is about (docs/value_added.md), per stage, cohort, school unit (the attributed one)
-- and the municipality, and gender (T, K, M), before disclosure control: the stage's population, those
-- with and without a prior (only those with one have a value added), movers, pupils who arrived during
-- the stage, newly arrived pupils, and pupils who left during the stage (enrolled in the stage's grades,
-- no outcome in the municipality by the year they would have reached it; counted at their last school).

with pupils as (
    select * from {{ ref('int_value_added_pupils') }}
),

stages as (
    {{ value_added_stages() }}
),

enrolments as (
    select
        pupil_key,
        year,
        school_unit_code,
        {{ grade_number('grade_level') }} as grade,
        gender
    from {{ ref('stg_raw__enrolments') }}
),

-- The latest outcome year in the data: a pupil who would reach the outcome later has not left.
outcome_years as (
    select stage, max(cohort) as last_cohort
    from pupils
    group by all
),

last_stage_enrolments as (
    select
        s.stage,
        e.pupil_key,
        e.school_unit_code,
        e.gender,
        e.year + (s.outcome_grade - e.grade) as expected_cohort
    from enrolments as e
    inner join stages as s on e.grade > s.prior_grade and e.grade <= s.outcome_grade
    qualify row_number() over (partition by s.stage, e.pupil_key order by e.year desc, e.grade desc) = 1
),

leavers as (
    select l.stage, l.expected_cohort as cohort, l.school_unit_code, l.gender
    from last_stage_enrolments as l
    inner join outcome_years as o using (stage)
    where l.expected_cohort <= o.last_cohort
        and not exists (select 1 from pupils as p where p.stage = l.stage and p.pupil_key = l.pupil_key)
),

counted as (
    select
        stage,
        cohort,
        school_unit_code,
        gender,
        1 as in_population,
        case when prior is not null then 1 else 0 end as with_prior,
        case when moved_in_stage then 1 else 0 end as moved,
        case when arrived_during_stage then 1 else 0 end as arrived,
        case when newly_arrived then 1 else 0 end as newly_arrived,
        0 as left_stage
    from pupils
    union all
    select stage, cohort, school_unit_code, gender, 0, 0, 0, 0, 0, 1
    from leavers
),

units as (
    {{ unit_gender_cells('counted') }}
)

select
    stage,
    cohort,
    level,
    unit_code,
    gender_cell as gender,
    sum(in_population) as n_population,
    sum(with_prior) as n_with_prior,
    sum(in_population) - sum(with_prior) as n_no_prior,
    sum(moved) as n_movers,
    sum(arrived) as n_arrived,
    sum(left_stage) as n_left,
    sum(newly_arrived) as n_newly_arrived,
    {{ var('min_pupils') }} as min_n
from units
group by all
