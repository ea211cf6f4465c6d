with source as (
    select * from {{ source('raw', 'enrolments') }}
),

renamed as (
    select
        pupil_key,
        school_year,
        {{ school_year_end('school_year') }} as year,
        school_unit_code,
        grade_level,
        class_name,
        gender,
        mother_tongue,
        arrival_date,
        parent_education
    from source
)

select * from renamed
