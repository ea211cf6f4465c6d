"""The landing kinds of the contract (see docs/contracts.md): columns, validation rules and typing.

elever/, betyg/, nationella_prov/ and bedomningar/ are read whole by sources/landing/contract.py.
Attendance (franvaro/) is read by streaming through DuckDB and is not a polars kind.
"""

from __future__ import annotations

import polars as pl

from skolanalys.dbt_vars import dbt_vars
from sources.landing.contract import (
    PNR,
    SCHOOL_UNIT_RULE,
    SCHOOL_YEAR_RULE,
    Kind,
    Rule,
    empty_or,
    iso_date_valid,
    one_of,
)
from sources.landing.declared import codes, landing_key, words_to_codes

MIB = 1 << 20
# The largest file each landing folder takes, checked before a file is hashed or read (docs/contracts.md).
# elever/, betyg/, nationella_prov/, bedomningar/ and enkater/ are read whole into memory, so their limit bounds the
# memory of a run; franvaro/ is streamed through DuckDB in bounded memory and takes far larger files.
MAX_BYTES = {
    "elever": 256 * MIB,
    "betyg": 256 * MIB,
    "nationella_prov": 256 * MIB,
    "bedomningar": 256 * MIB,
    "enkater": 64 * MIB,
    "franvaro": 32 * 1024 * MIB,
    "mal": 16 * MIB,  # the board's goals (sources/landing/goals.py): a YAML file or an Excel workbook
}

# The grade scales as dbt/dbt_project.yml declares them (the dbt tests read the same vars).
SCALE = codes("grades")  # A–F: betyg, and provbetyg in åk 6 and 9
DASH = dbt_vars()["grade_dash"]  # '-': streck, no basis for grading
YEAR3_TEST_GRADES = codes("year3_test_grades")  # G / EG
GRADES = [*SCALE, DASH]
GRADE_TYPES = codes("grade_types")  # terminsbetyg, slutbetyg
SUBJECTS = [
    "BI",
    "BL",
    "EN",
    "FY",
    "GE",
    "HI",
    "HKK",
    "IDH",
    "KE",
    "MA",
    "MU",
    "RE",
    "SH",
    "SL",
    "SV",
    "SVA",
    "TK",
    "ML",
    "M1",
    "M2",
]
TEST_SUBJECTS = ["SV", "SVA", "MA", "EN", "BI", "FY", "KE", "GE", "HI", "RE", "SH"]
# The subjects with a national test in each grade (domain.md): åk 3 SV/SVA and MA, åk 6 also EN, åk 9 also one
# science and one social-science subject.
TEST_SUBJECTS_BY_GRADE = {"3": ["SV", "SVA", "MA"], "6": ["SV", "SVA", "MA", "EN"], "9": TEST_SUBJECTS}
GRADE_LEVELS = ["F", "1", "2", "3", "4", "5", "6", "7", "8", "9"]
GENDER_WORDS = words_to_codes("genders")  # kon as written → K / M (dbt_project.yml)


def _upper(column: str) -> pl.Expr:
    return pl.col(column).str.to_uppercase()


SUBJECT_RULE = Rule("amne", one_of("amne", SUBJECTS), "okänd ämneskod (Skolverkets koder, t.ex. MA, SV, M2)")


# elever/ ---------------------------------------------------------------------------------------------


def _enrolments(df: pl.DataFrame) -> pl.DataFrame:
    return df.select(
        "pupil_key",
        pl.col("lasar").alias("school_year"),
        pl.col("skolenhetskod").alias("school_unit_code"),
        _upper("arskurs").alias("grade_level"),
        pl.col("klass").alias("class_name"),
        # An empty kon is derived from the personnummer (domain.md: second-to-last digit).
        pl.coalesce(_upper("kon").replace_strict(GENDER_WORDS, default=None), "pupil_gender").alias("gender"),
        pl.col("modersmal").str.to_lowercase().alias("mother_tongue"),
        pl.col("ankomstdatum_sverige").str.to_date("%Y-%m-%d").alias("arrival_date"),
        pl.col("foraldrars_utbildningsniva").cast(pl.Int8).alias("parent_education"),
        "__line",
    )


