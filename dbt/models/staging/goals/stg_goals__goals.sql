-- Nämndens mål as the förvaltning wrote them, with the status rule of the file each came from.
select
    goal_id, title, description, period_from, period_to, achieved_from_pct, partly_from_pct, goal_rule,
    sort_order, source_file, source_line
from {{ source('goals', 'goals') }}
