-- Attendance per school unit and municipality, school year, period (0 = whole school year) and gender
-- (T, K, M), before disclosure control: n pupils, the mean of the pupils' absence shares (total, giltig,
-- ogiltig; % of scheduled time), the share of pupils above 10 %, 15 % and 50 % absence, and the reporting
-- rate (% of all their scheduled lessons where attendance was registered), shown beside every figure. The means
-- of the shares are summed exactly (macro exact_mean): two builds of the same lessons serve the same values.

with periods as (
    select * from {{ ref('int_attendance_pupils_summarised') }}
),

-- Each pupil's whole school year (period 0) at each unit and in the municipality: the minutes and lessons of their
-- periods there added up, and the shares and thresholds of those sums (a pupil above 10 % over the year need not
-- be in any one period). Summed here rather than stored with the periods, which a night writes again one at a time.
school_years as (
    select
        pupil_key,
        school_year,
        year,
        0 as period,
        level,
        unit_code,
        any_value(gender) as gender,
        {{ attendance_sums() }}
    from periods
    group by pupil_key, school_year, year, level, unit_code
),

pupils as (
    select * from periods
    union all by name
    select y.*, {{ attendance_shares('y') }} from school_years as y
),

-- Every pupil counts in the total (T) and in their own gender.
by_gender as (
    select pupils.*, g.gender_cell
    from pupils
    inner join (values ('T'), ('K'), ('M')) as g(gender_cell)
        on g.gender_cell = 'T' or g.gender_cell = pupils.gender
)

select
    level,
    unit_code,
    year,
    school_year,
    period,
    gender_cell as gender,
    count(*) as n,
    100.0 * {{ exact_mean('absence_share') }} as absence_pct,
    100.0 * {{ exact_mean('valid_absence_share') }} as valid_absence_pct,
    100.0 * {{ exact_mean('invalid_absence_share') }} as invalid_absence_pct,
    100.0 * avg(above_10::integer) as above_10_pct,
    100.0 * avg(above_15::integer) as above_15_pct,
    100.0 * avg(above_50::integer) as above_50_pct,
    100.0 * sum(reported_lessons) / sum(lessons) as reporting_rate_pct,
    {{ var('min_pupils') }} as min_n
from by_gender
group by all
