{# The value-added stages as a relation (stage, prior_grade, outcome_grade), from var value_added_stages
   (dbt_project.yml), the one declaration the Python side reads too (skolanalys/value_added_stages.py). #}
{% macro value_added_stages() %}
    {%- set rows = [] -%}
    {%- for stage, grades in var('value_added_stages').items() -%}
        {%- do rows.append("('" ~ stage ~ "', " ~ (grades.prior_grade | int) ~ ", " ~ (grades.outcome_grade | int) ~ ")") -%}
    {%- endfor -%}
    select * from (values {{ rows | join(', ') }}) as s(stage, prior_grade, outcome_grade)
{%- endmacro %}
