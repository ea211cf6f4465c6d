{#- A gap by gender in equity_gaps is made of the same pupils as the girls' and boys' cells of
    indicator_values: shown only where both are shown there, with the same means and counts. -#}
{{ config(severity='error') }}

with gender_gaps as (
    select g.*, d.indicator_id, d.gender_a, d.gender_b
    from {{ ref('equity_gaps') }} as g
    inner join {{ ref('int_equity_definitions') }} as d using (outcome, dimension)
    where g.dimension = 'kon' and g.status = ''
),

cells as (
    select indicator_id, level, unit_code, year, gender, value, n, status
    from {{ ref('indicator_values') }}
    where source = 'local'
)

select gender_gaps.*
from gender_gaps
left join cells as a
    on a.indicator_id = gender_gaps.indicator_id and a.level = gender_gaps.level
    and a.unit_code = gender_gaps.unit_code and a.year = gender_gaps.year and a.gender = gender_gaps.gender_a
left join cells as b
    on b.indicator_id = gender_gaps.indicator_id and b.level = gender_gaps.level
    and b.unit_code = gender_gaps.unit_code and b.year = gender_gaps.year and b.gender = gender_gaps.gender_b
where coalesce(a.status, '..') = '..' or coalesce(b.status, '..') = '..'
   or abs(a.value - gender_gaps.mean_a) > 1e-6 or abs(b.value - gender_gaps.mean_b) > 1e-6
   or a.n <> gender_gaps.n_a or b.n <> gender_gaps.n_b
