-- The attendance indicators (own ids SKA_FRV_…, docs/indicators.md) per school unit and for the
-- municipality, per school year and gender, before disclosure control: n is the number of pupils with
-- scheduled lessons. The per-period detail is in the mart attendance_by_period.

with school_years as (
    select * from {{ ref('int_attendance_cells_aggregated') }}
    where period = 0
)

select
    v.indicator_id,
    c.level,
    c.unit_code,
    c.year,
    c.school_year,
    c.gender,
    v.value,
    c.n,
    c.min_n
from school_years as c,
lateral (
    values
        ('SKA_FRV_TOTAL', c.absence_pct),
        ('SKA_FRV_GILTIG', c.valid_absence_pct),
        ('SKA_FRV_OGILTIG', c.invalid_absence_pct),
        ('SKA_FRV_OVER10', c.above_10_pct),
        ('SKA_FRV_OVER15', c.above_15_pct),
        ('SKA_FRV_OVER50', c.above_50_pct),
        ('SKA_FRV_RAPPORTERAD', c.reporting_rate_pct)
) as v(indicator_id, value)
