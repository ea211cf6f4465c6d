"""The suites: one function per check returning (expectation, Swedish explanation of what to do) pairs.

A suite validates `select * from raw.<table>` unless it brings its own query: a join for referential checks
(grades of pupils without an enrolment), or counts computed in DuckDB where the table is too large to hand
to GX's pandas route row by row (attendance: ~100 million rows a school year).

Blocking suites guard tables whose bad rows would corrupt the marts; the rest warn (severity WARN).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sources.landing.kinds import GRADE_LEVELS, GRADES, SUBJECTS, TEST_SUBJECTS

SCHOOL_UNIT_CODE = r"^\d{8}$"
SCHOOL_YEAR = r"^\d{4}/\d{2}$"


def _gx():
    import great_expectations.expectations as gxe

    return gxe


def _school_unit_and_year(what: str) -> list[tuple[object, str]]:
    gxe = _gx()
    return [
        (
            gxe.ExpectColumnValuesToMatchRegex(column="school_unit_code", regex=SCHOOL_UNIT_CODE),
            f"Skolenhetskoden ska vara Skolverkets åttasiffriga kod. Rätta {what} och lägg in filen igen.",
        ),
        (
            gxe.ExpectColumnValuesToMatchRegex(column="school_year", regex=SCHOOL_YEAR),
            f"Läsåret ska skrivas 2023/24. Rätta {what}.",
        ),
    ]


def grades() -> list[tuple[object, str]]:
    gxe = _gx()
    return [
        (
            gxe.ExpectColumnValuesToNotBeNull(column="pupil_key"),
            "Varje betygsrad ska ha en elevnyckel. Kontrollera inläsningen av personnummer.",
        ),
        (
            gxe.ExpectColumnValuesToBeInSet(column="grade", value_set=GRADES),
            "Betyg ska vara A–F eller streck. Rätta exportfilen och lägg den i betyg/ igen.",
        ),
        (
            gxe.ExpectColumnValuesToBeInSet(column="term", value_set=["HT", "VT"]),
            "Termin ska vara HT eller VT.",
        ),
        (
            gxe.ExpectColumnValuesToBeBetween(column="grade_level", min_value=6, max_value=9),
            "Betyg ges i årskurs 6–9: rader för andra årskurser hör inte hemma här.",
        ),
        (
            gxe.ExpectColumnValuesToBeInSet(column="subject", value_set=SUBJECTS),
            "Ämneskoden ska vara en av Skolverkets koder.",
        ),
        (
            gxe.ExpectColumnValuesToBeInSet(column="grade_type", value_set=["terminsbetyg", "slutbetyg"]),
            "Betygstyp ska vara terminsbetyg eller slutbetyg.",
        ),
        (
            gxe.ExpectCompoundColumnsToBeUnique(
                column_list=["pupil_key", "school_year", "term", "subject", "language"]
            ),
            "Samma elev har flera betyg i samma ämne och termin: rättad fil bör ersätta den gamla.",
        ),
        *_school_unit_and_year("betygsexporten"),
    ]


def enrolments() -> list[tuple[object, str]]:
    gxe = _gx()
    return [
        (gxe.ExpectColumnValuesToNotBeNull(column="pupil_key"), "Varje inskrivning ska ha en elevnyckel."),
        (
            gxe.ExpectColumnValuesToBeInSet(column="gender", value_set=["K", "M"]),
            "Kön ska vara Flicka/Pojke eller härledas ur personnumret.",
        ),
        (
            gxe.ExpectColumnValuesToBeInSet(column="grade_level", value_set=GRADE_LEVELS),
            "Årskurs ska vara F eller 1–9.",
        ),
        (
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["pupil_key", "school_year"]),
            "En elev ska ha en inskrivning per läsår (per den 15 oktober).",
        ),
        *_school_unit_and_year("elevexporten"),
    ]


# Nationella prov -------------------------------------------------------------------------------------

NATIONAL_TESTS_QUERY = """
select
    *,
    -- Åk 3 is pass/not pass per part (G/EG); åk 6 and 9 are graded A–F.
    case when grade_level = 3 then test_grade in ('G', 'EG')
         else test_grade in ('A', 'B', 'C', 'D', 'E', 'F') end as test_grade_fits_grade_level