ENROLMENTS = Kind(
    folder="elever",
    table="enrolments",
    description="Inskrivningar per elev och läsår (per den 15 oktober)",
    required=(PNR, "lasar", "skolenhetskod", "arskurs"),
    optional=("klass", "kon", "modersmal", "ankomstdatum_sverige", "foraldrars_utbildningsniva"),
    rules=(
        SCHOOL_YEAR_RULE,
        SCHOOL_UNIT_RULE,
        Rule("arskurs", one_of("arskurs", GRADE_LEVELS), "årskurs ska vara F eller 1–9"),
        Rule("kon", empty_or("kon", one_of("kon", list(GENDER_WORDS))), "kön ska vara Flicka/Pojke (K/M)"),
        Rule(
            "ankomstdatum_sverige",
            empty_or("ankomstdatum_sverige", iso_date_valid("ankomstdatum_sverige")),
            "ankomstdatum ska vara ett datum ÅÅÅÅ-MM-DD",
        ),
        Rule(
            "foraldrars_utbildningsniva",
            empty_or("foraldrars_utbildningsniva", one_of("foraldrars_utbildningsniva", ["1", "2", "3"])),
            "föräldrarnas utbildningsnivå ska vara 1, 2 eller 3",
        ),
    ),
    key=landing_key("enrolments"),
    key_sv="elev och läsår",
    transform=_enrolments,
)


# betyg/ ----------------------------------------------------------------------------------------------


def _grades(df: pl.DataFrame) -> pl.DataFrame:
    return df.select(
        "pupil_key",
        "pupil_gender",
        pl.col("lasar").alias("school_year"),
        _upper("termin").alias("term"),
        pl.col("skolenhetskod").alias("school_unit_code"),
        pl.col("arskurs").cast(pl.Int8).alias("grade_level"),
        _upper("amne").alias("subject"),
        _upper("sprak").alias("language"),
        _upper("betyg").alias("grade"),
        pl.col("betygstyp").str.to_lowercase().alias("grade_type"),
        "__line",
    )


GRADE_RECORDS = Kind(
    folder="betyg",
    table="grades",
    description="Betyg per elev, ämne och termin (terminsbetyg och slutbetyg)",
    required=(PNR, "lasar", "termin", "skolenhetskod", "arskurs", "amne", "betyg", "betygstyp"),
    optional=("sprak",),
    rules=(
        SCHOOL_YEAR_RULE,
        Rule("termin", one_of("termin", ["HT", "VT"]), "termin ska vara HT eller VT"),
        SCHOOL_UNIT_RULE,
        Rule("arskurs", one_of("arskurs", ["6", "7", "8", "9"]), "betyg ges i årskurs 6–9"),
        SUBJECT_RULE,
        Rule("betyg", one_of("betyg", GRADES), f"betyg ska vara {SCALE[0]}–{SCALE[-1]} eller {DASH}"),
        Rule(
            "betygstyp",
            one_of("betygstyp", GRADE_TYPES),
            f"betygstyp ska vara {' eller '.join(GRADE_TYPES)}",
        ),
        Rule(
            "betygstyp",
            ~one_of("betygstyp", ["slutbetyg"]) | (one_of("termin", ["VT"]) & (pl.col("arskurs") == "9")),
            "slutbetyg ges bara på vårterminen i årskurs 9",
        ),
        # domain.md: term grades from the autumn of åk 6, final grades in the spring of åk 9. A terminsbetyg
        # there would share the slutbetyg's key and replace it, dropping the subject from åk 9's figures.
        Rule(
            "betygstyp",
            ~one_of("betygstyp", ["terminsbetyg"]) | ~(one_of("termin", ["VT"]) & (pl.col("arskurs") == "9")),
            "på vårterminen i årskurs 9 ges slutbetyg, inte terminsbetyg",
        ),
    ),
    key=landing_key("grades"),
    key_sv="elev, läsår, termin, ämne och språk",
    transform=_grades,
)


# nationella_prov/ -------------------------------------------------------------------------------------


def _national_tests(df: pl.DataFrame) -> pl.DataFrame:
    return df.select(
        "pupil_key",
        "pupil_gender",
        pl.col("lasar").alias("school_year"),
        pl.col("skolenhetskod").alias("school_unit_code"),
        pl.col("arskurs").cast(pl.Int8).alias("grade_level"),
        _upper("amne").alias("subject"),
        _upper("provbetyg").alias("test_grade"),
        "__line",
    )


_TEST_SUBJECT_IN_GRADE = pl.any_horizontal(
    [(pl.col("arskurs") == grade) & one_of("amne", subjects) for grade, subjects in TEST_SUBJECTS_BY_GRADE.items()]
)

_TEST_GRADE_VALID = ((pl.col("arskurs") == "3") & one_of("provbetyg", YEAR3_TEST_GRADES)) | (
    pl.col("arskurs").is_in(["6", "9"]) & one_of("provbetyg", SCALE)
)

