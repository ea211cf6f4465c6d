{#- The own indicator values of `models` (intermediate models with the columns indicator_id, level, unit_code,
    year, school_year, gender, value, n, min_n), disclosure-controlled: one row per indicator, level, unit, year
    and gender, with status ('' or '..') and source 'local'. The control's groups never span two indicators,
    so the domains can be controlled apart (int_indicator_values_controlled, …_attendance_controlled) with the
    cells they would get together. -#}
{% macro controlled_indicator_values(models) %}
with local_values as (
    {%- for model in models %}
    select
        indicator_id, level, unit_code, year, school_year, gender, value,
        cast(n as integer) as n, cast(min_n as integer) as min_n, '' as status, 'local' as source
    from {{ ref(model) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

-- Each value's range by its indicator's unit (var value_bounds; none for var unbounded_values): the control
-- hides a cell more where hidden cells together would be at a bound.
local_cells as (
    {{ with_value_unit('local_values') }}
),

{{ disclosure_control(
    'local_cells',
    cell_key=['indicator_id', 'level', 'unit_code', 'year', 'gender'],
    values=['value'],
    dimensions=['gender', 'units'],
    bounds={'value': [unit_bound('value_unit', 0), unit_bound('value_unit', 1)]},
) }}

select
    indicator_id, level, unit_code, year, school_year, gender, value, n, min_n, status, source
from controlled_cells
{% endmacro %}
