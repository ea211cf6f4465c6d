{#- The ledger rows as of the last build of int_attendance_pupil_unit_periods: a file in raw.loaded_files and
    not here is new to the sums. pipelines/build_state.py reads the same table (ATTENDANCE_SUMMARISED) to decide
    whether a build may add (only new files) or must rebuild the sums whole. -#}
{% macro attendance_summarised_files_table() %}meta.attendance_summarised_files{% endmacro %}

{% macro record_summarised_attendance_files() %}
create schema if not exists meta;
create or replace table {{ attendance_summarised_files_table() }} as
select kind, file_hash, state, rows_loaded, rows_superseded from {{ source('raw', 'loaded_files') }}
{% endmacro %}
