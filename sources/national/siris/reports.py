"""The SIRIS reports the reader knows: every declaration of a title, a header and the measure it is, in one place.

A report is recognised by its title (the line `Grundskola - <rapport>` above the table), never by the file
name. Titles and headers are compared after `normalise_header`, which folds the spelling drift between
years and between the CSV and Excel exports (case, `(%)`, `åk`/`årskurs`, `Skol-enhetskod`,
`kunskapskraven`/`betygskriterierna`, `uppnått`/`uppfyllt`, `(17 ämnen)`/`(17)`, footnote marks, en
dashes, …) onto one form. A column's label is the lowest non-gender text of its header rows (a two-row
header names the measure above `Totalt`/`Flickor`/`Pojkar`, or the gender above the measure); its gender is
the gender word among them.

The levels follow from the identity columns: `Skol-enhetskod` → skolenhet, `Kommun-kod` → kommun, a
`Riket` column or the riksnivå table's rows → riket. A new spelling of a known column is added to the
report's `measures` here; a new report is a new `Report`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field


def normalise_header(text: str) -> str:
    """Fold the spelling drift of SIRIS headers and titles onto one comparable form."""
    s = unicodedata.normalize("NFC", text).replace("\u2013", "-").replace("\u2014", "-").replace("\xa0", " ")
    s = s.strip().lower().replace("(%)", " ")
    s = re.sub(r"(?<=[a-zåäö])\d\b", "", s)  # footnote marks: 'med slutbetyg1', 'beräknat på 17 ämnen3'
    s = re.sub(r"(?<=[a-zåäö])-(?=[a-zåäö])", "", s)  # Skol-enhetskod, Kommun-kod, Läns-kod
    s = re.sub(r"\s+", " ", s)
    s = re.sub(r"\båk\b", "årskurs", s)
    s = s.replace("utb.", "utbildning").replace("yrkesprog.", "yrkesprogram")
    s = s.replace("kunskapskraven", "betygskriterierna")  # Lgr22 wording from 2022/23
    s = s.replace("uppfyllt", "uppnått")  # 'som uppfyllt betygskriterierna' (2024/25)
    s = re.sub(r"\((\d+) ämnen\)", r"(\1)", s)  # 'Genomsnittligt meritvärde (17 ämnen)'
    s = re.sub(r"\bandel elever\b", "andel", s)  # 'Andel (%) elever som …', 'Andel elever (%) behöriga …'
    return re.sub(r"[\s,]+", " ", s).strip(" .")


# Header words that give a column's gender, and the values of a `Kön` column: the project's codes.
GENDERS = {"totalt": "T", "samtliga": "T", "flickor": "K", "pojkar": "M", "flicka": "K", "pojke": "M"}

# Identity columns (normalised header → field). Every report may have any of them; the level is decided by
# which key is present (LEVEL_KEYS).
IDENTITY = {
    "skola": "school_unit_name",
    "skolenhetskod": "school_unit_code",
    "skolkommun": "municipality_name",
    "kommun": "municipality_name",
    "kommunkod": "municipality_code",
    "län": "county_name",
    "länskod": "county_code",
    "typ av huvudman": "organiser_type",
    "huvudman": "organiser_name",
    "huvudman orgnr": "organiser_org_no",
    "kön": "gender",
    "ämne": "subject",
    "riket": "riket",
    "uppgift": "row_measure",  # över tid: the measure is named in the row, the years are the columns
    "läsår huvudman bakgrund": "row_label",  # riksnivå tables: year, huvudman or background in the row
}
# The header row is the first whose first cell is one of these (normalised).
ANCHORS = ("skola", "kommun", "riket", "läsår huvudman bakgrund")
# Required identity per level: a line without a valid key is quarantined whole.
LEVEL_KEYS = {
    "skolenhet": ("school_unit_code", "school_unit_name", "municipality_code", "municipality_name"),
    "kommun": ("municipality_code", "municipality_name"),
    "riket": (),
}


@dataclass(frozen=True)
class Report:
    """One SIRIS report: its titles and what each of its columns measures.

    measures: column label → measure. row_measures: for reports with the years in the columns and the
    measure in an `Uppgift` column, that cell → measure. subject_columns: a column whose cells name the
    subject (ämnesbetyg) → the measure its year columns give. row_organisers / organiser_parts: the
    riksnivå table's row labels that name a huvudman, and the sub-groups listed under one (other labels are
    background groups of all pupils). subject_in_preamble: a sheet per subject, named above the table.
    """

    key: str
    titles: tuple[str, ...]
    measures: dict[str, str] = field(default_factory=dict)
    row_measures: dict[str, str] = field(default_factory=dict)
    subject_columns: dict[str, str] = field(default_factory=dict)
    row_organisers: dict[str, str] = field(default_factory=dict)
    organiser_parts: tuple[str, ...] = ()
    subject_in_preamble: bool = False

    def matches(self, name: str) -> bool:
        """Whether a normalised title (after 'Grundskola - ') is this report's: a title, or a title followed by
        a qualifier (', fr.o.m. 2011', ' - Engelska, Matematik och …')."""
        return any(name == t or name.startswith(t + " ") for t in self.titles)


def _norm(labels: dict[str, str]) -> dict[str, str]:
    return {normalise_header(k): v for k, v in labels.items()}


def _report(key: str, titles: tuple[str, ...], **kwargs) -> Report:
    for name in ("measures", "row_measures", "subject_columns", "row_organisers"):
        if name in kwargs:
            kwargs[name] = _norm(kwargs[name])
    if "organiser_parts" in kwargs:
        kwargs["organiser_parts"] = tuple(normalise_header(p) for p in kwargs["organiser_parts"])
    return Report(key, tuple(normalise_header(t) for t in titles), **kwargs)


_MERIT = {
    "Genomsnittligt meritvärde (16)": "average_merit_value_16",
    "Genomsnittligt meritvärde (17)": "average_merit_value_17",
}
_ELIGIBLE_VOCATIONAL = {
    "Andel (%) behörig yrkesprog.": "share_eligible_vocational_pct",
    "Andel (%) elever behöriga till yrkesprog.": "share_eligible_vocational_pct",
    "Andel (%) behöriga till yrkesprogram": "share_eligible_vocational_pct",
}
_ALL_SUBJECTS = {
    "Andel som uppnått kunskapskraven i alla ämnen": "share_all_subjects_passed_pct",
    "Andel (%) elever som fått godkänt betyg i alla ämnen": "share_all_subjects_passed_pct",
}
_NATIONAL_TESTS = {
    "Andel (%) elever som deltagit": "share_participated_pct",
    "Antal elever med provbetyg A-F": "pupils_with_test_grade",
    "Andel (%) med provbetyg A-E": "share_test_grade_a_e_pct",
    "Genomsnittlig betygspoäng": "average_test_grade_points",
}

REPORTS: tuple[Report, ...] = (
    # Skolenhet (the project's first SIRIS report) and kommun, one file per school year.
    _report(
        "antal_elever_per_arskurs",
        ("Antal elever per årskurs",),
        measures={
            "Elever, förskoleklass": "pupils_preschool_class",
            "Andel (%) flickor, förskoleklass": "share_girls_preschool_class_pct",
            "Elever, årskurs 1-9": "pupils_grade_1_9",
            "Andel (%) flickor, årskurs 1-9": "share_girls_grade_1_9_pct",
            "Andel (%) elever med utländsk bakgrund, åk 1-9": "share_foreign_background_grade_1_9_pct",
            "Andel (%) elever med föräldrar med eftergymnasial utb., åk 1-9": (
                "share_parents_post_secondary_grade_1_9_pct"
            ),
            **{f"Elever, årskurs {g}": f"pupils_grade_{g}" for g in range(1, 10)},
        },
    ),
    # SIRIS dataset 139; (16) and (17) are different merit values (16 subjects, max 320, up to 2013/14; 17 with
    # the modern language, max 340), so they stay separate measures.
    _report(
        "slutbetyg_arskurs_9",
        ("Slutbetyg årskurs 9, samtliga elever",),
        measures={
            "Antal elever": "pupils_with_final_grades",
            **_ALL_SUBJECTS,
            **_ELIGIBLE_VOCATIONAL,
            **_MERIT,
        },
    ),
    # Betyg åk 6 (the VT term grades of åk 6), per kommun × huvudman; 'per kön' has Flickor/Pojkar above.
    _report(
        "betyg_arskurs_6",
        (
            "Betyg årskurs 6, andel som fått godkänt betyg (A-E), samtliga elever",
            "Betyg årskurs 6, andel som fått godkänt betyg (A-E), per kön",
        ),
        measures={
            "Antal elever": "pupils_with_grades",
            "Antal ämnesbetyg (genomsnitt)": "average_subject_grades",
            **_ALL_SUBJECTS,
            "Andel (%) elever som ej fått godkänt betyg i ett ämne": "share_failed_one_subject_pct",
            "Andel (%) elever som ej fått godkänt betyg i fler, alternativt alla ämnen": (
                "share_failed_several_subjects_pct"
            ),
        },
    ),
    # Ten school years in the columns, the measure in the row ('Uppgift'), one sheet per huvudman.
    _report(
        "betygsresultat_over_tid",
        ("Jämförelse av betygsresultat över tid",),
        row_measures={
            "Totalt antal elever årskurs 9": "pupils_grade_9",
            "- andel (%) flickor": "share_girls_pct",
            "- andel (%) pojkar": "share_boys_pct",
            "- andel (%) elever med utländsk bakgrund": "share_foreign_background_pct",
            "- andel (%) med föräldrar med eftergymnasial utbildning": "share_parents_post_secondary_pct",
            **_MERIT,
            **_ELIGIBLE_VOCATIONAL,
            "Andel (%) som fått godkänt betyg i alla ämnen": "share_all_subjects_passed_pct",
        },
    ),
    # Ten school years in the columns, the subject in the row.
    _report(
        "amnesbetyg_over_tid",
        ("Jämförelse av ämnesbetyg över tid",),
        subject_columns={"Andel (%) elever som fått godkänt betyg i respektive ämne": "share_passed_subject_pct"},
    ),
    # Two header rows: the measure above Totalt/Flickor/Pojkar; the column order changed in 2023/24. The riket
    # workbook has a sheet per subject, the subject named above the table.
    _report(
        "nationella_prov_arskurs_9",
        ("Resultat nationella prov årskurs 9, provbetyg per kön",),
        measures=_NATIONAL_TESTS,
        subject_in_preamble=True,
    ),
    # The same report for åk 6, declared from the åk 9 layout (no real åk 6 export has been seen yet).
    _report(
        "nationella_prov_arskurs_6",
        ("Resultat nationella prov årskurs 6, provbetyg per kön",),
        measures=_NATIONAL_TESTS,
        subject_in_preamble=True,
    ),
    # Per kommun × huvudman × kön (a Kön column: Flickor/Pojkar/Samtliga).
    _report(
        "behorighet_gymnasieskolan",
        ("Behörighet till gymnasieskolan",),
        measures={
            "Antal elever": "pupils_with_final_grades",
            **_ELIGIBLE_VOCATIONAL,
            "Andel elever (%) behöriga till estetiskt program": "share_eligible_arts_pct",
            "Andel elever (%) behöriga till Ekonomi-, humanistiska och samhällsvetenskaps- program": (
                "share_eligible_economics_humanities_social_pct"
            ),
            "Andel elever (%) behöriga till Naturvetenskapligt och tekniskt program": (
                "share_eligible_natural_science_technology_pct"
            ),
        },
    ),
    # Skolverket's national table 'Grundskolan – Betyg och Prov – Riksnivå' (Tabell 1A and 1B): riket per
    # school year, and for the latest year per huvudman and background group.
    _report(
        "betyg_och_prov_riksniva",
        ("Betyg och prov - riksnivå",),
        measures={
            "Elever som avslutat åk 9": "pupils_completed_grade_9",
            "med slutbetyg": "pupils_with_final_grades",
            "med godkända slutbetyg": "pupils_with_passing_final_grades",
            "Genomsnittligt meritvärde beräknat på 16 ämnen": "average_merit_value_16",
            "Genomsnittligt meritvärde beräknat på 17 ämnen": "average_merit_value_17",
            "Andel (%) elever som saknar godkänt betyg i ett, flera eller alla ämnen": (
                "share_missing_pass_some_subject_pct"
            ),
        },
        row_organisers={"Kommun": "Kommunal", "Enskild": "Enskild"},
        organiser_parts=("Internationella skolor", "Allmän inriktning", "Konfessionell", "Waldorf"),
    ),
)


def find_report(name: str) -> Report | None:
    """The report whose title a normalised report name (after 'Grundskola - ') is."""
    return next((r for r in REPORTS if r.matches(name)), None)
