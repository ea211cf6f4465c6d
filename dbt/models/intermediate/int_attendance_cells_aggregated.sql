-- Attendance per school unit and municipality, school year, period (0 = whole school year) and gender
-- (T, K, M), before disclosure control: n pupils, the mean of the pupils' absence shares (total, giltig,
-- ogiltig; % of scheduled time), the share of pupils above 10 %, 15 % and 50 % absence, and the reporting
-- rate (% of all their scheduled lessons where attendance was registered), shown beside every figure.

with pupils as (
    select * from {{ ref('int_attendance_pupils_summarised') }}
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
    100.0 * avg(absence_share) as absence_pct,
    100.0 * avg(valid_absence_share) as valid_absence_pct,
    100.0 * avg(invalid_absence_share) as invalid_absence_pct,
    100.0 * avg(above_10::integer) as above_10_pct,
    100.0 * avg(above_15::integer) as above_15_pct,
    100.0 * avg(above_50::integer) as above_50_pct,
    100.0 * sum(reported_lessons) / sum(lessons) as reporting_rate_pct,
    {{ var('min_pupils') }} as min_n
from by_gender
group by all
