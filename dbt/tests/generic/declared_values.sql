{# The column holds only values declared in dbt_project.yml: `declared` names vars, each a list, a mapping
   (its keys) or one value. The rule is declared once and read by the door and the Python side as well, where
   accepted_values would write the values out again. Nulls pass, as in accepted_values. #}
{% test declared_values(model, column_name, declared) %}
    {%- set allowed = [] -%}
    {%- for name in ([declared] if declared is string else declared) -%}
        {%- set found = var(name) -%}
        {%- if found is mapping -%}
            {%- do allowed.extend(found.keys() | list) -%}
        {%- elif found is string -%}
            {%- do allowed.append(found) -%}
        {%- else -%}
            {%- do allowed.extend(found) -%}
        {%- endif -%}
    {%- endfor %}
    select {{ column_name }} as value_field
    from {{ model }}
    where {{ column_name }} is not null
        and {{ column_name }} not in ({% for v in allowed %}'{{ v }}'{{ ", " if not loop.last }}{% endfor %})
{% endtest %}
