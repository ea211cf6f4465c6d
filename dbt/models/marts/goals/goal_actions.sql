-- The goals' actions (aktiviteter, insatser) with their status and who is responsible: "Hur gör vi?".
-- Served as `goal_actions`.
select
    a.goal_id,
    g.title as goal_title,
    g.sort_order as goal_sort_order,
    a.action_no,
    a.action,
    a.status,
    a.responsible,
    a.comment
from {{ ref('stg_goals__goal_actions') }} as a
inner join {{ ref('stg_goals__goals') }} as g using (goal_id)
