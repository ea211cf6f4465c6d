{#- Skolverket's statistics variables (Planned Educations API) that measure the same thing as a Kolada KPI,
    as that KPI's id; null for other variables. Used wherever Skolverket's unit figures meet the
    warehouse's own (stg_skolverket__unit_statistics, stg_national_units__unit_values). -#}
{% macro skolverket_indicator_id(variable) -%}
    case {{ variable }}
        when 'averageGradesMeritRating9thGrade' then 'N15505'
        when 'ratioOfPupilsIn9thGradeWithAllSubjectsPassed' then 'N15419'
        when 'ratioOfPupils9thGradeEligibleForNationalProgramYR' then 'N15436'
        when 'ratioOfPupils9thGradeEligibleForNationalProgramNATE' then 'N15433'
        when 'ratioOfPupils9thGradeEligibleForNationalProgramSAEKHU' then 'N15434'
        when 'ratioOfPupils9thGradeEligibleForNationalProgramES' then 'N15435'
    end
{%- endmacro %}
