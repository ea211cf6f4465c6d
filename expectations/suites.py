"""The suites: one function per raw table returning (expectation, Swedish explanation) pairs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sources.landing.kinds import GRADES, SUBJECTS


def _gx():
    import great_expectations.expectations as gxe

    return gxe


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
        (
            gxe.ExpectColumnValuesToMatchRegex(column="school_unit_code", regex=r"^\d{8}$"),
            "Skolenhetskoden ska vara Skolverkets åttasiffriga kod.",
        ),
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
            gxe.ExpectColumnValuesToBeInSet(column="grade_level", value_set=["F", *map(str, range(1, 10))]),
            "Årskurs ska vara F eller 1–9.",
        ),
        (
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["pupil_key", "school_year"]),
            "En elev ska ha en inskrivning per läsår (per den 15 oktober).",
        ),
    ]


@dataclass(frozen=True)
class Suite:
    table: str
    build: Callable[[], list[tuple[object, str]]]
    blocking: bool  # True where bad rows would corrupt the marts
    description_sv: str


SUITES: dict[str, Suite] = {
    "grades": Suite("grades", grades, True, "Betygen är giltiga innan meritvärden räknas"),
    "enrolments": Suite("enrolments", enrolments, True, "Inskrivningarna är giltiga innan de används"),
}
