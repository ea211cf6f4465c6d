-- Skolenkäten (Skolinspektionen): the index 0–10 per area for the municipality's school units and for all
-- participating units (riket), by gender — as published, masked values keep their reason. Two sources:
-- Skolinspektionen's Excel reports dropped in skolenkaten/ (every area, riket, by gender), and the latest round
-- per unit (VT25 or VT26) as Skolverket's Planned Educations API gives it, shipped in sources/reference: five
-- areas, the total only, no riket, every unit of the municipality (F–6 schools too).

with reports as (
    select
        survey, year, respondent_group,
        case when unit_level = 'all_units' then 'riket' else 'skolenhet' end as level,
        coalesce(school_unit_code, '0000') as unit_code,
        coalesce(school_unit_name, 'Alla skolenheter') as unit_name,
        area_no, area, gender, value, status, status_reason, n_respondents, response_rate
    from {{ ref('stg_skolenkaten__results') }}
    where measure = 'index' and question is null
      and (unit_level = 'all_units'
           or (unit_level = 'school_unit' and municipality_code = '{{ var("kommunkod") }}'))
),

-- The API's five indices, named and numbered as in Skolinspektionen's reports (nöjdhet: the guardians' and
-- pupils' overall satisfaction, "Övergripande nöjdhet").
areas (area_key, area_no, area) as (
    values
        ('stimulans', 2, 'Stimulans'), ('stod', 3, 'Stöd'), ('studiero', 8, 'Studiero'),
        ('trygghet', 9, 'Trygghet'), ('nojdhet', 12, 'Övergripande nöjdhet')
),

api_values as (
    select
        v.school_unit_code as unit_code,
        u.school_unit_name as unit_name,
        v.year,
        regexp_extract(v.variable, '^skolenkaten_(.+)_([a-z]+)$', 1) as respondent_group,
        regexp_extract(v.variable, '^skolenkaten_(.+)_([a-z]+)$', 2) as area_key,
        v.value
    from {{ ref('stg_national_units__unit_values') }} as v
    inner join {{ ref('stg_national_units__school_units') }} as u using (school_unit_code)
    where v.variable like 'skolenkaten\_%' escape '\' and u.municipality_code = '{{ var("kommunkod") }}'
),

api as (
    select
        'skolenkaten' as survey,
        i.year,
        i.respondent_group,
        'skolenhet' as level,
        i.unit_code,
        i.unit_name,
        a.area_no,
        a.area,
        'T' as gender,
        i.value,
        '' as status,
        null::varchar as status_reason,
        cast(n.value as bigint) as n_respondents,
        null::double as response_rate
    from api_values as i
    inner join areas as a using (area_key)
    left join api_values as n
        on n.area_key = 'n' and n.unit_code = i.unit_code and n.year = i.year
        and n.respondent_group = i.respondent_group
    -- a round the reports already give (the same unit, year and respondents) is served from them
    where not exists (
        select 1 from reports as r
        where r.unit_code = i.unit_code and r.year = i.year and r.respondent_group = i.respondent_group
    )
)

select
    survey, year, respondent_group, level, unit_code, unit_name, area_no, area, gender, value, status,
    status_reason, n_respondents, response_rate
from (
    select * from reports
    union all by name
    select * from api
)
