{#- A status from the statuses of its parts (docs/goals.md): a measure's from its school units, a goal's
    from its measures. `rule` is the goals file's malstatus; the amounts count the parts that could be
    measured (measurable), were met (met) and were missed (missed) — by number, or by weight (viktat).
    Parts that cannot be measured are left out; none measurable → 'kan inte mätas'.
      alla:            uppfyllt when every measurable part is, ej uppfyllt when every one is, else delvis
      flertal, viktat: uppfyllt when more than half is, ej uppfyllt when more than half is, else delvis -#}
{% macro goal_rule_status(rule, measurable, met, missed) %}
    case
        when coalesce({{ measurable }}, 0) = 0 then 'kan inte mätas'
        when {{ rule }} = 'alla' and {{ met }} = {{ measurable }} then 'uppfyllt'
        when {{ rule }} = 'alla' and {{ missed }} = {{ measurable }} then 'ej uppfyllt'
        when {{ rule }} = 'alla' then 'delvis uppfyllt'
        when {{ met }} > {{ measurable }} / 2.0 then 'uppfyllt'
        when {{ missed }} > {{ measurable }} / 2.0 then 'ej uppfyllt'
        else 'delvis uppfyllt'
    end
{% endmacro %}
