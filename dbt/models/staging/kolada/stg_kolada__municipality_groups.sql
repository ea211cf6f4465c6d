-- Liknande kommuner grundskola of the configured municipality. Kolada revises the groups yearly; the
-- latest group is used for every year's comparison (a stable reference group for trends).
with source as (
    select * from {{ source('kolada', 'municipality_groups') }}
    where home_code = '{{ var("kommunkod") }}'
)

select group_id, year as group_year, home_code, member_code, member_name
from source
qualify dense_rank() over (order by year desc nulls last) = 1
