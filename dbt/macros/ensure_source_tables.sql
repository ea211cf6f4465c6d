{#- Every source table whose columns are declared with data types (the tables the Python assets write: Kolada,
    Skolverket, SIRIS, the national units, the board's goals), created empty when no run has written it yet —
    a new installation's nightly local job, a national run before the first local one, dbt's unit tests — so
    that the models still build. Its columns come from the source's declaration in models/**/_*__sources.yml,
    which the Python writers read too (skolanalys/dbt_sources.py): one schema, declared once. -#}
{% macro ensure_source_tables() %}
    {%- set statements = [] -%}
    {%- if execute -%}
        {%- for source in graph.sources.values() | sort(attribute='unique_id') -%}
            {%- set columns = source.columns.values() | list -%}
            {%- if columns -%}
                {%- set relation = adapter.quote(source.schema) ~ '.' ~ adapter.quote(source.identifier) -%}
                {%- set definitions = [] -%}
                {%- for column in columns -%}
                    {%- if not column.data_type -%}
                        {{ exceptions.raise_compiler_error(source.unique_id ~ ': column ' ~ column.name ~ ' has no data_type') }}
                    {%- endif -%}
                    {%- do definitions.append(adapter.quote(column.name) ~ ' ' ~ column.data_type) -%}
                {%- endfor -%}
                {%- do statements.append('create schema if not exists ' ~ adapter.quote(source.schema)) -%}
                {%- do statements.append('create table if not exists ' ~ relation ~ ' (' ~ definitions | join(', ') ~ ')') -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ (statements | join(';\n')) if statements else 'select 1' }}
{% endmacro %}
