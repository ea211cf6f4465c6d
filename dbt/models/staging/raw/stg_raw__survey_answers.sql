with source as (
    select * from {{ source('raw', 'survey_answers') }}
),

renamed as (
    select
        survey,
        regexp_replace(survey, '_\d{4}$', '') as survey_type,
        school_year,
        {{ school_year_end('school_year') }} as year,
        school_unit_code,
        grade_level,
        gender,
        respondent_id,
        question_id,
        answer
    from source
)

select * from renamed
