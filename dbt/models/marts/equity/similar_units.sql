-- Liknande skolenheter: for each of the municipality's schools with åk 9 (its latest school year), the 10
-- Swedish school units nearest in background (skolanalys/similar_units.py: parents' education, % boys,
-- pupils in åk 9, standardised), with their published results — served as `similar_units`.
--
-- The school's own background is computed from its pupils and shown when the school's indicator_values
-- cell of all pupils with final grades (N15419, gender T) is shown; the share of boys only when the school
-- has at least 10 girls and 10 boys (a share would otherwise give away a small count). A school not shown
-- has one row with status '..' and no neighbours.

with own as (
    select * from {{ ref('int_similar_units_own_background') }}
),

published_cells as (
    select unit_code, year, status as cell_status
    from {{ ref('int_indicator_values_controlled') }}
    where source = 'local' and level = 'skolenhet' and gender = 'T' and indicator_id = 'N15419'
),

own_decided as (
    select
        own.*,
        case when coalesce(p.cell_status, '..') = '..' or own.pupils < {{ var('min_pupils') }} then '..' else '' end
            as status
    from own
    left join published_cells as p using (unit_code, year)
),

neighbours as (
    select
        r.unit_code,
        r.rank,
        r.similar_unit_code,
        r.distance,
        c.school_unit_name as similar_unit_name,
        c.municipality_name as kommun,
        c.organiser_type,
        c.parents_education as similar_parents_education,
        c.share_boys as similar_share_boys,
        c.pupils as similar_pupils,
        c.results_school_year,
        c.meritvarde,
        c.alla_amnen,
        c.behorighet_yrkes
    from {{ ref('int_similar_units_ranked') }} as r
    inner join {{ ref('int_national_unit_candidates') }} as c on c.school_unit_code = r.similar_unit_code
)

select
    own_decided.unit_code,
    coalesce(u.school_unit_name, 'Skolenhet ' || own_decided.unit_code) as unit_name,
    own_decided.school_year,
    case when own_decided.status = '' then own_decided.pupils end as n,
    case when own_decided.status = '' then round(own_decided.parents_education, 2) end as parents_education,
    case when own_decided.status = '' and least(own_decided.boys, own_decided.girls) >= {{ var('min_pupils') }}
        then round(own_decided.share_boys, 1) end as share_boys,
    neighbours.rank,
    neighbours.similar_unit_code,
    neighbours.similar_unit_name,
    neighbours.kommun,
    neighbours.organiser_type,
    neighbours.distance,
    neighbours.similar_parents_education,
    neighbours.similar_share_boys,
    neighbours.similar_pupils,
    neighbours.results_school_year,
    neighbours.meritvarde,
    neighbours.alla_amnen,
    neighbours.behorighet_yrkes,
    own_decided.status,
    {{ var('min_pupils') }} as min_n
from own_decided
left join neighbours on own_decided.status = '' and neighbours.unit_code = own_decided.unit_code
left join {{ ref('int_school_unit_names') }} as u on u.school_unit_code = own_decided.unit_code
