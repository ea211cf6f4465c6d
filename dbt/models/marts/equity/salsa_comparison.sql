-- SALSA: each school's result beside the result expected from its pupils' background — the municipality's
-- own SALSA-type model on its own pupils (source 'egen_modell', skolanalys/equity/salsa.py) and the official
-- SALSA where published (source 'skolverket': Skolverket's, or Skolverket's via Kolada) — served as
-- `salsa_comparison`. Not a ranking: read the deviation with its interval.
--
-- Own model rows: the actual value is the school's indicator_values cell (N15505 meritvärde, N15419 alla
-- ämnen, gender T) and is shown exactly when that cell is (at least 10 pupils, not hidden by complementary
-- suppression), so that nothing hidden there can be derived here; expected and deviation also need SALSA's
-- publication rule — at least 15 pupils in åk 9 and parents' education known for at least 75 % of the
-- school's pupils (vars salsa_min_pupils, salsa_min_coverage) —, else status '.'.
-- Official rows are published figures: their own statuses, no n.

with own as (
    select * from {{ ref('int_salsa_own_model') }}
),

definitions as (
    select distinct outcome, indicator_id from {{ ref('int_equity_definitions') }}
),

published_cells as (
    select indicator_id, unit_code, year, status as cell_status
    from {{ ref('int_indicator_values_controlled') }}
    where source = 'local' and level = 'skolenhet' and gender = 'T'
),

own_decided as (
    select
        own.*,
        case
            when coalesce(p.cell_status, '..') = '..' or own.n < {{ var('min_pupils') }} then '..'
            when own.n_year9 < {{ var('salsa_min_pupils') }} or own.coverage < {{ var('salsa_min_coverage') }}
                or own.expected is null then '.'
            else ''
        end as status
    from own
    inner join definitions using (outcome)
    left join published_cells as p using (indicator_id, unit_code, year)
),

own_rows as (
    select
        unit_code,
        school_year,
        year,
        outcome,
        'egen_modell' as source,
        'Egen beräkning: kommunens elever (' || model_terms || ')' as publisher,
        case when status in ('', '.') then actual end as actual,
        case when status = '' then expected end as expected,
        case when status = '' then deviation end as deviation,
        case when status = '' then ci_low end as ci_low,
        case when status = '' then ci_high end as ci_high,
        case when status in ('', '.') then n end as n,
        case when status in ('', '.') then model_r_squared end as model_r_squared,
        status,
        {{ var('min_pupils') }} as min_n
    from own_decided
),

official_rows as (
    select
        school_unit_code as unit_code,
        school_year,
        year,
        outcome,
        'skolverket' as source,
        publisher,
        actual,
        expected,
        deviation,
        null::double as ci_low,
        null::double as ci_high,
        null::bigint as n,
        null::double as model_r_squared,
        coalesce(status, '') as status,
        null::integer as min_n
    from {{ ref('int_official_salsa') }}
),

all_rows as (
    select * from own_rows
    union all by name
    select * from official_rows
)

select
    all_rows.unit_code,
    coalesce(u.school_unit_name, 'Skolenhet ' || all_rows.unit_code) as unit_name,
    all_rows.school_year,
    all_rows.year,
    all_rows.outcome,
    all_rows.source,
    all_rows.publisher,
    all_rows.actual,
    all_rows.expected,
    all_rows.deviation,
    all_rows.ci_low,
    all_rows.ci_high,
    all_rows.n,
    all_rows.model_r_squared,
    all_rows.status,
    all_rows.min_n
from all_rows
left join {{ ref('int_school_unit_names') }} as u on u.school_unit_code = all_rows.unit_code