NATIONAL_TESTS = Kind(
    folder="nationella_prov",
    table="national_tests",
    description="Resultat på nationella prov per elev och ämne",
    required=(PNR, "lasar", "skolenhetskod", "arskurs", "amne", "provbetyg"),
    optional=(),
    rules=(
        SCHOOL_YEAR_RULE,
        SCHOOL_UNIT_RULE,
        Rule("arskurs", one_of("arskurs", ["3", "6", "9"]), "nationella prov ges i årskurs 3, 6 och 9"),
        Rule("amne", one_of("amne", TEST_SUBJECTS), "ämnet har inget nationellt prov"),
        Rule(
            "amne",
            ~one_of("amne", TEST_SUBJECTS) | ~one_of("arskurs", list(TEST_SUBJECTS_BY_GRADE)) | _TEST_SUBJECT_IN_GRADE,
            "ämnet har inget nationellt prov i den årskursen (åk 3: "
            + ", ".join(TEST_SUBJECTS_BY_GRADE["3"])
            + "; åk 6: "
            + ", ".join(TEST_SUBJECTS_BY_GRADE["6"])
            + ")",
        ),
        Rule(
            "provbetyg",
            _TEST_GRADE_VALID,
            f"provbetyg ska vara {SCALE[0]}–{SCALE[-1]} (åk 6, 9) eller {'/'.join(YEAR3_TEST_GRADES)} (åk 3)",
        ),
    ),
    key=landing_key("national_tests"),
    key_sv="elev, läsår och ämne",
    transform=_national_tests,
)


# bedomningar/ -----------------------------------------------------------------------------------------

# Teacher assessments (Unikum's kunskapsöversikter and similar): in October and in March, per subject.
# The occasion may be written as the month, its abbreviation or the term it falls in.
OCCASION_WORDS = words_to_codes("assessment_occasions")  # as written → oktober / mars (dbt_project.yml)
# The three levels, stored as 1–3; a file may write the digit or the words.
ASSESSMENT_LEVELS = {int(level): text for level, text in dbt_vars()["assessment_levels"].items()}
ASSESSMENT_GRADE_LEVELS = [g for g in GRADE_LEVELS if g != "F"]  # from åk 1


def _folded(expr: pl.Expr) -> pl.Expr:
    """An assessment as written, folded: 'Mer än godtagbara  kunskaper' → 'MER AN GODTAGBARA' (case,
    spaces, ä/a and the trailing word 'kunskaper' do not matter)."""
    text = expr.str.to_uppercase().str.replace_all(r"\s+", " ").str.strip_chars().str.replace_all("Ä", "A")
    return text.str.replace(r"\s*KUNSKAPER$", "")


def _assessment_lookup() -> dict[str, int]:
    words = pl.Series(list(ASSESSMENT_LEVELS.values())).to_frame("w").select(_folded(pl.col("w"))).to_series()
    return {**{str(level): level for level in ASSESSMENT_LEVELS}, **dict(zip(words, ASSESSMENT_LEVELS, strict=True))}


ASSESSMENT_LOOKUP = _assessment_lookup()  # folded text → level


def _teacher_assessments(df: pl.DataFrame) -> pl.DataFrame:
    return df.select(
        "pupil_key",
        "pupil_gender",
        pl.col("lasar").alias("school_year"),
        _upper("tillfalle").replace_strict(OCCASION_WORDS, default=None, return_dtype=pl.Utf8).alias("occasion"),
        pl.col("skolenhetskod").alias("school_unit_code"),
        pl.col("arskurs").cast(pl.Int8).alias("grade_level"),
        _upper("amne").alias("subject"),
        _folded(pl.col("bedomning"))
        .replace_strict(ASSESSMENT_LOOKUP, default=None, return_dtype=pl.Int8)
        .alias("assessment"),
        "__line",
    )


TEACHER_ASSESSMENTS = Kind(
    folder="bedomningar",
    table="teacher_assessments",
    description="Lärarnas bedömningar av elevernas kunskaper per ämne, i oktober och mars (utveckling mot målen)",
    required=(PNR, "lasar", "tillfalle", "skolenhetskod", "arskurs", "amne", "bedomning"),
    optional=(),
    rules=(
        SCHOOL_YEAR_RULE,
        Rule(
            "tillfalle",
            one_of("tillfalle", list(OCCASION_WORDS)),
            f"tillfälle ska vara {' eller '.join(codes('assessment_occasions'))}",
        ),
        SCHOOL_UNIT_RULE,
        Rule("arskurs", one_of("arskurs", ASSESSMENT_GRADE_LEVELS), "bedömningar görs i årskurs 1–9"),
        SUBJECT_RULE,
        Rule(
            "bedomning",
            _folded(pl.col("bedomning")).is_in(list(ASSESSMENT_LOOKUP)),
            "bedömning ska vara 1, 2, 3 eller inte godtagbara / godtagbara / mer än godtagbara kunskaper",
        ),
    ),
    key=landing_key("teacher_assessments"),
    key_sv="elev, läsår, tillfälle och ämne",
    transform=_teacher_assessments,
)

POLARS_KINDS: list[Kind] = [ENROLMENTS, GRADE_RECORDS, NATIONAL_TESTS, TEACHER_ASSESSMENTS]
