{#- The cells of `relation` with the name of their unit: the municipality's name for kommun (and riket)
    rows, the school unit's name for skolenhet rows, else 'Skolenhet <code>' — one rule for every served
    table that shows a unit. `relation` has the columns level and unit_code. -#}
{% macro named_units(relation) %}
    select
        {{ relation }}.*,
        coalesce(m.municipality_name, u.school_unit_name, 'Skolenhet ' || {{ relation }}.unit_code) as unit_name
    from {{ relation }}
    left join {{ ref('municipalities') }} as m
        on {{ relation }}.level in ('kommun', 'riket') and m.municipality_code = {{ relation }}.unit_code
    left join {{ ref('stg_skolverket__school_units') }} as u
        on {{ relation }}.level = 'skolenhet' and u.school_unit_code = {{ relation }}.unit_code
{% endmacro %}
