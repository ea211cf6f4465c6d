{#- The school year (läsår) and Kolada's periods, as text. -#}

{% macro school_year_end(school_year) -%}
    {#- '2023/24' → 2024: Kolada's period for a school year is the calendar year of its spring term. -#}
    (cast(left({{ school_year }}, 4) as integer) + 1)
{%- endmacro %}


{% macro school_year_end_of(day) -%}
    {#- The läsår a date falls in (1 July–30 June), as school_year_end names it: 2023-07-01 → 2024. -#}
    (year({{ day }}) + (month({{ day }}) >= 7)::integer)::integer
{%- endmacro %}


{% macro school_year_label(year) -%}
    {#- 2024 → '2023/24': the school year whose spring term is in `year` (domain.md). -#}
    (({{ year }}) - 1)::varchar || '/' || right(({{ year }})::varchar, 2)
{%- endmacro %}


{% macro kolada_period_label(year, period) -%}
    {#- What Kolada's integer period `year` of a KPI stands for, by its configured `period`
        (sources/kolada_kpis.yaml): a school year by its spring term ('läsår', the default: grades, tests), the
        school year starting that autumn ('hösten': measured on 15 October, e.g. teachers), or the calendar
        year itself ('kalenderår': costs). -#}
    case {{ period }}
        when 'hösten' then ({{ year }})::varchar || '/' || right((({{ year }}) + 1)::varchar, 2)
        when 'kalenderår' then ({{ year }})::varchar
        else {{ school_year_label(year) }}
    end
{%- endmacro %}
