{#- Every row of `relation` (with school_unit_code and gender) in each cell it counts in: the total (T) and
    its own gender (K/M), at its school unit and for the municipality. Adds level, unit_code, gender_cell. -#}
{% macro unit_gender_cells(relation) %}
    select units.level, units.unit_code, cells.gender_cell, rows.* exclude (school_unit_code)
    from {{ relation }} as rows
    inner join (values ('T'), ('K'), ('M')) as cells(gender_cell)
        on cells.gender_cell = 'T' or cells.gender_cell = rows.gender
    cross join lateral (
        values ('skolenhet', rows.school_unit_code), ('kommun', '{{ var("kommunkod") }}')
    ) as units(level, unit_code)
{% endmacro %}
