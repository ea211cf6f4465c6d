-- Datans ålder per nationell källa: when it was last fetched, how old the data are, and whether the last
-- attempt reached the source. The dashboard shows it beside every national figure. The time of the last
-- attempt is not served: it changes with every run although the data do not (national.fetch_log has it).
with log as (
    select * from {{ ref('stg_national__fetch_log') }}
),

last_attempt as (
    select source, attempted_at, ok, message
    from log
    qualify row_number() over (partition by source order by attempted_at desc) = 1
)

select
    source,
    max(log.data_as_of) filter (where log.ok) as data_as_of,
    date_diff('day', max(log.data_as_of) filter (where log.ok), current_date) as data_age_days,
    max(log.attempted_at) filter (where log.ok) as last_successful_fetch,
    any_value(last_attempt.ok) as last_attempt_ok,
    any_value(last_attempt.message) as last_attempt_message
from log
inner join last_attempt using (source)
group by source
