-- One row per pupil who received (or should have received) final grades (slutbetyg, VT åk 9): the
-- merit value and the eligibility rules of domain.md. Pupil level: stays in the warehouse, never served.

with final_grades as (
    select * from {{ ref('stg_raw__grades') }}
    where grade_type = 'slutbetyg'
),

-- Meritvärde by the rule of macros/merit_value.sql.
merit as (
    {{ merit_values('final_grades', ['pupil_key', 'school_year']) }}
),

pupil_grades as (
    select
        pupil_key,
        school_year,
        any_value(year) as year,
        any_value(pupil_gender) as pupil_gender,
        -- The school that set the final grades; a pupil graded at two schools counts at the one with most.
        mode(school_unit_code order by school_unit_code) as school_unit_code,
        count(*) as subjects_graded,
        bool_or(is_pass) as has_any_pass,
        bool_and(is_pass) as passed_all_subjects,
        bool_or(is_pass and subject in ('SV', 'SVA')) as passed_swedish,
        bool_or(is_pass and subject = 'EN') as passed_english,
        bool_or(is_pass and subject = 'MA') as passed_maths,
        count(distinct subject_slot) filter (
            where is_pass and subject not in ('SV', 'SVA', 'EN', 'MA')
        ) as other_subjects_passed,
        count(distinct subject) filter (where is_pass and subject in ('BI', 'FY', 'KE')) as science_passed,
        count(distinct subject) filter (where is_pass and subject in ('GE', 'HI', 'RE', 'SH')) as social_passed
    from final_grades
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
    p.has_any_pass,
    p.passed_all_subjects,
    p.passed_swedish and p.passed_english and p.passed_maths as passed_core_subjects,
    p.other_subjects_passed,
    passed_core_subjects and p.other_subjects_passed >= 5 as eligible_vocational,
    passed_core_subjects and p.other_subjects_passed >= 9 and p.science_passed = 3
        as eligible_natural_science_technology,
    passed_core_subjects and p.other_subjects_passed >= 9 and p.social_passed = 4
        as eligible_economics_humanities_social,
    passed_core_subjects and p.other_subjects_passed >= 9 as eligible_arts
from pupil_grades as p
inner join merit as m using (pupil_key, school_year)
left join enrolments as e using (pupil_key, school_year)
