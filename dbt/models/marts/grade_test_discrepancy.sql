-- Provbetyg och betyg: per school unit and the municipality, school year, grade (6, 9), subject and gender,
-- the share of pupils whose spring-term grade in the subject (terminsbetyg VT åk 6, slutbetyg VT åk 9) is
-- higher than, the same as or lower than their national-test grade — served as `grade_test_discrepancy`.
-- Pupils with both an A–F test grade and an A–F grade count ('-' is no grade). The school unit is the one
-- where the test was taken. Disclosure control: fewer than 10 pupils → null and '..', gender cells in pairs.

with tests as (
    select * from {{ ref('stg_raw__national_tests') }}
    where grade_level in (6, 9) and test_grade_step is not null
),

spring_grades as (
    select pupil_key, school_year, subject, {{ grade_step('grade') }} as grade_step
    from {{ ref('stg_raw__grades') }}
    where term = 'VT' and grade_level in (6, 9)
),

enrolments as (
    select pupil_key, school_year, gender from {{ ref('stg_raw__enrolments') }}
),

pairs as (
    select
        tests.school_year,
        tests.year,
        tests.school_unit_code,
        tests.grade_level,
        tests.subject,
        coalesce(enrolments.gender, tests.pupil_gender) as gender,
        sign(spring_grades.grade_step - tests.test_grade_step) as direction
    from tests
    inner join spring_grades using (pupil_key, school_year, subject)
    left join enrolments using (pupil_key, school_year)
    where spring_grades.grade_step is not null
),

units as (
    {{ unit_gender_cells('pairs') }}
),

discrepancy_cells as (
    select
        level,
        unit_code,
        year,
        school_year,
        grade_level,
        subject,
        gender_cell as gender,
        100.0 * avg(case when direction > 0 then 1.0 else 0.0 end) as share_higher,
        100.0 * avg(case when direction = 0 then 1.0 else 0.0 end) as share_same,
        100.0 * avg(case when direction < 0 then 1.0 else 0.0 end) as share_lower,
        count(*) as n,
        {{ var('min_pupils') }} as min_n,
        '' as status
    from units
    group by all
),

{{ disclosure_control(
    'discrepancy_cells',
    cell_key=['level', 'unit_code', 'year', 'grade_level', 'subject', 'gender'],
    values=['share_higher', 'share_same', 'share_lower'],
    dimensions=['gender', 'units'],
    bounds=bounds_of(['share_higher', 'share_same', 'share_lower'], 'procent'),
) }},

controlled as (
    select * from controlled_cells
)

select
    level, unit_code, year, school_year, grade_level, subject, gender,
    share_higher, share_same, share_lower, n, status, min_n
from controlled
