-- Hur blev det? Every measure of the board's goals per unit and year of the goal's period, in the shape of
-- an årsredovisning: status | mått | utfall for three years | målvärde | jämförelse (riket, liknande
-- kommuner). Served as `goal_results`; the rules are in docs/goals.md.
--
-- Utfall are the served, disclosure-controlled cells of indicator_values only: a hidden cell ('..') is never
-- looked behind, it cannot be measured. Where the municipality's own computation and a published figure
-- exist for the same cell, the own computation is the utfall (it is current and covers every school).
with cells as (
    select * from {{ ref('int_goal_measure_cells') }}
),

served as (
    select * from {{ ref('indicator_values') }}
),

utfall as (
    select *
    from served
    qualify row_number() over (
        partition by indicator_id, level, unit_code, year, gender order by source = 'local' desc, source
    ) = 1
),

comparison as (
    select kpi_id as indicator_id, year, gender, riket_value, similar_mean as similar_value
    from {{ ref('benchmarking') }}
),

-- Riket where Kolada has no value (yet): the published riket figure of the same id in indicator_values —
-- SIRIS's riksnivå tables give läsår 2022/23 on before Kolada does —, so that "minst riket" is measured as
-- soon as Skolverket publishes. Kolada's own first, as benchmarking shows it.
published_riket as (
    select indicator_id, year, gender, value as riket_value
    from served
    where level = 'riket' and value is not null
    qualify row_number() over (partition by indicator_id, year, gender order by source = 'kolada' desc, source) = 1
),

spread as (
    select * from {{ ref('int_goal_pupil_spread') }}
),

names as (
    select level, unit_code, max(unit_name) as unit_name from served group by all
),

joined as (
    select
        cells.*,
        coalesce(names.unit_name, m.municipality_name, 'Skolenhet ' || cells.unit_code) as unit_name,
        {{ kolada_period_label('cells.year', 'kpi.period') }} as school_year,
        v0.value,
        v0.status as value_status,
        v0.source as value_source,
        v0.n,
        v0.min_n,
        v1.value as value_1,
        v1.status as value_status_1,
        v2.value as value_2,
        v2.status as value_status_2,
        vr.value as reference_value,
        coalesce(comparison.riket_value, published_riket.riket_value) as riket_value,
        comparison.similar_value,
        {{ goal_interval_half_width('cells.unit', 'v0.value', 'v0.n', 'spread.pupil_sd') }} as half_width
    from cells
    left join names on names.level = cells.level and names.unit_code = cells.unit_code
    left join {{ ref('municipalities') }} as m on cells.level = 'kommun' and m.municipality_code = cells.unit_code
    left join {{ ref('stg_kolada__kpi_config') }} as kpi on kpi.kpi_id = cells.indicator_id
    left join utfall as v0
        on v0.indicator_id = cells.indicator_id and v0.level = cells.level and v0.unit_code = cells.unit_code
        and v0.gender = cells.gender and v0.year = cells.year
    left join utfall as v1
        on v1.indicator_id = cells.indicator_id and v1.level = cells.level and v1.unit_code = cells.unit_code
        and v1.gender = cells.gender and v1.year = cells.year - 1
    left join utfall as v2
        on v2.indicator_id = cells.indicator_id and v2.level = cells.level and v2.unit_code = cells.unit_code
        and v2.gender = cells.gender and v2.year = cells.year - 2
    left join utfall as vr
        on vr.indicator_id = cells.indicator_id and vr.level = cells.level and vr.unit_code = cells.unit_code
        and vr.gender = cells.gender and vr.year = cells.year - cells.years_back
    left join comparison
        on comparison.indicator_id = cells.indicator_id and comparison.year = cells.year
        and comparison.gender = cells.gender
    left join published_riket
        on published_riket.indicator_id = cells.indicator_id and published_riket.year = cells.year
        and published_riket.gender = cells.gender
    left join spread
        on spread.indicator_id = cells.indicator_id and spread.level = cells.level
        and spread.unit_code = cells.unit_code and spread.year = cells.year and spread.gender = cells.gender
),

targeted as (
    select
        *,
        case target_type
            when 'absolut' then target_value
            when 'minst_riket' then riket_value
            when 'minst_liknande' then similar_value
            else reference_value  -- forbattring, battre_an_forra_aret: the utfall years_back years before
        end as resolved_target,
        target_type in ('forbattring', 'battre_an_forra_aret') as must_improve
    from joined
),

