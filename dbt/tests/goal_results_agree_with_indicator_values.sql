{#- Every utfall in goal_results is a served cell of indicator_values, as served: a visible utfall equals the
    cell's value, and a cell hidden there is hidden here — with no interval either. -#}
select r.*
from {{ ref('goal_results') }} as r
left join {{ ref('indicator_values') }} as iv
    on iv.indicator_id = r.indicator_id and iv.level = r.level and iv.unit_code = r.unit_code
    and iv.year = r.year and iv.gender = r.gender and iv.source = r.value_source
where (r.value is not null and (iv.value is null or abs(iv.value - r.value) > 1e-9 or iv.status <> ''))
   or (r.value is null and (r.ci_low is not null or r.ci_high is not null or r.achievement_pct is not null))
