-- Frånvarons elever: each pupil of the attendance files once, with the gender the personnummer gives (the
-- fallback where the pupil has no enrolment row). Kept apart from the ~100 M lessons, which would otherwise
-- each repeat it.

with source as (
    select * from {{ source('raw', 'attendance_pupils') }}
),

renamed as (
    select
        pupil_key,
        pupil_gender
    from source
)

select * from renamed
