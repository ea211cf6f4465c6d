-- The goals' measures (mått): which indicator, where, for whom and against what.
select
    goal_id, measure_no, indicator_id, level, unit_code, gender, direction, target_type, target_value,
    years_back, weight, source_file, source_line
from {{ source('goals', 'goal_indicators') }}
