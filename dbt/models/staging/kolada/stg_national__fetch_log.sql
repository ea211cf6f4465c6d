select source, attempted_at, ok, rows, changed_rows, message, data_as_of
from {{ source('national', 'fetch_log') }}
