{#- An enrolment's årskurs as a number for counting school years: 'F' (förskoleklass) 0, '1'–'9' as they are. -#}
{% macro grade_number(grade_level) -%}
    case when {{ grade_level }} = 'F' then 0 else cast({{ grade_level }} as integer) end
{%- endmacro %}
