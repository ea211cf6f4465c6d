-- Datakvalitet, karantän (served as `data_quality_quarantine`): rows in quarantine per kind, file, column
-- and reason, with the first and last line — counts only: the quarantined rows themselves stay in the
-- warehouse. The value a reason quotes is cut off, so that grouping is by the kind of problem.
with reasons as (
    select
        kind,
        file,
        "column",
        regexp_replace(reason, ' \(värde: ''[^'']*''\)', '', 'g') as reason,
        line
    from {{ source('raw', 'quarantine') }}
)

select
    kind as folder,
    file as file_name,
    "column" as column_name,
    reason,
    count(*) as rows_quarantined,
    min(line) as first_line,
    max(line) as last_line
from reasons
group by all
