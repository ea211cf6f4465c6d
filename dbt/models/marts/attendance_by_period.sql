-- Frånvaro per period (served as `attendance_by_period`): per school unit and municipality, school year,
-- period of the annual wheel (1 July–December, 2 January–March, 3 April–June; 0 the whole school year)
-- and gender, the pupils' mean absence share (total, giltig, ogiltig), the share of pupils above 10 %,
-- 15 % and 50 % absence, and beside them the reporting rate. Disclosure-controlled: fewer than 10 pupils
-- → every figure and n null, status '..'; complementary suppression along genders, school units and the
-- periods within the school year (macros/disclosure_control.sql).

{%- set measures = [
    'absence_pct', 'valid_absence_pct', 'invalid_absence_pct',
    'above_10_pct', 'above_15_pct', 'above_50_pct', 'reporting_rate_pct',
] %}

with cells as (
    select *, '' as status
    from {{ ref('int_attendance_cells_aggregated') }}
),

{{ disclosure_control(
    'cells',
    cell_key=['level', 'unit_code', 'year', 'period', 'gender'],
    values=measures,
    dimensions=['gender', 'units', 'periods'],
    bounds=bounds_of(measures | reject('in', var('unbounded_values')) | list, 'procent'),
) }},

controlled as (
    select * from controlled_cells
),

named as (
    select
        units.*,
        case units.period
            when 0 then 'Hela läsåret'
            when 1 then 'Period 1 (juli–december)'
            when 2 then 'Period 2 (januari–mars)'
            when 3 then 'Period 3 (april–juni)'
        end as period_name
    from ({{ named_units('controlled') }}) as units
)

select
    level, unit_code, unit_name, year, school_year, period, period_name, gender, n,
    {{ measures | join(', ') }},
    status, min_n
from named
