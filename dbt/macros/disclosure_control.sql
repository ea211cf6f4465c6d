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

    Bounded values (`bounds`: value column → [lowest, highest], SQL on the cell's columns: a share 0–100 %,
    an index 0–10): two or more hidden children can still be worked out together. Their pupils are the
    parent's minus the shown children's, and their mean is (parent n·value − the shown children's n·value)
    over those pupils. When that mean is at a bound while the parent's value is not, every hidden child has
    that value (all passed, none absent). Then the smallest shown child whose value is inside the bounds is
    hidden too (the hidden mean is no longer at a bound), or the parent when there is none. A parent at a
    bound shows its children's value itself (the total may stay). Where a dimension does not add up (a pupil
    at two schools) the mean is no attack; it is then rarely exactly at a bound, and a cell more is hidden
    when it is.

    `starts_hidden`: SQL on the cell's columns for the cells hidden from the start whatever their n (a cell
    that another table hides over the same pupils).

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


{% macro disclosure_control(relation, cell_key, values, dimensions, rounds=6, bounds={}, starts_hidden=none) %}
{%- set at = bound_tolerance() %}
{%- set bounded = bounds.items() | list %}
{%- set all_dimensions = disclosure_dimensions() %}
{#- One round: each dimension's step in turn, written inside out (the round's input innermost). -#}
{%- set ns = namespace(round="select * exclude (control_round, control_changed), control_round + 1 as control_round,
                hidden as hidden_before
            from control_rounds
            where control_changed and control_round < " ~ rounds) %}
{%- for name in dimensions %}
{%- set ns.round = _control_step(ns.round, all_dimensions[name], cell_key, bounded, at) %}
{%- endfor %}
primary_cells as (
    select
        *,
        n as cell_n,
        -- "The smallest" cell: fewest pupils, ties by the cell key. A cell's n never changes, so one order serves
        -- every round, and each step picks its smallest child by a min() over the group's one window.
        row_number() over (order by n, {{ cell_key | join(', ') }}) as cell_order,
        coalesce(n < min_n, true){% if starts_hidden %} or coalesce({{ starts_hidden }}, false){% endif %} as hidden
    from {{ relation }}
),
-- The rounds as one recursive query: its plan is one round's (written out six times, planning the query cost
-- DuckDB more than running it), and it stops at the first round that hides nothing more (the same cells as
-- any later round would give), after `rounds` at most. Every round's cells are kept; the last round's count.
last_round as (
    with recursive control_rounds as (
        select *, 0 as control_round, true as control_changed from primary_cells
        union all
        select
            * exclude (control_round, hidden_before, hidden),
            hidden,
            control_round,
            bool_or(hidden <> hidden_before) over () as control_changed
        from (
            {{ ns.round }}
        )
    )
    select * exclude (control_round, control_changed)
    from control_rounds
    qualify control_round = max(control_round) over ()
),
controlled_cells as (
    select
        * exclude (cell_n, cell_order, hidden, {{ values | join(', ') }}, n, status),
        {%- for v in values %}
        case when hidden then null else {{ v }} end as {{ v }},
        {%- endfor %}
        case when hidden then null else n end as n,
        case when hidden then '..' else status end as status
    from last_round
)
{% endmacro %}


{#- One step of a round along dimension `d`: the cells of `input` (SQL), each with `hidden` decided again. The
    group of a cell is the cells that share its key but `d`'s columns: the parent and its children. -#}
{% macro _control_step(input, d, cell_key, bounded, at) -%}
{%- set group_key = cell_key | reject('in', d['columns']) | list -%}
select
    * exclude (parent_shown, hidden_children, shown_children, outside_children, smallest_shown, hidden
    {%- if bounded %}, hidden_n
    {%- for v, b in bounded %}, parent_value_{{ loop.index }}, hidden_sum_{{ loop.index }},
        smallest_inside_{{ loop.index }}
    {%- endfor %}{% endif %}),
    hidden or coalesce(parent_shown and (
        (hidden_children = 1 and cell_order = smallest_shown)
        or (hidden_children = 1 and shown_children = 0 and ({{ d['parent'] }}))
        or (hidden_children = 0 and outside_children between 1 and min_n - 1 and cell_order = smallest_shown)
    ), false)
    {%- if bounded %}
    -- Rule 6 for the first value whose hidden children are together at a bound the parent is not at: the
    -- smallest shown child inside the bounds, or the parent when there is none.
    or coalesce(case
        {%- for v, b in bounded %}
        when parent_shown and hidden_children >= 2 and hidden_n > 0
            and {{ _inside('parent_value_' ~ loop.index, b, at) }}
            and (abs(hidden_sum_{{ loop.index }} / hidden_n - ({{ b[0] }})) <= {{ at }}
                or abs(hidden_sum_{{ loop.index }} / hidden_n - ({{ b[1] }})) <= {{ at }})
        then cell_order = smallest_inside_{{ loop.index }}
            or (smallest_inside_{{ loop.index }} is null and ({{ d['parent'] }}))
        {%- endfor %}
    end, false)
    {%- endif %} as hidden
from (
    select
        *,
        bool_or(({{ d['parent'] }}) and not hidden) over parent_group as parent_shown,
        count(*) filter (where ({{ d['child'] }}) and hidden) over parent_group as hidden_children,
        count(*) filter (where ({{ d['child'] }}) and not hidden) over parent_group as shown_children,
        max(cell_n) filter (where {{ d['parent'] }}) over parent_group
            - coalesce(sum(cell_n) filter (where {{ d['child'] }}) over parent_group, 0) as outside_children,
        min(cell_order) filter (where ({{ d['child'] }}) and not hidden) over parent_group as smallest_shown
        {%- if bounded %},
        max(cell_n) filter (where {{ d['parent'] }}) over parent_group
            - coalesce(sum(cell_n) filter (where ({{ d['child'] }}) and not hidden) over parent_group, 0)
            as hidden_n
        {%- for v, b in bounded %},
        max({{ v }}) filter (where {{ d['parent'] }}) over parent_group as parent_value_{{ loop.index }},
        max(cell_n * {{ v }}) filter (where {{ d['parent'] }}) over parent_group
            - coalesce(sum(cell_n * {{ v }}) filter (where ({{ d['child'] }}) and not hidden) over parent_group, 0)
            as hidden_sum_{{ loop.index }},
        min(cell_order) filter (where ({{ d['child'] }}) and not hidden and {{ _inside(v, b, at) }})
            over parent_group as smallest_inside_{{ loop.index }}
        {%- endfor %}
        {%- endif %}
    from (
        {{ input }}
    )
    window parent_group as (partition by {{ group_key | join(', ') }})
)
{%- endmacro %}


{#- How close to a bound a mean counts as at it: an attacker computes it from values served to 6 decimals. The
    control and the test no_derivable_cells read it here. -#}
{% macro bound_tolerance() %}{{ return(0.0001) }}{% endmacro %}


{#- Whether `expr` lies inside the range `bounds` ([lowest, highest]) by more than `at`. -#}
{% macro _inside(expr, bounds, at) -%}
    ({{ expr }} > ({{ bounds[0] }}) + {{ at }} and {{ expr }} < ({{ bounds[1] }}) - {{ at }})
{%- endmacro %}


{#- The lowest (side 0) or highest (side 1) value of a unit (var value_bounds), as SQL on `unit_sql` (a column or
    a quoted unit): null for a unit without bounds. -#}
{% macro unit_bound(unit_sql, side) -%}
    case {{ unit_sql }}
    {%- for unit, range in var('value_bounds').items() %} when '{{ unit }}' then {{ range[side] }}{% endfor %} end
{%- endmacro %}


{#- The cells of `relation` (with an indicator_id) and `value_unit`: their indicator's unit in the catalogue, whose
    range (var value_bounds) bounds the value — none for the indicators of var unbounded_values. Read by the
    models that control indicator values and by the test no_derivable_cells. -#}
{% macro with_value_unit(relation) -%}
select
    v.*,
    case when v.indicator_id not in ('{{ var("unbounded_values") | join("', '") }}') then c.unit end as value_unit
from {{ relation }} as v
left join {{ ref('indicator_catalogue') }} as c on c.indicator_id = v.indicator_id
{%- endmacro %}


{#- bounds for disclosure_control: each of `columns` in the range of `unit` (a unit of var value_bounds). -#}
{% macro bounds_of(columns, unit) -%}
    {%- set found = {} %}
    {%- for column in columns %}
        {%- do found.update({column: var('value_bounds')[unit]}) %}
    {%- endfor %}
    {{- return(found) }}
{%- endmacro %}