from raw.national_tests
"""


def national_tests() -> list[tuple[object, str]]:
    gxe = _gx()
    return [
        (
            gxe.ExpectColumnValuesToNotBeNull(column="pupil_key"),
            "Varje provresultat ska ha en elevnyckel. Kontrollera inläsningen av personnummer.",
        ),
        (
            gxe.ExpectColumnValuesToBeInSet(column="grade_level", value_set=[3, 6, 9]),
            "Nationella prov ges i årskurs 3, 6 och 9: rätta årskursen i exportfilen i nationella_prov/.",
        ),
        (
            gxe.ExpectColumnValuesToBeInSet(column="subject", value_set=TEST_SUBJECTS),
            "Ämnet har inget nationellt prov: kontrollera ämneskoden (SV, SVA, MA, EN, BI, FY, KE, GE, HI, RE, SH).",
        ),
        (
            gxe.ExpectColumnValuesToBeInSet(column="test_grade", value_set=[*GRADES[:-1], "G", "EG"]),
            "Provbetyg ska vara A–F, eller G/EG i årskurs 3. Rätta exportfilen.",
        ),
        (
            gxe.ExpectColumnValuesToBeInSet(column="test_grade_fits_grade_level", value_set=[True]),
            "Provbetyget passar inte årskursen (G/EG bara i åk 3, A–F i åk 6 och 9): rätta årskurs eller provbetyg.",
        ),
        (
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["pupil_key", "school_year", "subject"]),
            "Samma elev har flera provresultat i samma ämne och läsår: låt en rättad fil ersätta den gamla.",
        ),
        *_school_unit_and_year("provexporten"),
    ]


# Enkäter ---------------------------------------------------------------------------------------------


def survey_questions() -> list[tuple[object, str]]:
    gxe = _gx()
    return [
        (
            gxe.ExpectColumnValuesToNotBeNull(column="survey"),
            "Varje fråga ska höra till en enkät: frågekatalogen ska heta <enkät>_fragor.csv.",
        ),
        (
            gxe.ExpectColumnValuesToNotBeNull(column="question_id"),
            "Varje fråga ska ha ett fråge-id. Rätta frågekatalogen i enkater/.",
        ),
        (
            gxe.ExpectColumnValuesToNotBeNull(column="area"),
            "Varje fråga ska höra till ett område (t.ex. trygghet): annars räknas inget index för den.",
        ),
        (
            gxe.ExpectColumnValuesToBeInSet(column="scale_max", value_set=[4, 5]),
            "Svarsskalan ska ha 4 eller 5 alternativ (skala_max). Rätta frågekatalogen.",
        ),
        (
            gxe.ExpectColumnValuesToNotBeNull(column="reversed"),
            "Det ska framgå om frågan är negativt ställd (omvand ja/nej), annars blir indexet fel.",
        ),
        (
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["survey", "question_id"]),
            "Ett fråge-id förekommer två gånger i samma enkät: ta bort dubbletten ur frågekatalogen.",
        ),
    ]


SURVEY_ANSWERS_QUERY = """
select a.*, q.scale_max, q.question_id is not null as question_in_catalogue
from raw.survey_answers as a
left join raw.survey_questions as q using (survey, question_id)
"""


def survey_answers() -> list[tuple[object, str]]:
    gxe = _gx()
    return [
        (
            gxe.ExpectColumnValuesToNotBeNull(column="respondent_id"),
            "Varje svar ska ha ett respondent_id. Be enkätverktyget exportera det.",
        ),
        (
            gxe.ExpectColumnValuesToBeInSet(column="question_in_catalogue", value_set=[True]),
            "Svar på frågor som saknas i frågekatalogen: lägg till frågan i <enkät>_fragor.csv och läs in igen.",
        ),
        (
            gxe.ExpectColumnValuesToBeBetween(column="answer", min_value=1, max_value=5),
            "Svar ska vara 1 till frågans skala_max (4 eller 5). Rätta exportfilen i enkater/.",
        ),
        (
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="scale_max", column_B="answer", or_equal=True, ignore_row_if="either_value_is_missing"
            ),
            "Svaret är större än frågans skala_max: frågekatalogen och svarsfilen hör inte ihop.",
        ),
        (
            gxe.ExpectColumnValuesToBeInSet(column="grade_level", value_set=GRADE_LEVELS),
            "Årskurs ska vara F eller 1–9 (eller tom för vårdnadshavare).",
        ),
        (
            gxe.ExpectColumnValuesToBeInSet(column="gender", value_set=["K", "M", "X"]),
            "Kön ska vara Flicka, Pojke, Annat eller tomt.",
        ),
        (
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["survey", "respondent_id", "question_id"]),
            "Samma svarande har svarat två gånger på samma fråga: rätta exporten.",
        ),
        *_school_unit_and_year("enkätexporten"),
    ]


SURVEY_RESPONDENTS_QUERY = """
select
    survey,
    respondent_id,
    count(distinct school_unit_code) as school_units,
    count(distinct school_year) as school_years,
    count(distinct grade_level) as grade_levels,
    count(distinct gender) as genders
