{#- No locally computed value from fewer than its min_n pupils is shown, and every null value
    carries a reason. -#}
{% test suppressed_below_min_pupils(model) %}
select *
from {{ model }}
where (source = 'local' and value is not null and coalesce(n, 0) < min_n)
   or (value is null and coalesce(status, '') = '')
{% endtest %}
