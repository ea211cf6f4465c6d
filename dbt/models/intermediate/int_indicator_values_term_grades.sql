-- Term-grade indicators SKA_TB_AK<6–9>_<HT|VT>: the share of pupils with E or better in every subject graded
-- that term (terminsbetyg HT and VT in åk 6–8, HT in åk 9; the VT grades of åk 9 are the final grades, N15419),
-- per school unit and the municipality, year and gender (T, K, M), before disclosure control. The term grades
-- are the follow-up of every pupil's progress towards the goals from åk 6 on (domain.md, the annual wheel).
-- Denominator: every pupil with at least one term grade that term (`-` included, as not passed); a pupil
-- graded at two schools in a term counts at the one that set most grades (ties: the lowest code). Only ids
-- in the indicator catalogue are computed.

with term_grades as (
    select * from {{ ref('stg_raw__grades') }}
    where grade_type = 'terminsbetyg' and grade_level between 6 and 9
),

pupil_terms as (
    select
        pupil_key,
        school_year,
        term,
        grade_level,
        any_value(year) as year,
        any_value(pupil_gender) as pupil_gender,
        mode(school_unit_code order by school_unit_code) as school_unit_code
    from term_grades
    group by all
),

passed as (
    {{ all_subjects_passed('term_grades', ['pupil_key', 'school_year', 'term', 'grade_level']) }}
),

pupil_term_passes as (
    select t.*, p.passed_all_subjects
    from pupil_terms as t
    inner join passed as p using (pupil_key, school_year, term, grade_level)
),

measures as (
    {{ pass_share_measures(
        'pupil_term_passes', indicator_id="'SKA_TB_AK' || grade_level || '_' || term", passed='passed_all_subjects'
    ) }}
)

{{ indicator_cells('measures') }}
