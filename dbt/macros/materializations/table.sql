{#- A SQL model's table is replaced in place: the old relation dropped and the new table made in one transaction.
    DuckDB's DDL is transactional, so a failure rolls both back and the old table stays, as with dbt-duckdb's swap
    through a temporary name (dbt-duckdb replaces in place too, for tables with foreign keys). The swap's two
    renames and the backup's drop are adapter macros whose context dbt builds anew, ~6 ms of Python each: most of a
    small model's materialisation (docs/benchmarks.md, "dbt's materialisations in place").

    A Python model writes its frame through a cursor of its own, outside this transaction, so it is still made
    under the temporary name and swapped in (dbt requires the statement to be called from here). -#}
{% materialization table, adapter="duckdb", supported_languages=["sql", "python"] %}
  {%- set language = model["language"] -%}
  {%- set in_place = language == "sql" -%}
  {%- set existing_relation = load_cached_relation(this) -%}
  {%- set target_relation = this.incorporate(type="table") -%}
  {%- set built_relation = target_relation if in_place else make_intermediate_relation(target_relation) -%}
  {%- set backup_relation = none if in_place or existing_relation is none
        else make_backup_relation(target_relation, existing_relation.type) -%}
  {%- if not in_place %}
    {{ drop_relation_if_exists(load_cached_relation(built_relation)) }}
  {%- endif %}
  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}
  {%- if in_place %}
    {{ drop_in_transaction(existing_relation) }}
  {%- endif %}
  {% call statement("main", language=language) -%}
    {{ create_table_as(False, built_relation, compiled_code, language) }}
  {%- endcall %}
  {%- if backup_relation is not none %}
    {{ drop_relation_if_exists(load_cached_relation(backup_relation)) }}
    {{ adapter.rename_relation(existing_relation, backup_relation) }}
  {%- endif %}
  {%- if not in_place %}
    {{ adapter.rename_relation(built_relation, target_relation) }}
  {%- endif %}
  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {% do persist_docs(target_relation, model) %}
  {{ adapter.commit() }}
  {{ drop_relation_if_exists(backup_relation) }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({"relations": [target_relation]}) }}
{% endmaterialization %}
