-- Indikatorkatalog: what each indicator id means, its unit and which direction is better — the warehouse's
-- own catalogue, plus the configured Kolada KPIs it does not compute itself. topic groups them for the
-- dashboard pages: betyg_ak9, betyg_termin, nationella_prov, franvaro, enkater, kolada.
-- The catalogue's definitions name the disclosure threshold by its var ({min_respondents}), declared once in
-- dbt_project.yml.
with own as (
    select
        indicator_id,
        title_sv,
        short_title_sv,
        unit,
        higher_is_better,
        replace(description, '{min_respondents}', '{{ var("min_respondents") }}') as description,
        source,
        sort_order,
        topic
    from {{ ref('indicator_catalogue') }}
),

kolada as (
    select
        kpi_id as indicator_id,
        title as title_sv,
        title as short_title_sv,
        unit,
        higher_is_better,
        title || '. Källa: Kolada (RKA).' as description,
        'kolada' as source,
        1000 + position as sort_order,
        'kolada' as topic
    from {{ ref('stg_kolada__kpi_config') }}
    where kpi_id not in (select indicator_id from own)
)

select * from own
union all
select * from kolada
