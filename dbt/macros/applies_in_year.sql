{#- Whether a liknande-kommuner group (a row of stg_kolada__municipality_groups, by its alias) is the one of
    comparison year `year`: applies_from_year null = every earlier year too, applies_to_year null = every
    later year. The rule itself is in stg_kolada__municipality_groups. -#}
{% macro applies_in_year(group, year) -%}
    ({{ year }} >= coalesce({{ group }}.applies_from_year, {{ year }})
        and {{ year }} <= coalesce({{ group }}.applies_to_year, {{ year }}))
{%- endmacro %}
