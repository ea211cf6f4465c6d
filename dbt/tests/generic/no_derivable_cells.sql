{#- No hidden cell (status '..') can be worked out from the cells shown, along each dimension of
    disclosure_control (macros/disclosure_control.sql). Returns the offending groups:
    - by subtraction: a shown parent with exactly one hidden child;
    - with `bounds` (value column → a unit of var value_bounds, or 'indicator_catalogue': the unit of the row's
      indicator): two or more hidden children whose pupils (the parent's n minus the shown children's) have a
      mean, worked out from the shown cells, at a bound of the value's range that the parent's value is not
      at: then every one of them has that value (all passed, none absent). Columns and indicators in var
      unbounded_values are exempt, as in the control.
    `where` limits the cells checked (e.g. source = 'local': published Kolada statuses are not ours to
    protect). -#}
{% test no_derivable_cells(model, cell_key, dimensions, where='true', bounds={}) %}
{%- set all_dimensions = disclosure_dimensions() %}
{%- set at = bound_tolerance() %}
{%- set by_catalogue = 'indicator_catalogue' in bounds.values() %}
{%- set bounded = [] %}
{%- for column, unit in bounds.items() if column not in var('unbounded_values') %}
    {%- if unit == 'indicator_catalogue' %}
        {%- do bounded.append([column, unit_bound('value_unit', 0), unit_bound('value_unit', 1)]) %}
    {%- else %}
        {%- do bounded.append([column, var('value_bounds')[unit][0], var('value_bounds')[unit][1]]) %}
    {%- endif %}
{%- endfor %}
with model_cells as (
    -- dbt's own `where` config wraps the model in a subquery of its own
    select * from {{ model }} where {{ where }}
),

cells as (
    select *, coalesce(status, '') <> '..' as shown
    from (
        {%- if by_catalogue %}
        {{ with_value_unit('model_cells') }}
        {%- else %}
        select * from model_cells
        {%- endif %}
    )
)
{%- for name in dimensions %}
{%- set d = all_dimensions[name] %}
{%- set group_key = cell_key | reject('in', d['columns']) | list %}
{%- if not loop.first %}
union all
{%- endif %}
select '{{ name }}' as dimension, concat_ws(' / ', {{ group_key | join(', ') }}) as parent_cell
from cells
group by {{ group_key | join(', ') }}
having bool_or(({{ d['parent'] }}) and shown)
   and count(*) filter (where ({{ d['child'] }}) and not shown) = 1
{%- for column, low, high in bounded %}
union all
select dimension, parent_cell
from (
    select
        '{{ name }}: {{ column }}' as dimension,
        concat_ws(' / ', {{ group_key | join(', ') }}) as parent_cell,
        max(n) filter (where ({{ d['parent'] }}) and shown) as parent_n,
        max({{ column }}) filter (where ({{ d['parent'] }}) and shown) as parent_value,
        max({{ low }}) filter (where {{ d['parent'] }}) as low,
        max({{ high }}) filter (where {{ d['parent'] }}) as high,
        count(*) filter (where ({{ d['child'] }}) and not shown) as hidden_children,
        count(*) filter (where ({{ d['child'] }}) and shown and ({{ column }} is null or n is null)) as shown_unknown,
        coalesce(sum(n) filter (where ({{ d['child'] }}) and shown), 0) as shown_n,
        coalesce(sum(n * {{ column }}) filter (where ({{ d['child'] }}) and shown), 0) as shown_sum
    from cells
    group by {{ group_key | join(', ') }}
)
where hidden_children >= 2 and shown_unknown = 0 and parent_n - shown_n > 0
    and {{ _inside('parent_value', ['low', 'high'], at) }}
    and (abs((parent_n * parent_value - shown_sum) / (parent_n - shown_n) - low) <= {{ at }}
        or abs((parent_n * parent_value - shown_sum) / (parent_n - shown_n) - high) <= {{ at }})
{%- endfor %}
{%- endfor %}
{% endtest %}
