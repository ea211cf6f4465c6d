-- The goals' actions (aktiviteter) with their status and who is responsible.
select goal_id, action_no, action, status, responsible, comment, source_file, source_line
from {{ source('goals', 'goal_actions') }}
