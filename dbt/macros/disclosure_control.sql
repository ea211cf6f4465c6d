{#- Disclosure control (röjandekontroll, domain.md) of a relation of indicator values with columns
    indicator_id, level, unit_code, year, gender, value, n, min_n, status:
    - fewer than min_n pupils (10 for results, 5 respondents for surveys) → value null, status '..';
    - one gender cell suppressed → the other gender cell too (else it follows from the total);
    - a suppressed cell's n is null as well. -#}
{% macro disclosure_control(relation) %}
with cells as (
    select *, n < min_n as too_few
    from {{ relation }}
),

gender_pairs as (
    select indicator_id, level, unit_code, year, bool_or(too_few) as any_gender_too_few
    from cells
    where gender in ('K', 'M')
    group by all
)

select
    cells.* exclude (too_few, value, n, status),
    case when suppressed then null else cells.value end as value,
    -- The pupil count of a suppressed cell is withheld too: counts of different denominators would
    -- otherwise reveal small groups (e.g. pupils without any pass).
    case when suppressed then null else cells.n end as n,
    case when suppressed then '..' else cells.status end as status
from cells
left join gender_pairs using (indicator_id, level, unit_code, year),
lateral (
    select cells.too_few or (cells.gender in ('K', 'M') and coalesce(gender_pairs.any_gender_too_few, false))
        as suppressed
)
{% endmacro %}
