{#- No hidden cell follows by subtraction: along each dimension of disclosure_control, no shown parent has
    exactly one hidden child (status '..'). Returns the offending groups. `where` limits the cells checked
    (e.g. source = 'local': published Kolada statuses are not ours to protect). -#}
{% test no_derivable_cells(model, cell_key, dimensions, where='true') %}
{%- set all_dimensions = disclosure_dimensions() %}
with cells as (
    select * from {{ model }} where {{ where }}
)
{%- for name in dimensions %}
{%- set d = all_dimensions[name] %}
{%- set group_key = cell_key | reject('in', d['columns']) | list %}
select '{{ name }}' as dimension, concat_ws(' / ', {{ group_key | join(', ') }}) as parent_cell
from cells
group by {{ group_key | join(', ') }}
having bool_or(({{ d['parent'] }}) and coalesce(status, '') <> '..')
   and count(*) filter (where ({{ d['child'] }}) and status = '..') = 1
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
{% endtest %}
