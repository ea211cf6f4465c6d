{#- A model's old relation dropped inside the model's transaction, before its new one is made there (table.sql,
    view.sql): DuckDB's DDL is transactional, so a failed build rolls the drop back. -#}
{% macro drop_in_transaction(relation) %}
  {%- if relation is not none %}
    {% call statement("drop_existing") -%}
      drop {{ relation.type }} if exists {{ relation }}
    {%- endcall %}
  {%- endif %}
{% endmacro %}
