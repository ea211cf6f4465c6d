-- Frånvaro summed per pupil, school year, school unit and period: 100 M lessons become ~3 rows per pupil and
-- unit. Incremental because the sums are additive: a night with new attendance files adds the new files'
-- lessons to the rows they touch instead of summing every lesson again. A file is new when the ledger has it
-- and meta.attendance_summarised_files (written after each build) does not. Anything but additions — a
-- correction superseding earlier rows, a new pseudonym key — makes the dbt asset rebuild this model whole
-- (--full-refresh; pipelines/build_state.py: attendance_additions_only). Pupil level: never served.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['pupil_key', 'school_year', 'school_unit_code', 'period'],
        post_hook="{{ record_summarised_attendance_files() }}",
    )
}}

with lessons as (
    select * from {{ ref('stg_raw__attendance') }}
    {% if is_incremental() %}
    where source_file_number in (
        select {{ attendance_number('source_file_number', 'number', 'file_hash') }}
        from {{ source('raw', 'loaded_files') }}
        where file_hash not in (select file_hash from {{ attendance_summarised_files_table() }})
    )
    {% endif %}
),

-- Grouped by the integer year and the stored numbers, the läsår's label and the texts added once a group (not
-- once a lesson).
new_sums as (
    select
        pupil_number,
        year,
        school_unit_number,
        period,
        count(*) as lessons,
        count(*) filter (where reported) as reported_lessons,
        sum(scheduled_min) as scheduled_min,
        sum(absent_min) as absent_min,
        sum(absent_valid_min) as absent_valid_min,
        sum(absent_invalid_min) as absent_invalid_min
    from lessons
    group by all
),

pupils as (
    select * from {{ ref('stg_raw__attendance_pupils') }}
),

-- The gender joined once a group, not once a lesson.
keyed as (
    select
        {{ attendance_number('pupil_number', 'text', 'pupil_number') }} as pupil_key,
        {{ attendance_number('school_unit_number', 'text', 'school_unit_number') }} as school_unit_code,
        *
    from new_sums
),

labelled as (
    select
        n.pupil_key,
        {{ school_year_label('n.year') }} as school_year,
        n.year,
        n.school_unit_code,
        n.period,
        p.pupil_gender,
        n.* exclude (pupil_key, pupil_number, year, school_unit_code, school_unit_number, period)
    from keyed as n
    left join pupils as p using (pupil_key)
)

{% if is_incremental() %}
-- The rows the new lessons touch, with the sums so far added: delete+insert replaces them by key.
select
    n.pupil_key,
    n.school_year,
    n.year,
    n.school_unit_code,
    n.period,
    coalesce(t.pupil_gender, n.pupil_gender) as pupil_gender,
    n.lessons + coalesce(t.lessons, 0) as lessons,
    n.reported_lessons + coalesce(t.reported_lessons, 0) as reported_lessons,
    n.scheduled_min + coalesce(t.scheduled_min, 0) as scheduled_min,
    n.absent_min + coalesce(t.absent_min, 0) as absent_min,
    n.absent_valid_min + coalesce(t.absent_valid_min, 0) as absent_valid_min,
    n.absent_invalid_min + coalesce(t.absent_invalid_min, 0) as absent_invalid_min
from labelled as n
left join {{ this }} as t
    on t.pupil_key = n.pupil_key
    and t.year = n.year
    and t.school_unit_code = n.school_unit_code
    and t.period = n.period
{% else %}
-- Stored by period, as the summary (int_attendance_pupils_summarised): a night's delete of its period's rows then
-- frees whole row groups, and the commit's checkpoint has none to rewrite (docs/benchmarks.md, "Twentieth session").
select * from labelled
order by school_year, period
{% endif %}
