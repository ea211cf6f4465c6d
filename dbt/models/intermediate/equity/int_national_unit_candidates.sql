-- The national pool liknande skolenheter are chosen from: every Swedish school unit with a published
-- meritvärde in the latest school year of the shipped data and the background variables of
-- skolanalys/similar_units.py — SALSA's parents' education (salsaParentsEducation), % boys (100 − SIRIS's %
-- girls in åk 1–9) and pupils in åk 9 (SIRIS) — with its latest published results.

with published as (
    select * from {{ ref('stg_national_units__unit_values') }}
    where status = '' and value is not null
),

latest_results_year as (
    select max(year) as year from published where indicator_id = 'N15505'
),

background as (
    select
        school_unit_code,
        arg_max(value, year) filter (where variable = 'salsaParentsEducation') as parents_education,
        100.0 - arg_max(value, year) filter (where variable = 'share_girls_grade_1_9_pct') as share_boys,
        arg_max(value, year) filter (where variable = 'pupils_grade_9') as pupils
    from published
    group by all
),

results as (
    select
        published.school_unit_code,
        any_value(published.school_year) as results_school_year,
        max(published.value) filter (where published.indicator_id = 'N15505') as meritvarde,
        max(published.value) filter (where published.indicator_id = 'N15419') as alla_amnen,
        max(published.value) filter (where published.indicator_id = 'N15436') as behorighet_yrkes
    from published
    inner join latest_results_year using (year)
    where published.publisher = 'skolverket' and published.indicator_id is not null
    group by all
)

select
    results.school_unit_code,
    units.school_unit_name,
    units.municipality_code,
    units.municipality_name,
    units.organiser_type,
    background.parents_education,
    background.share_boys,
    background.pupils,
    results.results_school_year,
    results.meritvarde,
    results.alla_amnen,
    results.behorighet_yrkes
from results
inner join background using (school_unit_code)
left join {{ ref('stg_national_units__school_units') }} as units using (school_unit_code)
where results.meritvarde is not null
