{#- A served cell from fewer than min_n pupils or respondents shows neither its values nor its n, a
    suppressed cell says so with status '..', and a shown cell has its n. -#}
{% test small_cells_suppressed(model, values) %}
select *
from {{ model }}
where (n is not null and n < min_n)
   or (coalesce(n, 0) < min_n and ({% for v in values %}{{ v }} is not null{% if not loop.last %} or {% endif %}{% endfor %}))
   or (status = '..' and n is not null)
   or (coalesce(status, '') = '' and n is null)
{% endtest %}
