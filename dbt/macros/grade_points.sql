{#- Grade points of domain.md: A 20, B 17.5, C 15, D 12.5, E 10, F and '-' 0. -#}
{% macro grade_points(grade) -%}
    cast(case {{ grade }}
        when 'A' then 20.0 when 'B' then 17.5 when 'C' then 15.0
        when 'D' then 12.5 when 'E' then 10.0 else 0.0
    end as double)
{%- endmacro %}

{#- Godkänt: a grade of the scale but its last (F), and for åk 3's tests G (dbt_project.yml vars grades,
    year3_test_grades); F, '-' and EG are not. -#}
{% macro passed(grade, year3=false) -%}
    {%- set passing = var('grades')[:-1] + (var('year3_test_grades')[:1] if year3 else []) -%}
    {{ grade }} in ({% for g in passing %}'{{ g }}'{{ ", " if not loop.last }}{% endfor %})
{%- endmacro %}
