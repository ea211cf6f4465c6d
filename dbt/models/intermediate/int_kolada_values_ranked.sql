-- Every municipality's value per configured KPI, year and gender with its rank among the municipalities
-- (1 = best, respecting higher_is_better; ties share a rank) and its quartile (1 = the best quarter), the
-- way Öppna jämförelser colours them. Riket (0000) and cells without a value are not ranked.

with config as (
    select * from {{ ref('stg_kolada__kpi_config') }}
),

values as (
    select v.*, c.higher_is_better
    from {{ ref('stg_kolada__values') }} as v
    inner join config as c using (kpi_id)
),

rankable as (
    select *
    from values
    where municipality_code <> '0000' and value is not null and higher_is_better is not null
),

ranked as (
    select
        kpi_id, municipality_code, year, gender,
        rank() over (
            partition by kpi_id, year, gender
            order by case when higher_is_better then -value else value end
        ) as rank,
        count(*) over (partition by kpi_id, year, gender) as ranked_municipalities
    from rankable
)

select
    values.kpi_id,
    values.municipality_code,
    values.year,
    values.gender,
    values.value,
    values.status,
    values.higher_is_better,
    values.was_revised,
    ranked.rank,
    ranked.ranked_municipalities,
    -- Quartile by rank: the rank's position in the ranking split into four equal parts.
    case when ranked.rank is not null
        then least(4, floor((ranked.rank - 1) * 4.0 / ranked.ranked_municipalities) + 1)::integer
    end as quartile
from values
left join ranked using (kpi_id, municipality_code, year, gender)
