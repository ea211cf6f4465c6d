-- The current Kolada value of each cell: the latest published row (revisions stay in the source table).
with source as (
    select * from {{ source('kolada', 'values') }}
),

versions as (
    select
        *,
        count(*) over cell as versions,
        row_number() over (cell order by fetched_at desc nulls last) as newest_first
    from source
    window cell as (partition by kpi_id, municipality_code, year, gender)
)

select
    kpi_id,
    municipality_code,
    year,
    gender,
    value,
    coalesce(status, '') as status,
    count,
    fetched_at,
    origin,
    versions > 1 as was_revised
from versions
where newest_first = 1
