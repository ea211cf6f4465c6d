-- Datakvalitet, filer (served as `data_quality_files`): the state of every file in the landing folder after
-- the last run — for the förvaltning's data-quality view. A file loaded in an earlier run is shown as
-- loaded (with the time it was loaded, from the ledger), not as "already loaded this time": the served
-- table describes the files, not the run, so two runs on the same folder serve the same rows. File names
-- carry no personnummer (masked at the door) and no pupil data.
with files as (
    select * from {{ source('raw', 'landing_files') }}
),

ledger as (
    select kind as folder, file_hash, loaded_at from {{ source('raw', 'loaded_files') }}
),

stated as (
    select
        files.*,
        -- Folders read whole (enkater/, siris/, mal/) have no ledger: their files were loaded when a run read
        -- them, the checked_at that a later pass finding nothing new in the folder keeps (already_loaded).
        coalesce(
            ledger.loaded_at,
            case when files.outcome in ('loaded', 'partly_quarantined', 'already_loaded') then files.checked_at end
        ) as loaded_at,
        case
            when files.outcome in ('loaded', 'already_loaded', 'partly_quarantined')
                then case when coalesce(files.rows_quarantined, 0) > 0 then 'partly_quarantined' else 'loaded' end
            else files.outcome
        end as file_state
    from files
    left join ledger using (folder, file_hash)
)

select
    folder,
    file_name,
    file_state as outcome,
    case file_state
        when 'loaded' then 'inläst'
        when 'partly_quarantined' then 'inläst, rader i karantän'
        when 'identical' then 'identisk med en annan fil'
        when 'rejected' then 'avvisad'
        when 'ignored' then 'ignorerad'
        when 'retry' then 'läses nästa körning'
        when 'removed' then 'borttagen (raderna ligger kvar)'
    end as outcome_sv,
    reason,
    size_bytes,
    rows_in,
    rows_loaded,
    rows_quarantined,
    loaded_at
from stated
