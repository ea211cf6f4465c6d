-- The background of each of the municipality's schools with åk 9 pupils (final grades) in the latest school
-- year, in the terms of the national data that liknande skolenheter are chosen from
-- (skolanalys/similar_units.py), computed from its own pupils that school year:
--   pupils             its åk 9 pupils with final grades (SIRIS: pupils in åk 9);
--   parents_education  mean parents' education level 1–3 of its pupils enrolled in åk 7–9 (SALSA's
--                      salsaParentsEducation is of åk 9; three grades keep a small school's mean steady);
--   share_boys         % boys among its pupils enrolled in åk 1–9 (as SIRIS's % girls in åk 1–9).

with year9 as (
    select * from {{ ref('int_year9_pupil_background') }}
),

latest as (
    select max(year) as year from year9
),

schools as (
    select year9.school_unit_code, year9.year, any_value(year9.school_year) as school_year, count(*) as pupils
    from year9
    inner join latest using (year)
    group by all
),

enrolled as (
    select
        school_unit_code,
        year,
        avg(parent_education) filter (where grade_level in ('7', '8', '9')) as parents_education,
        count(parent_education) filter (where grade_level in ('7', '8', '9')) as pupils_with_parents_education,
        count(*) filter (where grade_level <> 'F' and gender = 'M') as boys,
        count(*) filter (where grade_level <> 'F' and gender = 'K') as girls
    from {{ ref('stg_raw__enrolments') }}
    group by all
)

select
    schools.school_unit_code as unit_code,
    schools.year,
    schools.school_year,
    schools.pupils,
    enrolled.pupils_with_parents_education,
    enrolled.parents_education,
    enrolled.boys,
    enrolled.girls,
    100.0 * enrolled.boys / nullif(enrolled.boys + enrolled.girls, 0) as share_boys
from schools
left join enrolled using (school_unit_code, year)
