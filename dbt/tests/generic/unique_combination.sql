{#- The combination of columns is unique (what dbt_utils.unique_combination_of_columns does; packages
    cannot be fetched here). -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n
from {{ model }}
group by all
having count(*) > 1
{% endtest %}
