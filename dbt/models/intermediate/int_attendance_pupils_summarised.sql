-- One row per pupil, school year, period (1, 2, 3 of the annual wheel) and unit — each school unit the pupil had
-- lessons at, and the municipality over all of them — with the scheduled and absent minutes (giltig / ogiltig),
-- the absence shares of scheduled time, and the reporting rate (share of the pupil's scheduled lessons where
-- attendance was registered). Gender from the enrolment of the same school year, else from the personnummer.
-- Pupil level: stays in the warehouse, never served. The whole school year (period 0) is summed from these rows
-- by int_attendance_cells_aggregated, not kept here: a night's new day writes again its own period only, not its
-- school year's whole (docs/benchmarks.md, "Twentieth session").
--
-- Incremental by school year and period: a build writes again the periods whose rows no longer agree with their
-- inputs — a period with lessons the rows do not count (a night's new day) — and every period of a school year
-- where a pupil's gender is now given otherwise by the enrolments; it leaves the others, which a whole build would
-- give as they are. A correction of earlier lessons rebuilds the model whole (--full-refresh, as the per-pupil
-- sums). The key is one string, not a list: dbt-duckdb then deletes the periods by `in`, not by a join of every
-- row of them with every new row.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key="school_year || '/' || period",
    )
}}

with all_periods as (
    select * from {{ ref('int_attendance_pupil_unit_periods') }}
),

enrolments as (
    select * from {{ ref('stg_raw__enrolments') }}
),

{% if is_incremental() %}
stale_periods as (
    -- lessons: each period's sums against its built rows (the municipality's counts each lesson once)
    select school_year, period
    from (select school_year, period, sum(lessons) as lessons from all_periods group by all) as summed
    full join (
        select school_year, period, sum(lessons) as lessons
        from {{ this }} where level = 'kommun' group by all
    ) as built using (school_year, period)
    where summed.lessons is distinct from built.lessons
    union
    -- gender: the rows' against the enrolments' (else the personnummer's), every period of the school year
    select a.school_year, a.period
    from all_periods as a
    where a.school_year in (
        select b.school_year
        from {{ this }} as b
        inner join (
            select pupil_key, school_year, any_value(pupil_gender) as pupil_gender from all_periods group by all
        ) as p using (pupil_key, school_year)
        left join enrolments as e using (pupil_key, school_year)
        where b.level = 'kommun' and b.gender is distinct from coalesce(e.gender, p.pupil_gender)
    )
),
{% endif %}

per_unit_and_period as (
    select * from all_periods as a
    {% if is_incremental() %}
    where exists (select 1 from stale_periods as s where s.school_year = a.school_year and s.period = a.period)
    {% endif %}
),

-- Each unit's periods are the per-pupil sums' own rows (one per pupil, school year, unit and period: their test
-- unique_combination), taken as they are; the municipality's add up the pupil's units (a pupil who changed school
-- counts at each unit with its own lessons, once in the municipality).
rolled_up as (
    select
        pupil_key,
        school_year,
        year,
        'skolenhet' as level,
        school_unit_code as unit_code,
        period,
        pupil_gender,
        lessons,
        reported_lessons,
        scheduled_min,
        absent_min,
        absent_valid_min,
        absent_invalid_min
    from per_unit_and_period
    union all
    select
        pupil_key,
        school_year,
        year,
        'kommun' as level,
        '{{ var("kommunkod") }}' as unit_code,
        period,
        any_value(pupil_gender) as pupil_gender,
        {{ attendance_sums() }}
    from per_unit_and_period
    group by pupil_key, school_year, year, period
)

select
    r.pupil_key,
    r.school_year,
    r.year,
    r.period,
    r.level,
    r.unit_code,
    coalesce(e.gender, r.pupil_gender) as gender,
    r.lessons,
    r.reported_lessons,
    r.scheduled_min,
    r.absent_min,
    r.absent_valid_min,
    r.absent_invalid_min,
    {{ attendance_shares('r') }}
from rolled_up as r
left join enrolments as e
    on e.pupil_key = r.pupil_key and e.school_year = r.school_year
{% if not is_incremental() %}
-- Stored by period: a night's delete of its period then frees whole row groups, and the warehouse's close has
-- no row group to rewrite for it (0.3 s at storstad; docs/benchmarks.md, "Twentieth session").
order by r.school_year, r.period
{% endif %}
