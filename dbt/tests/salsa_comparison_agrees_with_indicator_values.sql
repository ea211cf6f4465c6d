{#- The own SALSA model's actual value is the school's indicator_values cell (gender T): shown only where
    that cell is shown, with the same value and n. -#}
with own as (
    select s.*, d.indicator_id
    from {{ ref('salsa_comparison') }} as s
    inner join (select distinct outcome, indicator_id from {{ ref('int_equity_definitions') }}) as d using (outcome)
    where s.source = 'egen_modell' and s.actual is not null
)

select own.*
from own
left join {{ ref('indicator_values') }} as iv
    on iv.source = 'local' and iv.level = 'skolenhet' and iv.gender = 'T' and iv.indicator_id = own.indicator_id
    and iv.unit_code = own.unit_code and iv.year = own.year
where coalesce(iv.status, '..') = '..' or abs(iv.value - own.actual) > 1e-6 or iv.n <> own.n
