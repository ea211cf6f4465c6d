-- position: the order of sources/kolada_kpis.yaml, which the dashboards follow.
select kpi_id, title, unit, higher_is_better, kpi_group, ou_data, position, period
from {{ source('kolada', 'kpi_config') }}
