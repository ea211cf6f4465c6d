{#- The measures of prior attainment on one scale, the grade points of domain.md (A 20 … E 10, F 0), so that
    the value-added prior (docs/value_added.md) is comparable whichever measure it comes from: grades and
    A–F test grades by grade_points(); a teacher assessment at the middle of the grades it spans —
    1 inte godtagbara → F 0, 2 godtagbara (E–C) → D 12.5, 3 mer än godtagbara (C–A) → B 17.5; an åk 3
    national test passed in all parts (G) like godtagbara, 12.5, not passed (EG) 0. -#}
{% macro assessment_points(assessment) -%}
    cast(case {{ assessment }} when 1 then 0.0 when 2 then 12.5 when 3 then 17.5 end as double)
{%- endmacro %}

{% macro year3_test_points(test_grade) -%}
    cast(case {{ test_grade }} when 'G' then 12.5 when 'EG' then 0.0 end as double)
{%- endmacro %}
