-- The spread of the pupils behind a local mean whose range says little about it: the standard deviation of
-- meritvärde (N15505: pupils with at least one pass, as the indicator) per school unit, the municipality,
-- year and gender. goal_results uses it for the 95 % interval of a meritvärde utfall; shares and indexes
-- need no such figure (macros/goal_interval.sql). Not served.
with pupils as (
    select pupil_key, year, school_unit_code, gender, merit_value
    from {{ ref('int_year9_pupils_summarised') }}
    where has_any_pass
),

cells as (
    {{ unit_gender_cells('pupils') }}
)

select
    'N15505' as indicator_id,
    level,
    unit_code,
    year,
    gender_cell as gender,
    stddev_samp(merit_value) as pupil_sd,
    count(*) as n
from cells
group by all
