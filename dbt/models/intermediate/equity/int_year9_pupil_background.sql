-- Elevbakgrund åk 9: the pupils of int_year9_pupils_summarised with the background SALSA uses — parents'
-- education, newly arrived, gender — from their enrolment (elever/) the same school year. Pupil level:
-- stays in the warehouse, never served. Feeds the equity analyses and the municipality's own SALSA model.
--
-- Newly arrived (nyanländ, as SALSA counts it): in Sweden less than 4 years at the end of the spring term,
-- i.e. arrived after 30 June four years before the calendar year the school year ends (läsår 2023/24:
-- arrived after 2020-06-30). No arrival date means born in Sweden or not known: not newly arrived.

with pupils as (
    select * from {{ ref('int_year9_pupils_summarised') }}
),

enrolments as (
    select pupil_key, school_year, parent_education, arrival_date from {{ ref('stg_raw__enrolments') }}
)

select
    p.pupil_key,
    p.school_year,
    p.year,
    p.school_unit_code,
    p.gender,
    p.merit_value,
    p.has_any_pass,
    p.passed_all_subjects,
    p.eligible_vocational,
    e.parent_education,
    case when e.parent_education is not null then e.parent_education = 3 end as has_post_secondary_parents,
    coalesce(e.arrival_date > make_date(p.year - 4, 6, 30), false) as is_newly_arrived
from pupils as p
left join enrolments as e using (pupil_key, school_year)
