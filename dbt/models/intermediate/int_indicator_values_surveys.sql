-- Survey indicators (SKA_ENK_…, seed survey_indicators): per survey type and area the share of positive
-- answers or the index 0–10, all grades together, per school unit and the municipality, year and gender
-- (T, K, M), before disclosure control (5 respondents).

with cells as (
    select * from {{ ref('int_survey_results_aggregated') }}
    where grade_level = 'alla'
),

indicators as (
    select * from {{ ref('survey_indicators') }}
)

select
    indicators.indicator_id,
    cells.level,
    cells.unit_code,
    cells.year,
    cells.school_year,
    cells.gender,
    case indicators.measure when 'index' then cells.index_value else cells.share_positive end as value,
    cells.n,
    cells.min_n
from cells
inner join indicators using (survey_type, area)
