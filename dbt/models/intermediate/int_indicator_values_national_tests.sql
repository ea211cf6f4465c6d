-- National-test indicators SKA_NP_AK<6|9>_<subject>: the share of pupils with at least E on the test, per
-- subject in åk 6 and 9, per school unit (where the test was taken) and the municipality, year and gender
-- (T, K, M), before disclosure control. Only ids in the indicator catalogue are computed.

with tests as (
    select * from {{ ref('stg_raw__national_tests') }}
    where grade_level in (6, 9) and test_grade_step is not null
),

enrolments as (
    select pupil_key, school_year, gender from {{ ref('stg_raw__enrolments') }}
),

measures as (
    select
        'SKA_NP_AK' || tests.grade_level || '_' || tests.subject as indicator_id,
        tests.school_year,
        tests.year,
        tests.school_unit_code,
        coalesce(enrolments.gender, tests.pupil_gender) as gender,
        case when tests.is_pass then 100.0 else 0.0 end as x
    from tests
    left join enrolments using (pupil_key, school_year)
    where 'SKA_NP_AK' || tests.grade_level || '_' || tests.subject
        in (select indicator_id from {{ ref('indicator_catalogue') }})
),

units as (
    {{ unit_gender_cells('measures') }}
)

select
    indicator_id,
    level,
    unit_code,
    year,
    school_year,
    gender_cell as gender,
    avg(x) as value,
    count(*) as n,
    {{ var('min_pupils') }} as min_n
from units
group by all