from raw.survey_answers
group by all
"""


def survey_respondents() -> list[tuple[object, str]]:
    gxe = _gx()
    why = "Resultaten räknar svaranden efter den vanligaste uppgiften; be enkätverktyget rätta exporten."
    return [
        (
            gxe.ExpectColumnValuesToBeBetween(column="school_units", max_value=1),
            f"Samma respondent_id finns på flera skolenheter i en enkät. {why}",
        ),
        (
            gxe.ExpectColumnValuesToBeBetween(column="school_years", max_value=1),
            f"Samma respondent_id finns i flera läsår i en enkät. {why}",
        ),
        (
            gxe.ExpectColumnValuesToBeBetween(column="grade_levels", max_value=1),
            f"Samma respondent_id har flera årskurser. {why}",
        ),
        (
            gxe.ExpectColumnValuesToBeBetween(column="genders", max_value=1),
            f"Samma respondent_id har flera kön. {why}",
        ),
    ]


# Frånvaro --------------------------------------------------------------------------------------------

# Counts per school unit and month, computed in DuckDB: the table is too large for GX's pandas route.
ATTENDANCE_QUERY = """
select
    school_unit_code,
    strftime(lesson_date, '%Y-%m') as month,
    count(*) as lessons,
    count(*) filter (where pupil_key is null) as without_pupil_key,
    count(*) filter (where not coalesce(regexp_full_match(school_unit_code, '\\d{8}'), false)) as bad_school_unit,
    count(*) filter (where not coalesce(regexp_full_match(school_year, '\\d{4}/\\d{2}'), false)) as bad_school_year,
    count(*) filter (where coalesce(scheduled_min, 0) <= 0) as without_scheduled_time,
    count(*) filter (where absent_min < 0 or absent_min > scheduled_min) as absence_outside_scheduled_time,
    count(*) filter (where absence_type not in ('giltig', 'ogiltig')) as unknown_absence_type,
    count(*) filter (where absent_min > 0 and absence_type is null) as absence_without_type,
    count(*) - count(distinct (pupil_key, lesson_date, lesson_start)) as duplicate_lessons
from raw.attendance
group by all
"""


def attendance() -> list[tuple[object, str]]:
    gxe = _gx()
    where = "Värdet är antal lektioner per skolenhet och månad; sök raderna i raw.attendance."
    checks = [
        ("without_pupil_key", "Lektioner utan elevnyckel: kontrollera inläsningen av personnummer."),
        ("bad_school_unit", "Skolenhetskoden ska vara Skolverkets åttasiffriga kod."),
        ("bad_school_year", "Läsåret ska skrivas 2023/24."),
        ("without_scheduled_time", "Schemalagd tid ska vara större än 0 minuter: rätta exporten från schemat."),
        (
            "absence_outside_scheduled_time",
            "Frånvaron ska vara mellan 0 och den schemalagda tiden: rätta frånvaroexporten i franvaro/.",
        ),
        ("unknown_absence_type", "Frånvarotyp ska vara giltig eller ogiltig (eller tom vid närvaro)."),
        (
            "absence_without_type",
            "Frånvaro utan frånvarotyp: ange giltig eller ogiltig, annars kan ogiltig frånvaro inte räknas.",
        ),
        (
            "duplicate_lessons",
            "Samma elev har samma lektion (datum och starttid) flera gånger: låt en rättad fil ersätta den gamla.",
        ),
    ]
    return [(gxe.ExpectColumnValuesToBeBetween(column=c, max_value=0), f"{text} {where}") for c, text in checks]


# Referential checks (warnings) -----------------------------------------------------------------------

GRADES_ENROLLED_QUERY = """
select
    g.school_year, g.term, g.school_unit_code, g.grade_level,
    e.pupil_key is not null as enrolled,
    e.grade_level is null or e.grade_level = cast(g.grade_level as varchar) as same_grade_level