measured as (
    select
        *,
        -- Utfall as % of the målvärde, direction-aware (for 'lower is better' the målvärde over the utfall).
        case
            when value is null or resolved_target is null then null
            when higher_is_better and resolved_target > 0 and value >= 0 then 100 * (value / resolved_target)
            when not higher_is_better and value > 0 and resolved_target >= 0 then 100 * (resolved_target / value)
        end as achievement_pct,
        case
            when value is null or resolved_target is null then null
            when must_improve and higher_is_better then value > resolved_target
            when must_improve then value < resolved_target
            when higher_is_better and resolved_target > 0 and value >= 0
                then 100 * (value / resolved_target) >= achieved_from_pct
            when not higher_is_better and value > 0 and resolved_target >= 0
                then 100 * (resolved_target / value) >= achieved_from_pct
            when higher_is_better then value >= resolved_target
            else value <= resolved_target
        end as met,
        case when unit = 'procent' then 0.0 when unit = 'index' then 0.0 end as range_low,
        case when unit = 'procent' then 100.0 when unit = 'index' then 10.0 end as range_high
    from targeted
),

judged as (
    select
        *,
        -- (greatest and least skip nulls: an interval only where there is one)
        case when half_width is not null then greatest(value - half_width, coalesce(range_low, -1e300)) end
            as ci_low,
        case when half_width is not null then least(value + half_width, coalesce(range_high, 1e300)) end as ci_high,
        not met and resolved_target between value - half_width and value + half_width as inom_osakerheten
    from measured
),

-- The trend over the three years shown: the latest utfall against the earliest visible one before it.
trended as (
    select
        *,
        case when value_2 is not null then year - 2 when value_1 is not null then year - 1 end as trend_from_year,
        coalesce(value_2, value_1) as trend_from_value
    from judged
)

select
    goal_id,
    goal_title,
    goal_sort_order,
    period_from,
    period_to,
    goal_rule,
    measure_no,
    indicator_id,
    indicator_title,
    unit,
    topic,
    level,
    unit_code,
    unit_name,
    gender,
    higher_is_better,
    target_type,
    case target_type
        when 'absolut' then
            (case when higher_is_better then 'minst ' else 'högst ' end)
            || replace(format('{:g}', target_value), '.', ',') || (case when unit = 'procent' then ' %' else '' end)
        when 'minst_riket' then 'minst riket'
        when 'minst_liknande' then 'minst liknande kommuner'
        when 'battre_an_forra_aret' then 'bättre än förra året'
        else 'bättre än ' || (year - years_back)::varchar
    end as target_text,
    years_back,
    weight,
    year,
    school_year,
    value,
    value_status,
    value_source,
    n,
    min_n,
    value_1,
    value_status_1,
    value_2,
    value_status_2,
    riket_value,
    similar_value,
    resolved_target as target_value,
    case when must_improve then year - years_back end as reference_year,
    achievement_pct,
    ci_low,
    ci_high,
    coalesce(inom_osakerheten, false) as inom_osakerheten,
    case
        when value is null or resolved_target is null or higher_is_better is null then 'kan inte mätas'
        when met then 'uppfyllt'
        when achievement_pct >= partly_from_pct or inom_osakerheten then 'delvis uppfyllt'
        else 'ej uppfyllt'
    end as status,
    case
        when value is null and value_status = '..'
            then 'utfallet visas inte: för få elever, eller dolt för att skydda enskilda (röjandekontroll)'
        when value is null and coalesce(value_status, '') <> ''
            then 'utfall saknas för ' || year::varchar || ' (' || value_status || ')'
        when value is null then 'inget utfall för ' || year::varchar
        when resolved_target is null and target_type = 'minst_riket'
            then 'rikets värde för ' || year::varchar || ' finns inte ännu'
        when resolved_target is null and target_type = 'minst_liknande'
            then 'liknande kommuners värde för ' || year::varchar || ' finns inte ännu'
        when higher_is_better is null then 'riktning saknas: ange riktning (högre eller lägre) i målfilen'
        when resolved_target is null
            then 'utfallet för ' || (year - years_back)::varchar || ' saknas eller visas inte: inget att jämföra med'
        when inom_osakerheten
            then 'skillnaden mot målvärdet ryms inom den statistiska osäkerheten (95 %-intervall)'
    end as status_reason,
    case
        when value is null or trend_from_value is null or higher_is_better is null then null
        when round(value, 1) = round(trend_from_value, 1) then 'oförändrad'
        when (value > trend_from_value) = higher_is_better then 'förbättring'
        else 'försämring'
    end as trend,
    case when value is not null then trend_from_year end as trend_from_year
from trended
