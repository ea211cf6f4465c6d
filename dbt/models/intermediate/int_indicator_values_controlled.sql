-- The own indicator values of every domain but attendance, disclosure-controlled (macro
-- controlled_indicator_values): what indicator_values serves as source 'local', and what the equity, SALSA and
-- liknande-skolenheter models read, so that a night's attendance leaves them as they are.
--
-- Each domain computes its values in an intermediate model with the columns indicator_id, level,
-- unit_code, year, school_year, gender, value, n, min_n (its disclosure threshold): add it to the list.
{{ controlled_indicator_values([
    'int_indicator_values_grades',
    'int_indicator_values_national_tests',
    'int_indicator_values_surveys',
    'int_indicator_values_term_grades',
]) }}
