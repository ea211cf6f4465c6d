{#- A pupil's absence shares of scheduled time, the thresholds above 10 / 15 / 50 % and the reporting rate, over the
    minutes and lessons of the row `r` — a period's (int_attendance_pupils_summarised) or a whole school year's
    summed from its periods (int_attendance_cells_aggregated): the rule written once for both. "Above 10 %" is
    strict, compared in whole minutes so that exactly 10 % is not above. -#}
{% macro attendance_shares(r) -%}
    {{ r }}.absent_min / {{ r }}.scheduled_min as absence_share,
    {{ r }}.absent_valid_min / {{ r }}.scheduled_min as valid_absence_share,
    {{ r }}.absent_invalid_min / {{ r }}.scheduled_min as invalid_absence_share,
    {{ r }}.absent_min * 10 > {{ r }}.scheduled_min as above_10,
    {{ r }}.absent_min * 100 > {{ r }}.scheduled_min * 15 as above_15,
    {{ r }}.absent_min * 2 > {{ r }}.scheduled_min as above_50,
    {{ r }}.reported_lessons / {{ r }}.lessons as reporting_rate
{%- endmacro %}

{#- A pupil's lessons and minutes, added up over the rows grouped (they add: a pupil's units make the municipality's
    period, their periods the school year's whole). -#}
{% macro attendance_sums() -%}
    {%- for column in ['lessons', 'reported_lessons', 'scheduled_min', 'absent_min', 'absent_valid_min', 'absent_invalid_min'] %}
    sum({{ column }}) as {{ column }}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}
