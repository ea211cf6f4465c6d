-- Kohortens väg (served as `cohort_progression`, docs/value_added.md): for each cohort (the year its pupils
-- got slutbetyg in åk 9), school unit (that set the final grades) and the municipality, and gender, the
-- share (%) of the same pupils reaching at least the pass level in SV (or SVA), MA and EN at every
-- measuring point from åk 1: teacher assessments (bedomning_*, oktober/mars), national tests (np_*, åk 3
-- G, åk 6 and 9 ≥ E), term grades (terminsbetyg_*, HT/VT åk 6–9) and final grades (slutbetyg_*).
-- Disclosure control: fewer than 10 pupils → null, status '..'; complementary suppression along genders
-- and school units.

with cells as (
    select *, '' as status
    from {{ ref('int_cohort_progression_cells') }}
),

{{ disclosure_control(
    'cells',
    cell_key=['cohort', 'level', 'unit_code', 'measure', 'grade_level', 'occasion', 'gender'],
    values=['share'],
    dimensions=['gender', 'units'],
    bounds=bounds_of(['share'], 'procent'),
) }},

named as (
    {{ named_units('controlled_cells') }}
)

select
    cohort,
    level,
    unit_code,
    unit_name,
    gender,
    measure,
    grade_level,
    occasion,
    share,
    cast(n as integer) as n,
    status,
    cast(min_n as integer) as min_n
from named
