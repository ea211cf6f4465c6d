-- The attendance indicators (SKA_FRV_*), disclosure-controlled apart from the other domains (macro
-- controlled_indicator_values): a night's new school day controls these cells again, not every indicator's.
{{ controlled_indicator_values(['int_indicator_values_attendance']) }}
