with source as (
    select * from {{ source('raw', 'survey_questions') }}
),

renamed as (
    select
        survey,
        -- 'elevenkat_2024' → 'elevenkat': the same survey repeated year after year.
        regexp_replace(survey, '_\d{4}$', '') as survey_type,
        question_id,
        question_text,
        area,
        scale_max,
        reversed
    from source
)

select * from renamed
