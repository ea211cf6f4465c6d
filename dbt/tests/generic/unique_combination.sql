{#- The combination of columns is unique (what dbt_utils.unique_combination_of_columns does; packages
    cannot be fetched here). `declared` names a loaded table whose key dbt_project.yml declares (var
    landing_keys), the key the door keeps unique, instead of writing the columns again. -#}
{% test unique_combination(model, columns=none, declared=none) %}
{%- set columns = columns or var('landing_keys')[declared] -%}
select {{ columns | join(', ') }}, count(*) as n
from {{ model }}
group by all
having count(*) > 1
{% endtest %}
