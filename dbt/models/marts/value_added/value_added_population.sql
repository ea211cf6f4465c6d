-- Vilka eleverna är (served as `value_added_population`, docs/value_added.md): per stage, cohort, school
-- unit (the attributed one) and the municipality, and gender, the pupils of the stage's population — with
-- and without a prior (only those with one have a value added) —, movers, pupils who arrived during the
-- stage, newly arrived pupils and pupils who left during the stage. Disclosure control on the population:
-- fewer than 10 pupils → every count null, status '..'; complementary suppression along genders and
-- school units.

with population as (
    select * exclude (n_population), n_population as n, '' as status
    from {{ ref('int_value_added_population') }}
),

{{ disclosure_control(
    'population',
    cell_key=['stage', 'cohort', 'level', 'unit_code', 'gender'],
    values=['n_with_prior', 'n_no_prior', 'n_movers', 'n_arrived', 'n_left', 'n_newly_arrived'],
    dimensions=['gender', 'units'],
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
