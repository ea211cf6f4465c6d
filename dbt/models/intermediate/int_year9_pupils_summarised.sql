-- One row per pupil who received (or should have received) final grades (slutbetyg, VT åk 9): the
-- merit value and the eligibility rules of domain.md. Pupil level: stays in the warehouse, never served.

with final_grades as (
    select * from {{ ref('stg_raw__grades') }}
    where grade_type = 'slutbetyg'
),

-- The pupil's school, gender, meritvärde and passes by macros/pupil_grade_summary.sql; the school that set
-- the final grades is, for a pupil graded at two schools, the one with most. Plus the passes behörighet needs.
pupils as (
    {{ pupil_grade_summary('final_grades', {
        'passed_swedish': "bool_or(is_pass and subject in ('SV', 'SVA'))",
        'passed_english': "bool_or(is_pass and subject = 'EN')",
        'passed_maths': "bool_or(is_pass and subject = 'MA')",
        'other_subjects_passed':
            "count(distinct subject_slot) filter (where is_pass and subject not in ('SV', 'SVA', 'EN', 'MA'))",
        'science_passed': "count(distinct subject) filter (where is_pass and subject in ('BI', 'FY', 'KE'))",
        'social_passed': "count(distinct subject) filter (where is_pass and subject in ('GE', 'HI', 'RE', 'SH'))",
    }) }}
)

select
    * exclude (passed_swedish, passed_english, passed_maths, other_subjects_passed, science_passed, social_passed),
    passed_swedish and passed_english and passed_maths as passed_core_subjects,
    other_subjects_passed,
    passed_core_subjects and other_subjects_passed >= 5 as eligible_vocational,
    passed_core_subjects and other_subjects_passed >= 9 and science_passed = 3
        as eligible_natural_science_technology,
    passed_core_subjects and other_subjects_passed >= 9 and social_passed = 4
        as eligible_economics_humanities_social,
    passed_core_subjects and other_subjects_passed >= 9 as eligible_arts
from pupils
