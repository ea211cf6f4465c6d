{#- Disclosure control (röjandekontroll, domain.md) of a relation of cells with columns
    <cell_key…>, gender, <values…>, n, min_n, status (by default an indicator value relation: cell_key
    indicator_id, level, unit_code, year and the one value column `value`):
    - fewer than min_n pupils (10 for results, 5 respondents for surveys) → values null, status '..';
    - one gender cell suppressed → the other gender cell too (else it follows from the total);
    - the total minus both gender cells (survey respondents answering 'Annat' or nothing) between 1 and
      min_n - 1 → both gender cells suppressed, else that small group follows from T - K - M;
    - a suppressed cell's n is null as well. -#}
{% macro disclosure_control(relation, cell_key=['indicator_id', 'level', 'unit_code', 'year'], values=['value']) %}
with cells as (
    select *, n < min_n as too_few
    from {{ relation }}
),

gender_pairs as (
    select
        {{ cell_key | join(', ') }},
        bool_or(too_few) filter (where gender in ('K', 'M')) as any_gender_too_few,
        max(n) filter (where gender = 'T') - coalesce(sum(n) filter (where gender in ('K', 'M')), 0)
            as n_neither_gender
    from cells
    group by all
)

select
    cells.* exclude (too_few, {{ values | join(', ') }}, n, status),
    {%- for v in values %}
    case when suppressed then null else cells.{{ v }} end as {{ v }},
    {%- endfor %}
    -- The pupil count of a suppressed cell is withheld too: counts of different denominators would
    -- otherwise reveal small groups (e.g. pupils without any pass).
    case when suppressed then null else cells.n end as n,
    case when suppressed then '..' else cells.status end as status
from cells
left join gender_pairs using ({{ cell_key | join(', ') }}),
lateral (
    select cells.too_few or (cells.gender in ('K', 'M') and (
        coalesce(gender_pairs.any_gender_too_few, false)
        or coalesce(gender_pairs.n_neither_gender between 1 and cells.min_n - 1, false)
    )) as suppressed
)
{% endmacro %}
