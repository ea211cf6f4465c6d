select kpi_id, title, unit, higher_is_better, kpi_group, ou_data
from {{ source('kolada', 'kpi_config') }}
