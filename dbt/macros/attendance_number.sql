{#- raw.attendance's numbers (var attendance_numbers, dbt_project.yml): `form` 'number' turns the text `x` into
    the stored number, 'text' the stored number `x` back into the text every other table holds. -#}
{% macro attendance_number(name, form, x) -%}
({{ var('attendance_numbers')[name][form] | replace('{x}', x) }})
{%- endmacro %}
