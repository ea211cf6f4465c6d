-- National-test indicators SKA_NP_AK<6|9>_<subject>: the share of pupils with at least E on the test, per
-- subject in åk 6 and 9, per school unit (where the test was taken) and the municipality, year and gender
-- (T, K, M), before disclosure control. Only ids in the indicator catalogue are computed.

with tests as (
    select * from {{ ref('stg_raw__national_tests') }}
    where grade_level in (6, 9) and test_grade_step is not null
),

measures as (
    {{ pass_share_measures('tests', indicator_id="'SKA_NP_AK' || grade_level || '_' || subject", passed='is_pass') }}
)

{{ indicator_cells('measures') }}