from raw.grades as g
left join raw.enrolments as e using (pupil_key, school_year)
"""

NATIONAL_TESTS_ENROLLED_QUERY = """
select
    t.school_year, t.school_unit_code, t.grade_level, t.subject,
    e.pupil_key is not null as enrolled,
    e.grade_level is null or e.grade_level = cast(t.grade_level as varchar) as same_grade_level
from raw.national_tests as t
left join raw.enrolments as e using (pupil_key, school_year)
"""


def _enrolled(what: str, folder: str) -> Callable[[], list[tuple[object, str]]]:
    def build() -> list[tuple[object, str]]:
        gxe = _gx()
        return [
            (
                gxe.ExpectColumnValuesToBeInSet(column="enrolled", value_set=[True]),
                f"{what} för elever utan inskrivning samma läsår: de saknas i elever/ (lägg till exporten) "
                f"eller har fel läsår i {folder}/. De räknas ändå, men kön tas då ur personnumret.",
            ),
            (
                gxe.ExpectColumnValuesToBeInSet(column="same_grade_level", value_set=[True]),
                f"{what} i en annan årskurs än inskrivningen samma läsår: kontrollera årskursen i {folder}/ "
                "eller i elever/.",
            ),
        ]

    return build


@dataclass(frozen=True)
class Suite:
    table: str  # the raw table whose asset the check belongs to
    build: Callable[[], list[tuple[object, str]]]
    blocking: bool  # True where bad rows would corrupt the marts
    description_sv: str
    name: str = ""  # the check's own name when a table has several suites; default the table
    query: str = ""  # own SQL (joins, counts); default every row of raw.<table>
    uses: tuple[str, ...] = ()  # other raw tables the query reads: the check runs after them

    @property
    def check_name(self) -> str:
        return f"gx_{self.name or self.table}"

    @property
    def sql(self) -> str:
        return self.query or f"select * from raw.{self.table}"

    @property
    def tables(self) -> tuple[str, ...]:
        return (self.table, *self.uses)


_SUITES = [
    Suite("grades", grades, True, "Betygen är giltiga innan meritvärden räknas"),
    Suite("enrolments", enrolments, True, "Inskrivningarna är giltiga innan de används"),
    Suite(
        "national_tests",
        national_tests,
        True,
        "Provresultaten är giltiga innan de jämförs med betygen",
        query=NATIONAL_TESTS_QUERY,
    ),
    Suite("survey_questions", survey_questions, True, "Frågekatalogerna är giltiga innan svaren poängsätts"),
    Suite(
        "survey_answers",
        survey_answers,
        True,
        "Enkätsvaren är giltiga och hör ihop med frågekatalogen innan index räknas",
        query=SURVEY_ANSWERS_QUERY,
        uses=("survey_questions",),
    ),
    Suite(
        "survey_answers",
        survey_respondents,
        False,
        "Varje svarande hör till en skolenhet, ett läsår, en årskurs och ett kön (varning)",
        name="survey_respondents",
        query=SURVEY_RESPONDENTS_QUERY,
    ),
    Suite(
        "attendance",
        attendance,
        True,
        "Frånvaroraderna är giltiga innan frånvaroandelar räknas (räknat per skolenhet och månad)",
        query=ATTENDANCE_QUERY,
    ),
    Suite(
        "grades",
        _enrolled("Betyg", "betyg"),
        False,
        "Betyg för elever som saknar inskrivning samma läsår (varning)",
        name="grades_enrolled",
        query=GRADES_ENROLLED_QUERY,
        uses=("enrolments",),
    ),
    Suite(
        "national_tests",
        _enrolled("Provresultat", "nationella_prov"),
        False,
        "Provresultat för elever som saknar inskrivning samma läsår (varning)",
        name="national_tests_enrolled",
        query=NATIONAL_TESTS_ENROLLED_QUERY,
        uses=("enrolments",),
    ),
]
SUITES: dict[str, Suite] = {suite.check_name.removeprefix("gx_"): suite for suite in _SUITES}
