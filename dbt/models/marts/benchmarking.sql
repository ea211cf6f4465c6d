-- Jämförelser in the spirit of Öppna jämförelser: per configured KPI, year and gender, the municipality's
-- value beside riket and the mean of its liknande kommuner, its rank among all municipalities, quartile
-- and change from the year before. Source: Kolada (RKA).

with ranked as (
    select * from {{ ref('int_kolada_values_ranked') }}
),

similar_municipalities as (
    select member_code from {{ ref('stg_kolada__municipality_groups') }}
),

similar_mean as (
    select
        kpi_id, year, gender,
        avg(value) as similar_mean,
        count(value) as similar_with_value
    from ranked
    where municipality_code in (select member_code from similar_municipalities)
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
left join own as previous
    on previous.kpi_id = own.kpi_id and previous.gender = own.gender and previous.year = own.year - 1
