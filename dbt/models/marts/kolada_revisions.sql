-- Revisioner: Kolada cells published more than once with different content — what changed and when.
-- Answers "Kolada showed another figure last month": every version of a revised cell, newest first.
with source as (
    select * from {{ source('kolada', 'values') }}
),

revised as (
    select kpi_id, municipality_code, year, gender
    from source
    group by all
    having count(*) > 1
)

select
    s.kpi_id, s.municipality_code, s.year, s.gender, s.value, s.status, s.fetched_at, s.origin,
    row_number() over (
        partition by s.kpi_id, s.municipality_code, s.year, s.gender order by s.fetched_at desc nulls last
    ) as version_newest_first
from source as s
inner join revised using (kpi_id, municipality_code, year, gender)
