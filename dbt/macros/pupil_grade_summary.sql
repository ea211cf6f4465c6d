{#- One row per pupil and school year of `grades` (a relation of stg_raw__grades rows: one term's grades, or
    the final grades) — the one declaration of how a pupil's grades are summarised, for the final grades of
    åk 9 and the spring-term grades of åk 6 alike. Columns: pupil_key, school_year, year, school_unit_code
    (the school that set most of the grades; ties: the lowest code), gender (from the pupil's enrolment that
    school year, else from the personnummer), subjects_graded (grade rows, `-` included), merit_value
    (macros/merit_value.sql), has_any_pass (at least one grade A–E), passed_all_subjects (E or better in
    every subject graded: macro all_subjects_passed), then one column per entry of `aggregates` (name → an
    aggregate over the pupil's grade rows), in the order given. -#}
{% macro pupil_grade_summary(grades, aggregates={}) %}
    with pupil_grades as (
        select
            pupil_key,
            school_year,
            any_value(year) as year,
            any_value(pupil_gender) as pupil_gender,
            mode(school_unit_code order by school_unit_code) as school_unit_code,
            count(*) as subjects_graded,
            bool_or(is_pass) as has_any_pass
            {%- for name, aggregate in aggregates.items() %},
            {{ aggregate }} as {{ name }}
            {%- endfor %}
        from {{ grades }}
        group by all
    ),

    merit as (
        {{ merit_values(grades, ['pupil_key', 'school_year']) }}
    ),

    all_passed as (
        {{ all_subjects_passed(grades, ['pupil_key', 'school_year']) }}
    ),

    enrolments as (
        select pupil_key, school_year, gender from {{ ref('stg_raw__enrolments') }}
    )

    select
        p.pupil_key,
        p.school_year,
        p.year,
        p.school_unit_code,
        coalesce(e.gender, p.pupil_gender) as gender,
        p.subjects_graded,
        m.merit_value,
        p.has_any_pass,
        a.passed_all_subjects
        {%- for name in aggregates %},
        p.{{ name }}
        {%- endfor %}
    from pupil_grades as p
    inner join merit as m using (pupil_key, school_year)
    inner join all_passed as a using (pupil_key, school_year)
    left join enrolments as e using (pupil_key, school_year)
{% endmacro %}


{#- "Uppnått betygskriterierna i alla ämnen" (domain.md): per `by` (the pupil, and the term or school year),
    whether every subject graded is passed (A–E; F and `-` are not). A subject is a slot of stg_raw__grades
    (subject_slot): SV and SVA are alternatives, one slot passed by the better of the two, as the meritvärde
    and the eligibility count them. Columns: `by`, passed_all_subjects. -#}
{% macro all_subjects_passed(grades, by) %}
    select {{ by | join(', ') }}, bool_and(slot_passed) as passed_all_subjects
    from (
        select {{ by | join(', ') }}, subject_slot, bool_or(is_pass) as slot_passed
        from {{ grades }}
        group by all
    ) as slots
    group by all
{% endmacro %}
