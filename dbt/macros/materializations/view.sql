{#- A view is replaced in place, as a SQL model's table is (table.sql): the old relation dropped and the view made
    in one transaction, instead of dbt's swap through a temporary name, two renames and the backup's drop. -#}
{% materialization view, adapter="duckdb" %}
  {%- set existing_relation = load_cached_relation(this) -%}
  {%- set target_relation = this.incorporate(type="view") -%}
  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}
  {{ drop_in_transaction(existing_relation) }}
  {% call statement("main") -%}
    {{ get_create_view_as_sql(target_relation, sql) }}
  {%- endcall %}
  {% do persist_docs(target_relation, model) %}
  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({"relations": [target_relation]}) }}
{% endmaterialization %}
