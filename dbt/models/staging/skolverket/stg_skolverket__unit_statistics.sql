-- Skolverket's unit statistics; the variables that measure the same thing as a Kolada KPI get its id, so
-- a school's own computation can be set beside Skolverket's figure.
select
    school_unit_code,
    variable,
    time_period as school_year,
    year,
    value,
    coalesce(status, '') as status,
    case variable
        when 'averageGradesMeritRating9thGrade' then 'N15505'
        when 'ratioOfPupilsIn9thGradeWithAllSubjectsPassed' then 'N15419'
        when 'ratioOfPupils9thGradeEligibleForNationalProgramYR' then 'N15436'
        when 'ratioOfPupils9thGradeEligibleForNationalProgramNATE' then 'N15433'
        when 'ratioOfPupils9thGradeEligibleForNationalProgramSAEKHU' then 'N15434'
        when 'ratioOfPupils9thGradeEligibleForNationalProgramES' then 'N15435'
    end as indicator_id
from {{ source('skolverket', 'unit_statistics') }}
