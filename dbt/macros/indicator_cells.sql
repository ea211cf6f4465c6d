{#- The municipality's own indicator cells, before disclosure control — the one declaration of how pupil
    measures become indicator values. `measures` is a relation of one row per pupil and indicator with the
    columns indicator_id, year, school_year, school_unit_code, gender and x (the pupil's measure: a share
    as 100.0 or 0.0, or a number such as the meritvärde). Each row counts in its cells (unit_gender_cells:
    T and its own gender, at its school unit and for the municipality); a cell's value is the mean of x (summed
    exactly: macro exact_mean), n the pupils counted and min_n the disclosure threshold (var min_pupils) that
    indicator_values applies.
    `denominator`: a condition on the measures' columns for the rows that count (the value's denominator);
    a cell none of whose rows count is left out. Default: every row counts.
    The result has the columns indicator_id, level, unit_code, year, school_year, gender, value, n, min_n. -#}
{% macro indicator_cells(measures, denominator=none) %}
    {%- set counted = ' filter (where ' ~ denominator ~ ')' if denominator else '' %}
    select
        indicator_id,
        level,
        unit_code,
        year,
        school_year,
        gender_cell as gender,
        {{ exact_mean('x') }}{{ counted }} as value,
        count(*){{ counted }} as n,
        {{ var('min_pupils') }} as min_n
    from ({{ unit_gender_cells(measures) }}) as units
    group by all
    {%- if denominator %}
    having count(*){{ counted }} > 0
    {%- endif %}
{% endmacro %}

{#- The measures of a pass-share indicator for indicator_cells: one row per row of `pupils` (pupil_key,
    school_year, year, school_unit_code, pupil_gender and the columns that `indicator_id` and `passed`
    read, unqualified) whose indicator id is in the indicator catalogue, with x 100.0 where `passed`
    holds, else 0.0. The gender is the pupil's enrolment's that school year, else the personnummer's
    (pupil_gender). -#}
{% macro pass_share_measures(pupils, indicator_id, passed) %}
    select
        {{ indicator_id }} as indicator_id,
        pupils.school_year,
        pupils.year,
        pupils.school_unit_code,
        coalesce(enrolments.gender, pupils.pupil_gender) as gender,
        case when {{ passed }} then 100.0 else 0.0 end as x
    from {{ pupils }} as pupils
    left join (select pupil_key, school_year, gender from {{ ref('stg_raw__enrolments') }}) as enrolments
        using (pupil_key, school_year)
    where {{ indicator_id }} in (select indicator_id from {{ ref('indicator_catalogue') }})
{% endmacro %}
