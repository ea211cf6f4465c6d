{#- Disclosure control (röjandekontroll, domain.md) of a relation of cells. The relation has the columns
    <cell_key…> (every column that identifies a cell, gender included), <values…>, n, min_n and status.

    Primary suppression: fewer than min_n pupils (10 for results, 5 respondents for surveys) → values and
    n null, status '..'.

    Complementary (secondary) suppression, so that no hidden cell follows by subtraction: a cell is the
    parent of the cells that add up to it along a dimension (disclosure_dimensions below: genders within
    the total, school units within the kommun, grades within 'alla', periods within the school year,
    cohorts within all cohorts pooled (cohort null: value added), the groups a and b of an equity
    comparison within all its pupils (group_cell 'alla': equity_gaps)).
    Wherever a parent is shown and exactly one of its children is hidden, the smallest shown child (fewest
    pupils; ties by cell key) is hidden too — or the parent, when no child is left to hide. When no child
    is hidden but the parent holds 1 to min_n − 1 pupils that are in no child (survey respondents who
    answered 'Annat' or no gender or grade), the smallest shown child is hidden, which starts the rule
    above. Hiding one cell can expose another along another dimension (a school's girls hidden → its boys
    too → the boys of the next school), so the rules run in rounds until nothing changes; the dbt test
    no_derivable_cells on each served mart fails if `rounds` ever proves too few.

    A hidden cell's n is null as well: counts of different denominators would otherwise reveal small groups.
    The cost in hidden cells is counted in docs/disclosure.md. -#}
{% macro disclosure_dimensions() %}
    {{ return({
        'gender': {'columns': ['gender'], 'parent': "gender = 'T'", 'child': "gender in ('K', 'M')"},
        'units': {'columns': ['level', 'unit_code'], 'parent': "level = 'kommun'", 'child': "level = 'skolenhet'"},
        'grades': {'columns': ['grade_level'], 'parent': "grade_level = 'alla'", 'child': "grade_level <> 'alla'"},
        'periods': {'columns': ['period'], 'parent': "period = 0", 'child': "period in (1, 2, 3)"},
        'cohorts': {'columns': ['cohort'], 'parent': "cohort is null", 'child': "cohort is not null"},
        'groups': {'columns': ['group_cell'], 'parent': "group_cell = 'alla'", 'child': "group_cell <> 'alla'"},
    }) }}
{% endmacro %}


{% macro disclosure_control(relation, cell_key, values, dimensions, rounds=6) %}
{%- set all_dimensions = disclosure_dimensions() %}
{%- set ns = namespace(previous='primary_cells') %}
primary_cells as (
    select *, n as cell_n, coalesce(n < min_n, true) as hidden
    from {{ relation }}
),
{%- for round in range(rounds) %}
{%- for name in dimensions %}
{%- set d = all_dimensions[name] %}
{%- set group_key = cell_key | reject('in', d['columns']) | list %}
{%- set step = 'round_' ~ round ~ '_' ~ name %}
{{ step }}_window as (
    select
        *,
        bool_or(({{ d['parent'] }}) and not hidden) over parent_group as parent_shown,
        count(*) filter (where ({{ d['child'] }}) and hidden) over parent_group as hidden_children,
        count(*) filter (where ({{ d['child'] }}) and not hidden) over parent_group as shown_children,
        max(cell_n) filter (where {{ d['parent'] }}) over parent_group
            - coalesce(sum(cell_n) filter (where {{ d['child'] }}) over parent_group, 0) as outside_children,
        row_number() over (
            partition by {{ group_key | join(', ') }}, (({{ d['child'] }}) and not hidden)
            order by cell_n, {{ cell_key | join(', ') }}
        ) as size_rank
    from {{ ns.previous }}
    window parent_group as (partition by {{ group_key | join(', ') }})
),
{{ step }} as (
    select
        * exclude (parent_shown, hidden_children, shown_children, outside_children, size_rank, hidden),
        hidden or coalesce(parent_shown and (
            (hidden_children = 1 and ({{ d['child'] }}) and size_rank = 1)
            or (hidden_children = 1 and shown_children = 0 and ({{ d['parent'] }}))
            or (hidden_children = 0 and outside_children between 1 and min_n - 1
                and ({{ d['child'] }}) and size_rank = 1)
        ), false) as hidden
    from {{ step }}_window
),
{%- set ns.previous = step %}
{%- endfor %}
{%- endfor %}
controlled_cells as (
    select
        * exclude (cell_n, hidden, {{ values | join(', ') }}, n, status),
        {%- for v in values %}
        case when hidden then null else {{ v }} end as {{ v }},
        {%- endfor %}
        case when hidden then null else n end as n,
        case when hidden then '..' else status end as status
    from {{ ns.previous }}
)
{% endmacro %}
