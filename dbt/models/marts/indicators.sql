-- Indikatorkatalog: what each indicator id means, its unit and which direction is better.
select indicator_id, title_sv, unit, higher_is_better, description, source, sort_order
from {{ ref('indicator_catalogue') }}
