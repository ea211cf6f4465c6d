{#- Meritvärde (domain.md) — the one declaration of the rule, for final grades (åk 9) and the spring term
    grades of åk 6 alike: the sum of the grade points of the pupil's 16 best subject slots (SV/SVA one slot,
    modersmål (ML) and M1 among them), plus moderna språk språkval (M2) as a 17th subject when it is E or
    better (M2 is never among the 16, modersmål never the 17th); a slot counts once, with its best grade.
    `grades` is a relation of stg_raw__grades rows (subject_slot, grade_points, is_pass); the result has one
    row per combination of `keys` with the column merit_value (0–340). -#}
{% macro merit_values(grades, keys) %}
    with slots as (
        select {{ keys | join(', ') }}, subject_slot, max(grade_points) as points, bool_or(is_pass) as passed
        from {{ grades }}
        group by all
    ),

    ranked as (
        select
            *,
            case when subject_slot like 'M2%' then null
                 else row_number() over (
                     partition by {{ keys | join(', ') }}, subject_slot like 'M2%'
                     order by points desc, subject_slot
                 )
            end as rank_among_16
        from slots
    )

    select
        {{ keys | join(', ') }},
        coalesce(sum(points) filter (where rank_among_16 <= 16), 0)
            + coalesce(max(points) filter (where subject_slot like 'M2%' and passed), 0) as merit_value
    from ranked
    group by all
{% endmacro %}
