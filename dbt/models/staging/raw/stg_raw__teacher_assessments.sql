with source as (
    select * from {{ source('raw', 'teacher_assessments') }}
),

renamed as (
    select
        pupil_key,
        pupil_gender,
        school_year,
        {{ school_year_end('school_year') }} as year,
        occasion,
        school_unit_code,
        grade_level,
        subject,
        assessment,
        -- Godtagbara kunskaper or better (2, 3): on track towards the knowledge requirements.
        assessment >= 2 as is_pass
    from source
)

select * from renamed
