with source as (
    select * from {{ source('raw', 'grades') }}
),

renamed as (
    select
        pupil_key,
        pupil_gender,
        school_year,
        {{ school_year_end('school_year') }} as year,
        term,
        school_unit_code,
        grade_level,
        subject,
        language,
        grade,
        grade_type,
        {{ grade_points('grade') }} as grade_points,
        {{ passed('grade') }} as is_pass,
        -- SV and SVA are alternatives (domain.md): one subject slot, whichever the pupil has.
        case
            when subject in ('SV', 'SVA') then 'SV/SVA'
            when subject in ('ML', 'M1', 'M2') then subject || coalesce(':' || language, '')
            else subject
        end as subject_slot
    from source
)

select * from renamed
