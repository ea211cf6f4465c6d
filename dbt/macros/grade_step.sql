{#- A grade as a step on the A–F scale (A 5 … E 1, F 0), for comparing a grade with a test grade.
    '-' (no basis for grading) and åk 3's G/EG are not steps on that scale: null. -#}
{% macro grade_step(grade) -%}
    case {{ grade }}
        when 'A' then 5 when 'B' then 4 when 'C' then 3 when 'D' then 2 when 'E' then 1 when 'F' then 0
    end
{%- endmacro %}
