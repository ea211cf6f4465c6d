"""The suites: what each check validates, with a Swedish note on what to do. Run as Dagster asset checks.

No value set, key or pattern is typed here: the rules come from the readers' declarations (the `Kind`s of
sources/landing/kinds.py and sources/landing/surveys.py, the door SQL and KEY of
sources/landing/attendance/). This module adds only how loaded columns read back as the contract's text
(`*_TEXT`), the notes, and the checks no reader makes (referential warnings, respondent consistency).

Landing kinds loaded file by file (elever/, betyg/, nationella_prov/, bedomningar/, franvaro/) are validated
on the rows of files new to the check (expectations/runner.py), plus whole-table invariants that cost one pass
over one column (rows per file against the ledger). enkater/ is read whole when anything in it changes and is small:
its suites validate the whole tables.

Blocking suites guard tables whose bad rows would corrupt the marts; the rest warn (severity WARN). The
check names keep their `gx_` prefix (Great Expectations ran them once; other code and the run output refer
to them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import polars as pl

from expectations.gx_part import GxSuite
from expectations.rules import (
    AttendanceDoor,
    AttendanceUniqueKey,
    LedgerBalance,
    NotNull,
    Part,
    ReaderRules,
    SqlCount,
    UniqueKey,
    _fingerprint,
)
from expectations.runner import MAX_EXAMPLES, Finding, Scope, in_files
from sources.landing import attendance as franvaro
from sources.landing import kinds, surveys
from sources.landing.contract import Kind


def _gender_text(column: str, words: dict[str, str]) -> str:
    """The loaded gender code back as a word the reader accepts (an unknown code stays, and fails)."""
    back = {code: word for word, code in words.items()}
    whens = " ".join(f"when '{code}' then '{word}'" for code, word in sorted(back.items()))
    return f"case {column} {whens} else {column} end"


# How the loaded columns read as the contract's text columns (personnummer is the pupil_key's business).
GRADES_TEXT = {
    "lasar": "school_year",
    "termin": "term",
    "skolenhetskod": "school_unit_code",
    "arskurs": "grade_level",
    "amne": "subject",
    "betyg": "grade",
    "betygstyp": "grade_type",
    "sprak": "language",
}
ENROLMENTS_TEXT = {
    "lasar": "school_year",
    "skolenhetskod": "school_unit_code",
    "arskurs": "grade_level",
    "klass": "class_name",
    "kon": _gender_text("gender", kinds.GENDER_WORDS),
    "modersmal": "mother_tongue",
    "ankomstdatum_sverige": "strftime(arrival_date, '%Y-%m-%d')",
    "foraldrars_utbildningsniva": "parent_education",
}
NATIONAL_TESTS_TEXT = {
    "lasar": "school_year",
    "skolenhetskod": "school_unit_code",
    "arskurs": "grade_level",
    "amne": "subject",
    "provbetyg": "test_grade",
}
TEACHER_ASSESSMENTS_TEXT = {
    "lasar": "school_year",
    "tillfalle": "occasion",
    "skolenhetskod": "school_unit_code",
    "arskurs": "grade_level",
    "amne": "subject",
    "bedomning": "assessment",
}
QUESTIONS_TEXT = {
    "fraga_id": "question_id",
    "fraga": "question_text",
    "omrade": "area",
    "skala_max": "scale_max",
    "omvand": "case when reversed then 'ja' when not reversed then 'nej' end",
}
ANSWERS_TEXT = {
    "enkat": "survey",
    "lasar": "school_year",
    "skolenhetskod": "school_unit_code",
    "arskurs": "grade_level",
    "kon": _gender_text("gender", surveys.GENDER_WORDS),
    "respondent_id": "respondent_id",
    "fraga_id": "question_id",
    "svar": "answer",
}
KIND_TEXT = {
    kinds.GRADE_RECORDS.table: GRADES_TEXT,
    kinds.ENROLMENTS.table: ENROLMENTS_TEXT,
    kinds.NATIONAL_TESTS.table: NATIONAL_TESTS_TEXT,
    kinds.TEACHER_ASSESSMENTS.table: TEACHER_ASSESSMENTS_TEXT,
    surveys.QUESTIONS.table: QUESTIONS_TEXT,
    surveys.ANSWERS.table: ANSWERS_TEXT,
}


def _unit_and_year(what: str) -> dict[str, str]:
    return {
        "skolenhetskod": f"Skolenhetskoden ska vara Skolverkets åttasiffriga kod. Rätta {what} och lägg in filen igen.",
        "lasar": f"Läsåret ska skrivas 2023/24. Rätta {what}.",
    }


GRADE_NOTES = {
    "betyg": "Betyg ska vara A–F eller streck. Rätta exportfilen och lägg den i betyg/ igen.",
    "termin": "Rätta terminen i exportfilen i betyg/.",
    "arskurs": "Rader för andra årskurser hör inte hemma i betyg/: rätta årskursen i exporten.",
    "amne": "Ämneskoden ska vara en av Skolverkets koder: rätta exporten i betyg/.",
    "betygstyp": "Rätta betygstypen (terminsbetyg eller slutbetyg) i exporten i betyg/.",
    **_unit_and_year("betygsexporten"),
}
ENROLMENT_NOTES = {
    "kon": "Kön ska vara Flicka/Pojke eller härledas ur personnumret.",
    "arskurs": "Rätta årskursen i exporten i elever/.",
    **_unit_and_year("elevexporten"),
}
NATIONAL_TEST_NOTES = {
    "arskurs": "Rätta årskursen i exportfilen i nationella_prov/.",
    "amne": "Kontrollera ämneskoden i exportfilen i nationella_prov/.",
    "provbetyg": "Provbetyget passar inte årskursen (G/EG bara i åk 3, A–F i åk 6 och 9): rätta årskurs eller "
    "provbetyg i exportfilen.",
    **_unit_and_year("provexporten"),
}
TEACHER_ASSESSMENT_NOTES = {
    "tillfalle": "Tillfället ska vara oktober eller mars: rätta exporten i bedomningar/.",
    "arskurs": "Bedömningar görs i årskurs 1–9: rätta årskursen i exporten i bedomningar/.",
    "amne": "Ämneskoden ska vara en av Skolverkets koder: rätta exporten i bedomningar/.",
    "bedomning": "Bedömningen ska vara 1–3 eller orden inte godtagbara / godtagbara / mer än godtagbara "
    "kunskaper: rätta exporten i bedomningar/.",
    **_unit_and_year("bedömningsexporten"),
}
PNR_NOTE = "Ta bort personnumret ur exporten och lägg in filen igen; kontrollera vad som skrev det i tabellen."


def _static(kind: Kind) -> Callable[[duckdb.DuckDBPyConnection | None], tuple]:
    return lambda conn: kind.rules


def _kind_parts(kind: Kind, notes: dict[str, str], key_note: str) -> tuple[Part, ...]:
    """A file-by-file landing kind: its rules and key on the new rows, its ledger balance on the table."""
    folder_note = f"Rätta exportfilen i {kind.folder}/ och lägg in den igen (en rättad fil ersätter raderna)."
    parts: list[Part] = [
        ReaderRules(
            kind.table,
            kind.folder,
            KIND_TEXT[kind.table],
            _static(kind),
            notes=notes,
            note=folder_note,
            pnr_note=PNR_NOTE,
        ),
        UniqueKey(kind.table, kind.folder, kind.key, key_note),
        LedgerBalance(kind.table, kind.folder, kind.folder),
    ]
    if kind.has_personnummer:
        parts.insert(
            1,
            NotNull(
                kind.table,
                kind.folder,
                ("pupil_key",),
                "Varje rad ska ha en elevnyckel. Kontrollera inläsningen av personnummer.",
            ),
        )
    return tuple(parts)


def grades() -> tuple[Part, ...]:
    return _kind_parts(
        kinds.GRADE_RECORDS,
        GRADE_NOTES,
        "Samma elev har flera betyg i samma ämne och termin: rättad fil bör ersätta den gamla.",
    )


def enrolments() -> tuple[Part, ...]:
    parts = _kind_parts(
        kinds.ENROLMENTS, ENROLMENT_NOTES, "En elev ska ha en inskrivning per läsår (per den 15 oktober)."
    )
    gender = NotNull(
        "enrolments", kinds.ENROLMENTS.folder, ("gender",), "Kön ska vara Flicka/Pojke eller härledas ur personnumret."
    )
    return (*parts, gender)


def national_tests() -> tuple[Part, ...]:
    return _kind_parts(
        kinds.NATIONAL_TESTS,
        NATIONAL_TEST_NOTES,
        "Samma elev har flera provresultat i samma ämne och läsår: låt en rättad fil ersätta den gamla.",
    )


def teacher_assessments() -> tuple[Part, ...]:
    return _kind_parts(
        kinds.TEACHER_ASSESSMENTS,
        TEACHER_ASSESSMENT_NOTES,
        "Samma elev har flera bedömningar i samma ämne vid samma tillfälle: låt en rättad fil ersätta den gamla.",
    )


# Enkäter (whole tables: re-read whole every run, small) ------------------------------------------------


def _catalogue(conn: duckdb.DuckDBPyConnection | None) -> pl.DataFrame:
    """The loaded question catalogue, which the answer rules are built from (as at the door)."""
    if conn is None:
        return surveys.empty_questions().select("survey", "question_id", "scale_max")
    frame = conn.sql("select survey, question_id, scale_max from raw.survey_questions").pl()
    return frame.with_columns(pl.col("scale_max").cast(pl.Int8))


def survey_questions() -> tuple[Part, ...]:
    table, folder = surveys.QUESTIONS.table, surveys.FOLDER
    return (
        ReaderRules(
            table,
            folder,
            QUESTIONS_TEXT,
            _static(surveys.QUESTIONS),
            notes={"skala_max": "Rätta frågekatalogen.", "omrade": "Annars räknas inget index för frågan."},
            note="Rätta frågekatalogen (<enkät>_fragor.csv) i enkater/.",
            pnr_note=PNR_NOTE,
        ),
        # The catalogues are small: Great Expectations validates them whole, on a pandas frame.
        GxSuite(
            "survey_questions",
            f"select * from raw.{table}",
            _question_expectations,
            declarations=(surveys.SCALES, surveys.QUESTIONS.key),
        ),
    )


def _question_expectations() -> list[tuple[object, str]]:
    import great_expectations.expectations as gxe

    return [
        (
            gxe.ExpectColumnValuesToNotBeNull(column="survey"),
            "Varje fråga ska höra till en enkät: frågekatalogen ska heta <enkät>_fragor.csv.",
        ),
        (gxe.ExpectColumnValuesToNotBeNull(column="question_id"), "Varje fråga ska ha ett fråge-id."),
        (
            gxe.ExpectColumnValuesToNotBeNull(column="area"),
            "Varje fråga ska höra till ett område (t.ex. trygghet): annars räknas inget index för den.",
        ),
        (
            gxe.ExpectColumnValuesToBeInSet(column="scale_max", value_set=list(surveys.SCALES)),
            "Svarsskalan ska ha 4 eller 5 alternativ (skala_max). Rätta frågekatalogen.",
        ),
        (
            gxe.ExpectColumnValuesToNotBeNull(column="reversed"),
            "Det ska framgå om frågan är negativt ställd (omvand ja/nej), annars blir indexet fel.",
        ),
        (
            gxe.ExpectCompoundColumnsToBeUnique(column_list=list(surveys.QUESTIONS.key)),
            "Ett fråge-id förekommer två gånger i samma enkät: ta bort dubbletten ur frågekatalogen.",
        ),
    ]


def survey_answers() -> tuple[Part, ...]:
    table, folder = surveys.ANSWERS.table, surveys.FOLDER
    return (
        ReaderRules(
            table,
            folder,
            ANSWERS_TEXT,
            lambda conn: surveys.answers_kind(_catalogue(conn)).rules,
            notes={
                "respondent_id": "Be enkätverktyget exportera ett respondent_id för varje svar.",
                "fraga_id": "Lägg till frågan i <enkät>_fragor.csv och läs in igen.",
                "svar": "Frågekatalogen och svarsfilen hör inte ihop, eller svaret är fel: rätta exporten i enkater/.",
            },
            note="Rätta enkätexporten i enkater/.",
            pnr_note=PNR_NOTE,
        ),
        UniqueKey(
            table,
            folder,
            surveys.ANSWERS.key,
            "Samma svarande har svarat två gånger på samma fråga: rätta exporten.",
            within=None,
        ),
    )


def survey_respondents() -> tuple[Part, ...]:
    why = "Resultaten räknar svaranden efter den vanligaste uppgiften; be enkätverktyget rätta exporten."
    per_respondent = """
        select count(*), min(survey, {examples}) from (
            select survey, respondent_id from {{rows}}
            group by all having count(distinct {column}) > 1
        )
    """
    checks = [
        ("school_unit_code", f"Samma respondent_id finns på flera skolenheter i en enkät. {why}"),
        ("school_year", f"Samma respondent_id finns i flera läsår i en enkät. {why}"),
        ("grade_level", f"Samma respondent_id har flera årskurser. {why}"),
        ("gender", f"Samma respondent_id har flera kön. {why}"),
    ]
    return tuple(
        SqlCount(
            "en uppgift per svarande",
            column,
            lambda scope: scope.rows(surveys.ANSWERS.table, surveys.FOLDER),
            per_respondent.format(examples=MAX_EXAMPLES, column=column),
            text,
        )
        for column, text in checks
    )


# Frånvaro ------------------------------------------------------------------------------------------------

ATTENDANCE_NOTES = {
    "skolenhetskod": "Skolenhetskoden ska vara Skolverkets åttasiffriga kod.",
    "datum": "Datum ska vara ett giltigt datum.",
    "lektion_start": "Lektionsstarten ska vara en tid.",
    "schemalagd_tid_min": "Schemalagd tid ska vara större än 0 minuter: rätta exporten från schemat.",
    "franvaro_min": "Frånvaron ska vara mellan 0 och den schemalagda tiden: rätta frånvaroexporten i franvaro/.",
    "franvarotyp": "Frånvarotyp ska vara giltig eller ogiltig (eller tom vid närvaro), annars kan ogiltig "
    "frånvaro inte räknas.",
    "rapporterad": "Rapporterad ska vara ja eller nej.",
    "amne": PNR_NOTE,
}


def attendance() -> tuple[Part, ...]:
    return (
        AttendanceDoor(ATTENDANCE_NOTES, "Rätta frånvaroexporten i franvaro/."),
        NotNull(
            "attendance",
            franvaro.FOLDER,
            franvaro.KEY,
            "Lektioner utan elevnyckel, datum eller starttid: kontrollera inläsningen av franvaro/.",
        ),
        AttendanceUniqueKey(
            "Samma elev har samma lektion (datum och starttid) flera gånger: låt en rättad fil ersätta den gamla."
        ),
        LedgerBalance("attendance", franvaro.FOLDER, franvaro.FOLDER),
    )


# Referential checks (warnings) ---------------------------------------------------------------------------


def _enrolled(kind: Kind, what: str) -> Callable[[], tuple[Part, ...]]:
    """Rows of the kind's table whose pupil has no enrolment that school year, or one in another grade.

    In scope: rows of new files of the kind, and rows of pupils and years that new enrolment files touch.
    """
    table = kind.table
    elever = kinds.ENROLMENTS.folder

    def rows(scope: Scope) -> str:
        if scope.whole:
            return f"raw.{table}"
        enrolled = (
            f"exists (select 1 from raw.enrolments e where {in_files('e.source_file_hash', scope.hashes(elever))} "
            "and e.pupil_key = g.pupil_key and e.school_year = g.school_year)"
        )
        return (
            f"(select g.* from raw.{table} g "
            f"where {in_files('g.source_file_hash', scope.hashes(kind.folder))} or {enrolled})"
        )

    joined = """
        select count(*), min(g.school_unit_code || ' ' || g.school_year, {n})
        from {{rows}} g left join raw.enrolments e using (pupil_key, school_year)
        where {where}
    """

    def build() -> tuple[Part, ...]:
        return (
            SqlCount(
                "inskriven samma läsår",
                "pupil_key, school_year",
                rows,
                joined.format(n=MAX_EXAMPLES, where="e.pupil_key is null"),
                f"{what} för elever utan inskrivning samma läsår: de saknas i elever/ (lägg till exporten) "
                f"eller har fel läsår i {kind.folder}/. De räknas ändå, men kön tas då ur personnumret.",
            ),
            SqlCount(
                "samma årskurs som inskrivningen",
                "grade_level",
                rows,
                joined.format(
                    n=MAX_EXAMPLES,
                    where="e.grade_level is not null and e.grade_level <> cast(g.grade_level as varchar)",
                ),
                f"{what} i en annan årskurs än inskrivningen samma läsår: kontrollera årskursen i {kind.folder}/ "
                "eller i elever/.",
            ),
        )

    return build


@dataclass(frozen=True)
class Suite:
    table: str  # the raw table whose asset the check belongs to
    build: Callable[[], tuple[Part, ...]]
    blocking: bool  # True where bad rows would corrupt the marts
    description_sv: str
    name: str = ""  # the check's own name when a table has several suites; default the table
    uses: tuple[str, ...] = ()  # other raw tables it reads: the check runs after them
    kinds: tuple[str, ...] = ()  # ledger kinds whose new files it validates; () = the whole table every run

    @property
    def check_name(self) -> str:
        return f"gx_{self.name or self.table}"

    @property
    def tables(self) -> tuple[str, ...]:
        return (self.table, *self.uses)

    def version(self) -> str:
        """Changes with any rule: every file is then validated again."""
        return _fingerprint(*(part.version() for part in self.build()))

    def evaluate(self, conn: duckdb.DuckDBPyConnection, scope: Scope) -> tuple[list[Finding], int]:
        findings: list[Finding] = []
        rows = 0
        for part in self.build():
            found, n = part.evaluate(conn, scope)
            findings += found
            rows = max(rows, n)
        return findings, rows


def _enrolled_suite(kind: Kind, what: str) -> Suite:
    """The warning check `<table>_enrolled` of a pupil-level kind: its rows against the enrolments
    (_enrolled), run after the enrolments and on new files of either."""
    return Suite(
        kind.table,
        _enrolled(kind, what),
        False,
        f"{what} för elever som saknar inskrivning samma läsår (varning)",
        name=f"{kind.table}_enrolled",
        uses=(kinds.ENROLMENTS.table,),
        kinds=(kind.folder, kinds.ENROLMENTS.folder),
    )


_SUITES = [
    Suite("grades", grades, True, "Betygen är giltiga innan meritvärden räknas", kinds=("betyg",)),
    Suite("enrolments", enrolments, True, "Inskrivningarna är giltiga innan de används", kinds=("elever",)),
    Suite(
        "national_tests",
        national_tests,
        True,
        "Provresultaten är giltiga innan de jämförs med betygen",
        kinds=("nationella_prov",),
    ),
    Suite(
        "teacher_assessments",
        teacher_assessments,
        True,
        "Lärarnas bedömningar är giltiga innan de används som utgångsläge",
        kinds=(kinds.TEACHER_ASSESSMENTS.folder,),
    ),
    Suite("survey_questions", survey_questions, True, "Frågekatalogerna är giltiga innan svaren poängsätts"),
    Suite(
        "survey_answers",
        survey_answers,
        True,
        "Enkätsvaren är giltiga och hör ihop med frågekatalogen innan index räknas",
        uses=("survey_questions",),
    ),
    Suite(
        "survey_answers",
        survey_respondents,
        False,
        "Varje svarande hör till en skolenhet, ett läsår, en årskurs och ett kön (varning)",
        name="survey_respondents",
    ),
    Suite(
        "attendance",
        attendance,
        True,
        "Frånvaroraderna är giltiga innan frånvaroandelar räknas (de nya filernas rader)",
        kinds=(franvaro.FOLDER,),
    ),
    _enrolled_suite(kinds.GRADE_RECORDS, "Betyg"),
    _enrolled_suite(kinds.NATIONAL_TESTS, "Provresultat"),
    _enrolled_suite(kinds.TEACHER_ASSESSMENTS, "Bedömningar"),
]
SUITES: dict[str, Suite] = {suite.check_name.removeprefix("gx_"): suite for suite in _SUITES}


def prepare_checks(table: str) -> None:
    """New rows are being loaded into raw.<table>: the suites that validate them get ready ahead of their checks
    (GX's import, expectations/gx_part.py), while the run's other steps work."""
    for suite in SUITES.values():
        if suite.table == table:
            for part in suite.build():
                part.prepare()
