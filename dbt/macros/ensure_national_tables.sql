{#- The national tables the Dagster assets [kolada, *], [skolverket, *] and [siris, unit_statistics] write,
    created empty when a run has never reached them (e.g. the nightly local job on a new installation), so
    the models still build. Keep in step with pipelines/assets/national.py and sources/national/siris
    (TABLE_SCHEMA). -#}
{% macro ensure_national_tables() %}
    create schema if not exists kolada;
    create schema if not exists skolverket;
    create schema if not exists national;
    create table if not exists kolada.kpi_config (kpi_id varchar, title varchar, unit varchar,
        higher_is_better boolean, kpi_group varchar, ou_data boolean, position integer);
    create table if not exists kolada."values" (kpi_id varchar, municipality_code varchar, year integer,
        gender varchar, value double, status varchar, count integer, fetched_at timestamp, origin varchar);
    create table if not exists kolada.municipality_groups (group_id varchar, year integer, home_code varchar,
        member_code varchar, member_name varchar);
    create table if not exists skolverket.school_units (school_unit_code varchar, name varchar, status varchar,
        municipality_code varchar, organizer_org_number varchar, organizer_name varchar, organizer_type varchar,
        is_municipal boolean, school_types varchar[], grades varchar[], latitude double, longitude double,
        start_date varchar, end_date varchar);
    create table if not exists skolverket.unit_statistics (school_unit_code varchar, variable varchar,
        time_period varchar, year integer, value double, status varchar, value_type varchar,
        is_approximate boolean);
    create schema if not exists siris;
    create table if not exists siris.unit_statistics (report varchar, report_school_year varchar,
        school_year varchar, year integer, level varchar, unit_code varchar, school_unit_code varchar,
        school_unit_name varchar, municipality_code varchar, municipality_name varchar, organiser_type varchar,
        organiser_name varchar, organiser_org_no varchar, subject varchar, gender varchar, breakdown varchar,
        measure varchar, value double, status varchar, source_sheet varchar, source_line bigint,
        source_file varchar);
    create table if not exists national.fetch_log (source varchar, attempted_at timestamp, ok boolean,
        rows bigint, changed_rows bigint, message varchar, data_as_of timestamp);
{% endmacro %}
