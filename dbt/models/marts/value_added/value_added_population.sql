-- Vilka eleverna är (served as `value_added_population`, docs/value_added.md): per stage, cohort, school
-- unit (the attributed one) and the municipality, and gender, the pupils of the stage's population — with
-- and without a prior (only those with one have a value added) —, movers, pupils who arrived during the
-- stage, newly arrived pupils and pupils who left during the stage. Disclosure control on the population:
-- fewer than 10 pupils → every count null, status '..'; complementary suppression along genders and
-- school units.
--
-- The tables must not reveal together what each hides alone (as int_equity_gap_cells with indicator_values):
-- a cell whose value added value_added hides (for any model or outcome) starts hidden here, so that its
-- pupils with a prior — value_added's n — are not shown beside it. The counts of movers, newly arrived and
-- so on are counts of pupils, not results: shown whatever their size, as SALSA publishes a school's share of
-- newly immigrated pupils.

with hidden_value_added as (
    select distinct stage, cohort, level, unit_code, gender
    from {{ ref('value_added') }}
    where status = '..' and cohort is not null
),

population as (
    select
        p.* exclude (n_population),
        p.n_population as n,
        h.stage is not null as hidden_in_value_added,
        '' as status
    from {{ ref('int_value_added_population') }} as p
    left join hidden_value_added as h using (stage, cohort, level, unit_code, gender)
),

{{ disclosure_control(
    'population',
    cell_key=['stage', 'cohort', 'level', 'unit_code', 'gender'],
    values=['n_with_prior', 'n_no_prior', 'n_movers', 'n_arrived', 'n_left', 'n_newly_arrived'],
    dimensions=['gender', 'units'],
    starts_hidden='hidden_in_value_added',
) }},

named as (
    {{ named_units('controlled_cells') }}
)

select
    stage,
    cohort,
    level,
    unit_code,
    unit_name,
    gender,
    n,
    n_with_prior,
    n_no_prior,
    n_movers,
    n_arrived,
    n_left,
    n_newly_arrived,
    '{{ var("value_added_attribution") }}' as attribution,
    status,
    cast(min_n as integer) as min_n
from named
