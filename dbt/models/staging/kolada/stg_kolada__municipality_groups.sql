-- Liknande kommuner grundskola of the configured municipality, every vintage the warehouse holds (Kolada
-- revises the groups yearly). Each vintage applies from its own year to the year before the next one: a
-- comparison for year Y uses the latest group not after Y (2022 → the 2022 group, 2023 → 2022, 2024 and
-- later → 2024); years before the earliest vintage use the earliest. Test a year with applies_in_year().
-- A group without a year (a Kolada title without one) is used only when no group has a year.
with source as (
    select * from {{ source('kolada', 'municipality_groups') }}
    where home_code = '{{ var("kommunkod") }}'
),

usable as (
    select * from source
    where year is not null or not exists (select 1 from source where year is not null)
),

vintages as (
    select
        year,
        lead(year) over (order by year) as next_year,
        row_number() over (order by year) = 1 as is_earliest
    from (select distinct year from usable)
)

select
    usable.group_id,
    usable.year as group_year,
    case when not vintages.is_earliest then usable.year end as applies_from_year,
    vintages.next_year - 1 as applies_to_year,
    usable.home_code,
    usable.member_code,
    usable.member_name
from usable
inner join vintages on vintages.year is not distinct from usable.year
