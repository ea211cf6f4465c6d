-- Förädlingsvärde (served as `value_added`, docs/value_added.md): per stage (6-9, 3-6), model (prior,
-- contextual), outcome (meritvarde, alla_amnen), cohort (null = all cohorts pooled), school unit and the
-- municipality, and gender, the value added with its 95 % interval, shrunk estimate and band.
-- Disclosure control: fewer than 10 pupils → values and n null, status '..'; complementary suppression
-- along genders, school units within the kommun and cohorts within the pooled row — n·va adds up along
-- each of them like a sum, so no hidden school's value added follows from the kommun and the others.

with estimates as (
    select
        * replace (coalesce(unit_code, '{{ var("kommunkod") }}') as unit_code),
        '' as status,
        {{ var('min_pupils') }} as min_n
    from {{ ref('int_value_added_estimates') }}
),

{{ disclosure_control(
    'estimates',
    cell_key=['stage', 'model', 'outcome', 'cohort', 'level', 'unit_code', 'gender'],
    values=['va', 'se', 'ci_low', 'ci_high', 'va_shrunk', 'band', 'band_sv'],
    dimensions=['gender', 'units', 'cohorts'],
) }},

named as (
    {{ named_units('controlled_cells') }}
)

select
    stage,
    model,
    outcome,
    level,
    unit_code,
    unit_name,
    cohort,
    gender,
    n,
    va,
    se,
    ci_low,
    ci_high,
    va_shrunk,
    band,
    band_sv,
    reference,
    '{{ var("value_added_attribution") }}' as attribution,
    status,
    cast(min_n as integer) as min_n
from named
