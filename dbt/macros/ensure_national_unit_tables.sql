{#- The tables the Dagster asset [national_units, *] writes (pipelines/assets/national_reference.py), created
    empty when a run has never written them, so the models still build. Keep in step with
    sources/national/national_units.py (UNITS_SCHEMA, VALUES_SCHEMA). -#}
{% macro ensure_national_unit_tables() %}
    create schema if not exists national_units;
    create table if not exists national_units.school_units (school_unit_code varchar, school_unit_name varchar,
        municipality_code varchar, municipality_name varchar, organiser_type varchar, kolada_ou varchar);
    create table if not exists national_units.unit_values (school_unit_code varchar, variable varchar,
        school_year varchar, year integer, value double, status varchar, publisher varchar,
        reference_file varchar);
{% endmacro %}
