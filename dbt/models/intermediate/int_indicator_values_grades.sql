-- The municipality's own computation of the year-9 indicators, per school unit and for the municipality,
-- per year and gender (T, K, M), before disclosure control. Denominators per domain.md: the merit value
-- averages pupils with at least one pass; the shares count every pupil with final grades.

with pupils as (
    select * from {{ ref('int_year9_pupils_summarised') }}
),

measures as (
    select pupil_key, year, school_year, school_unit_code, gender, indicator_id, x, in_denominator
    from pupils,
    lateral (
        values
            ('N15505', merit_value, has_any_pass),
            ('N15419', case when passed_all_subjects then 100.0 else 0.0 end, true),
            ('N15436', case when eligible_vocational then 100.0 else 0.0 end, true),
            ('N15433', case when eligible_natural_science_technology then 100.0 else 0.0 end, true),
            ('N15434', case when eligible_economics_humanities_social then 100.0 else 0.0 end, true),
            ('N15435', case when eligible_arts then 100.0 else 0.0 end, true)
    ) as m(indicator_id, x, in_denominator)
)

{{ indicator_cells('measures', denominator='in_denominator') }}
