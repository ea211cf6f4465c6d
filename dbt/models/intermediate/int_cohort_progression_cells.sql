-- Kohortens väg genom grundskolan (docs/value_added.md): for each cohort — the pupils who got slutbetyg in
-- åk 9 that year, at the school that set them — the share reaching at least the pass level in svenska or
-- svenska som andraspråk (SV), matematik (MA) and engelska (EN) at every measuring point of their school
-- years, wherever they were then: teacher assessments åk 1–9 (oktober, mars; godtagbara or better),
-- national tests åk 3 (G), 6 and 9 (E or better), term grades åk 6–9 (HT, VT; E or better) and the final
-- grades. Per school unit and the municipality and gender, before disclosure control.

with cohort as (
    select pupil_key, year as cohort, school_unit_code, gender
    from {{ ref('int_year9_pupils_summarised') }}
    qualify row_number() over (partition by pupil_key order by year desc) = 1
),

measurements as (
    select pupil_key, school_year, year, 'bedomning' as kind, subject, grade_level, occasion, is_pass
    from {{ ref('stg_raw__teacher_assessments') }}
    union all
    select pupil_key, school_year, year, 'np', subject, grade_level, 'VT', is_pass
    from {{ ref('stg_raw__national_tests') }}
    where grade_level in (3, 6, 9)
    union all
    select pupil_key, school_year, year, 'terminsbetyg', subject, grade_level, term, is_pass
    from {{ ref('stg_raw__grades') }}
    where grade_type = 'terminsbetyg'
    union all
    select pupil_key, school_year, year, 'slutbetyg', subject, grade_level, term, is_pass
    from {{ ref('stg_raw__grades') }}
    where grade_type = 'slutbetyg'
),

-- SV and SVA are one measure (the pupil reads one of them; passed in either counts). A measuring point
-- repeated (a repeated school year) counts once, the latest.
per_year as (
    select
        pupil_key,
        kind || '_' || case when subject in ('SV', 'SVA') then 'SV' else subject end as measure,
        grade_level,
        occasion,
        year,
        bool_or(is_pass) as passed
    from measurements
    where subject in ('SV', 'SVA', 'MA', 'EN')
    group by all
),

points as (
    select *
    from per_year
    qualify row_number() over (partition by pupil_key, measure, grade_level, occasion order by year desc) = 1
),

measured as (
    select
        c.cohort,
        c.school_unit_code,
        c.gender,
        p.measure,
        p.grade_level,
        p.occasion,
        case when p.passed then 100.0 else 0.0 end as x
    from cohort as c
    inner join points as p on p.pupil_key = c.pupil_key and p.year <= c.cohort
),

units as (
    {{ unit_gender_cells('measured') }}
)

select
    cohort,
    level,
    unit_code,
    gender_cell as gender,
    measure,
    grade_level,
    occasion,
    avg(x) as share,
    count(*) as n,
    {{ var('min_pupils') }} as min_n
from units
group by all
