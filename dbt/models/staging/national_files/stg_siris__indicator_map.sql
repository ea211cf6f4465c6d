-- Which SIRIS figures are the same indicator as one of the warehouse's indicator ids (indicator_catalogue, the
-- Kolada KPIs of sources/kolada_kpis.yaml): declared here and nowhere else; the figures are selected in
-- int_siris_indicator_values.
--
-- organiser_type is the huvudman the published figure covers. At kommun and riket level 'Kommunal' is the
-- municipality's own schools — Kolada's "kommunala skolor" KPIs (N15505, N15419, N15436, …) and what the
-- municipality computes from its own pupils; 'Samtliga' is every school in the municipality or in Sweden,
-- Kolada's "lägeskommun" KPIs (N15504, N15418, N15424). At skolenhet level the unit's own figure (null: any
-- huvudman). subject: the ämne as published (national tests). derivation 'complement': the published share
-- is the complement of the indicator (riksnivå's share missing a pass in some subject = 100 − the share with
-- a pass in all). priority: where two reports give the same cell, the lower number wins.
select * from (
    values
        -- Slutbetyg åk 9 per skolenhet (and the same report per kommun)
        ('slutbetyg_arskurs_9', 'average_merit_value_17', 'skolenhet', null, null, 'N15505', '', 1),
        ('slutbetyg_arskurs_9', 'share_all_subjects_passed_pct', 'skolenhet', null, null, 'N15419', '', 1),
        ('slutbetyg_arskurs_9', 'share_eligible_vocational_pct', 'skolenhet', null, null, 'N15436', '', 1),
        ('slutbetyg_arskurs_9', 'average_merit_value_17', 'kommun', 'Kommunal', null, 'N15505', '', 2),
        ('slutbetyg_arskurs_9', 'share_all_subjects_passed_pct', 'kommun', 'Kommunal', null, 'N15419', '', 2),
        ('slutbetyg_arskurs_9', 'share_eligible_vocational_pct', 'kommun', 'Kommunal', null, 'N15436', '', 3),
        ('slutbetyg_arskurs_9', 'average_merit_value_17', 'kommun', 'Samtliga', null, 'N15504', '', 2),
        ('slutbetyg_arskurs_9', 'share_all_subjects_passed_pct', 'kommun', 'Samtliga', null, 'N15418', '', 2),
        ('slutbetyg_arskurs_9', 'share_eligible_vocational_pct', 'kommun', 'Samtliga', null, 'N15424', '', 3),
        -- Jämförelse av betygsresultat över tid (kommun, ten school years)
        ('betygsresultat_over_tid', 'average_merit_value_17', 'kommun', 'Kommunal', null, 'N15505', '', 1),
        ('betygsresultat_over_tid', 'share_all_subjects_passed_pct', 'kommun', 'Kommunal', null, 'N15419', '', 1),
        ('betygsresultat_over_tid', 'share_eligible_vocational_pct', 'kommun', 'Kommunal', null, 'N15436', '', 2),
        ('betygsresultat_over_tid', 'average_merit_value_17', 'kommun', 'Samtliga', null, 'N15504', '', 1),
        ('betygsresultat_over_tid', 'share_all_subjects_passed_pct', 'kommun', 'Samtliga', null, 'N15418', '', 1),
        ('betygsresultat_over_tid', 'share_eligible_vocational_pct', 'kommun', 'Samtliga', null, 'N15424', '', 2),
        -- Behörighet till gymnasieskolan (kommun, per kön)
        ('behorighet_gymnasieskolan', 'share_eligible_vocational_pct', 'kommun', 'Kommunal', null, 'N15436', '', 1),
        (
            'behorighet_gymnasieskolan', 'share_eligible_natural_science_technology_pct', 'kommun', 'Kommunal',
            null, 'N15433', '', 1
        ),
        (
            'behorighet_gymnasieskolan', 'share_eligible_economics_humanities_social_pct', 'kommun', 'Kommunal',
            null, 'N15434', '', 1
        ),
        ('behorighet_gymnasieskolan', 'share_eligible_arts_pct', 'kommun', 'Kommunal', null, 'N15435', '', 1),
        ('behorighet_gymnasieskolan', 'share_eligible_vocational_pct', 'kommun', 'Samtliga', null, 'N15424', '', 1),
        -- Betyg åk 6: the VT term grades of åk 6, every subject graded (denominator: pupils with A–F or '-')
        ('betyg_arskurs_6', 'share_all_subjects_passed_pct', 'kommun', 'Kommunal', null, 'SKA_TB_AK6_VT', '', 1),
        -- Grundskolan – Betyg och Prov – Riksnivå (riket per school year; per huvudman the latest year)
        ('betyg_och_prov_riksniva', 'average_merit_value_17', 'riket', 'Kommunal', null, 'N15505', '', 1),
        (
            'betyg_och_prov_riksniva', 'share_missing_pass_some_subject_pct', 'riket', 'Kommunal', null, 'N15419',
            'complement', 1
        ),
        ('betyg_och_prov_riksniva', 'average_merit_value_17', 'riket', 'Samtliga', null, 'N15504', '', 1),
        (
            'betyg_och_prov_riksniva', 'share_missing_pass_some_subject_pct', 'riket', 'Samtliga', null, 'N15418',
            'complement', 1
        )
) as m (report, measure, level, organiser_type, subject, indicator_id, derivation, priority)

union all

-- Nationella prov åk 6 and 9 (kommun and riket): share with provbetyg A–E of those with A–F, per subject and
-- gender, each subject the national-test indicator SKA_NP_AK<grade>_<subject code>.
select
    'nationella_prov_arskurs_' || g.grade_level as report,
    'share_test_grade_a_e_pct' as measure,
    l.level,
    'Kommunal' as organiser_type,
    s.subject,
    'SKA_NP_AK' || g.grade_level || '_' || s.subject_code as indicator_id,
    '' as derivation,
    1 as priority
from (values (9), (6)) as g (grade_level)
cross join (values ('kommun'), ('riket')) as l (level)
cross join (
    values ('Svenska', 'SV'), ('Svenska som andraspråk', 'SVA'), ('Engelska', 'EN'), ('Matematik', 'MA')
) as s (subject, subject_code)
