with source as (
    select * from {{ source('raw', 'national_tests') }}
),

renamed as (
    select
        pupil_key,
        pupil_gender,
        school_year,
        {{ school_year_end('school_year') }} as year,
        school_unit_code,
        grade_level,
        subject,
        test_grade,
        -- A–F as steps 5…0 to compare with the grade; null for åk 3 (G/EG: passed all parts or not).
        {{ grade_step('test_grade') }} as test_grade_step,
        {{ passed('test_grade', year3=true) }} as is_pass
    from source
)

select * from renamed
