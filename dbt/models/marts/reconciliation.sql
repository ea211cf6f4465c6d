-- Avstämning: the municipality's own computation beside the official figure of the same indicator id, and
-- the difference — the answer to "why is our number different from Kolada's / Skolverket's?".
-- Kommun level against Kolada and SIRIS (the municipality's own schools, huvudman Kommunal); skolenhet level
-- against Skolverket's per-skolenhet figures (the Planned Educations statistics and the SIRIS exports, e.g.
-- "Slutbetyg årskurs 9, samtliga elever" per skolenhet). One row per local cell and official source.

with local_values as (
    select * from {{ ref('indicator_values') }} where source = 'local'
),

official as (
    select * from {{ ref('indicator_values') }} where source in ('kolada', 'skolverket', 'siris')
)

select
    l.indicator_id,
    l.level,
    l.unit_code,
    l.unit_name,
    l.year,
    l.gender,
    l.value as local_value,
    l.n as local_n,
    l.status as local_status,
    o.source as official_source,
    o.value as official_value,
    o.status as official_status,
    l.value - o.value as difference,
    case o.source
        when 'kolada' then 'Kolada (RKA)'
        when 'skolverket' then 'Skolverket, statistik per skolenhet (Planerade utbildningar)'
        when 'siris' then 'Skolverket, SIRIS'
    end as official_source_sv,
    l.school_year
from local_values as l
inner join official as o
    on o.indicator_id = l.indicator_id and o.level = l.level and o.unit_code = l.unit_code
    and o.year = l.year and o.gender = l.gender
