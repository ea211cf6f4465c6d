-- Likvärdighet in the kommun as a whole, per school year — served as `equity_decomposition`
-- (skolanalys/equity/decomposition.py says how):
--   measure 'gap_decomposition': each gap of equity_gaps for the kommun split into the gap within schools
--     (school fixed effects) and the remainder between schools; shown when the kommun's gap is shown in
--     equity_gaps (both groups at least 10 pupils, not hidden by disclosure control);
--   measure 'between_school_variance_share': the share of the variance in meritvärde that lies between
--     schools (mellanskolvariationen), in %, with its 95 % interval; needs at least 10 pupils and two
--     schools.

with computed as (
    select * from {{ ref('int_equity_decomposition_computed') }}
),

kommun_gaps as (
    select year, outcome, dimension, status as gap_status
    from {{ ref('equity_gaps') }}
    where level = 'kommun'
),

decided as (
    select
        computed.*,
        case
            when computed.measure = 'gap_decomposition' then coalesce(kommun_gaps.gap_status, '..')
            when computed.n < {{ var('min_pupils') }} then '..'
            when computed.variance_share is null then '.'
            else ''
        end as status
    from computed
    left join kommun_gaps using (year, outcome, dimension)
)

select
    year,
    school_year,
    measure,
    outcome,
    dimension,
    group_a,
    group_b,
    case when status = '' then (case when measure = 'gap_decomposition' then least(n_a, n_b) else n end) end as n,
    case when status = '' then n_a end as n_a,
    case when status = '' then n_b end as n_b,
    case when status = '' then n_schools end as n_schools,
    case when status = '' then total_gap end as total_gap,
    case when status = '' then within_school end as within_school,
    case when status = '' then within_ci_low end as within_ci_low,
    case when status = '' then within_ci_high end as within_ci_high,
    case when status = '' then between_school end as between_school,
    case when status = '' then between_variance end as between_variance,
    case when status = '' then within_variance end as within_variance,
    case when status = '' then 100.0 * variance_share end as between_school_share_pct,
    case when status = '' then 100.0 * share_ci_low end as share_ci_low,
    case when status = '' then 100.0 * share_ci_high end as share_ci_high,
    status,
    {{ var('min_pupils') }} as min_n
from decided
