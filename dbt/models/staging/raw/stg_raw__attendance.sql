-- Frånvaro per elev och schemalagd lektion, with the läsår and the period of the annual wheel (årshjul) the
-- lesson falls in — 1 = July–December, 2 = January–March, 3 = April–June — and the absent minutes split into
-- giltig (valid) and ogiltig (invalid). The läsår is derived here from the date, not stored with each of the
-- ~100 M rows (writing it cost the load ~6 % of its CPU, docs/benchmarks.md); `year` is an integer, so
-- that the sums group by it and label the school year once a group. The pupil, the school unit and the file
-- stay the numbers raw.attendance stores (var attendance_numbers): grouped as numbers, read back as text once a
-- group (macro attendance_number).

with source as (
    select
        *,
        {{ school_year_end_of('lesson_date') }} as year
    from {{ source('raw', 'attendance') }}
),

renamed as (
    select
        pupil_number,
        school_unit_number,
        {{ school_year_label('year') }} as school_year,
        year,
        lesson_date,
        lesson_start,
        case
            when month(lesson_date) >= 7 then 1
            when month(lesson_date) <= 3 then 2
            else 3
        end as period,
        subject,
        scheduled_min,
        absent_min,
        case when absence_type = 'giltig' then absent_min else 0 end as absent_valid_min,
        case when absence_type = 'ogiltig' then absent_min else 0 end as absent_invalid_min,
        reported,
        source_file_number
    from source
)

select * from renamed
