-- Jämförelser in the spirit of Öppna jämförelser: per configured KPI, year and gender, the municipality's
-- value beside riket and the mean of its liknande kommuner — the group of that year
-- (stg_kolada__municipality_groups) —, its rank among all municipalities, quartile and change from the
-- year before. Source: Kolada (RKA).

with ranked as (
    select * from {{ ref('int_kolada_values_ranked') }}
),

similar_municipalities as (
    select * from {{ ref('stg_kolada__municipality_groups') }}
),

group_vintages as (
    select distinct group_year, applies_from_year, applies_to_year from similar_municipalities
),

similar_mean as (
    select
        ranked.kpi_id, ranked.year, ranked.gender,
        avg(ranked.value) as similar_mean,
        count(ranked.value) as similar_with_value
    from ranked
    where exists (
        select 1 from similar_municipalities as g
        where g.member_code = ranked.municipality_code and {{ applies_in_year('g', 'ranked.year') }}
    )
    group by all
),

own as (
    select * from ranked where municipality_code = '{{ var("kommunkod") }}'
),

riket as (
    select kpi_id, year, gender, value as riket_value, status as riket_status
    from ranked where municipality_code = '0000'
),

config as (
    select * from {{ ref('stg_kolada__kpi_config') }}
)

select
    own.kpi_id,
    config.title as kpi_title,
    config.unit,
    config.kpi_group,
    config.position as kpi_position,
    own.higher_is_better,
    own.municipality_code,
    own.year,
    own.gender,
    own.value,
    own.status,
    riket.riket_value,
    riket.riket_status,
    similar_mean.similar_mean,
    similar_mean.similar_with_value,
    group_vintages.group_year as similar_group_year,
    own.rank,
    own.ranked_municipalities,
    own.quartile,
    -- Only against the year just before: a gap in the series gives no change rather than a longer one.
    own.value - previous.value as change_from_previous_year,
    own.was_revised,
    'Källa: Kolada (RKA)' as attribution
from own
inner join config using (kpi_id)
left join riket using (kpi_id, year, gender)
left join similar_mean using (kpi_id, year, gender)
left join group_vintages on {{ applies_in_year('group_vintages', 'own.year') }}
left join own as previous
    on previous.kpi_id = own.kpi_id and previous.gender = own.gender and previous.year = own.year - 1
