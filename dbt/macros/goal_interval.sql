{#- The half width of the 95 % interval of a local utfall from n pupils (docs/goals.md): 1.96 · s / √n, with s
    the spread of the pupils' values —
      procent (a share of pupils, or a mean of the pupils' own percentages): √(p · (100 − p)), exact for a
        share and the largest spread any mean of values between 0 and 100 can have;
      index (0–10): √(m · (10 − m)), likewise the largest possible;
      anything else (meritvärde): the pupils' own standard deviation, `pupil_sd`, where the warehouse has it.
    Null without n (a published figure) or without a spread. -#}
{% macro goal_interval_half_width(unit, value, n, pupil_sd) %}
    case
        when {{ n }} is null or {{ n }} < 2 or {{ value }} is null then null
        when {{ unit }} = 'procent' then 1.96 * sqrt(greatest({{ value }} * (100 - {{ value }}), 0) / {{ n }})
        when {{ unit }} = 'index' then 1.96 * sqrt(greatest({{ value }} * (10 - {{ value }}), 0) / {{ n }})
        else 1.96 * {{ pupil_sd }} / sqrt({{ n }})
    end
{% endmacro %}
