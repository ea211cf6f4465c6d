"""The contract's rules for franvaro/ in SQL, declared once: the text path (text_path.py) judges each line
with them and writes their reasons; the fast path (fast_path.py) takes a file only when no row breaks any of
them, on values typed by the same expressions. The personnummer's own rules are sources/personnummer.py's.

Both read the contract's fields as text (null when empty) under their contract names, and the typed values
under the names below. Written for speed on 100 M rows: LIKE / GLOB and casts rather than regular
expressions, and the reason text built only for the rare rejected row.
"""

from __future__ import annotations

from dataclasses import dataclass

from sources.landing.attendance.schema import ABSENCE_TYPES_SQL
from sources.personnummer import contains_personnummer_sql

PNR_IN_COLUMN = "kolumnen {column} innehåller något som liknar ett personnummer"

# Each contract field as the value it stands for; null when the text is not written in the contract's form.
# LIKE and GLOB pin the form, the cast the value ('2024-02-30', '08:61' fail). DuckDB reads '24:00' as a time;
# the contract does not.
TYPED = {
    "lesson_date": "case when datum like '____-__-__' then try_cast(datum as date) end",
    "lesson_start": "case when (lektion_start like '__:__' and lektion_start < '24') or lektion_start like '_:__'"
    " then try_cast(lektion_start as time) end",
    "scheduled_min": "case when schemalagd_tid_min not glob '*[!0-9]*' and length(schemalagd_tid_min) <= 6"
    " then schemalagd_tid_min::integer end",
    "absent_min": "case when franvaro_min not glob '*[!0-9]*' and length(franvaro_min) <= 6"
    " then franvaro_min::integer end",
    "absence_type": "lower(franvarotyp)",
    "reported_text": "lower(rapporterad)",
}
SUBJECT = "upper(amne)"  # stored as the subject
REPORTED = "reported_text = 'ja'"  # stored as reported (the rule below admits only ja and nej)


@dataclass(frozen=True)
class Rule:
    flag: str  # the SQL's name for "this row breaks the rule"
    column: str  # the contract column the quarantine names
    sql: str  # true when the row breaks the rule (over the text fields and TYPED)
    reason: str | None  # in Swedish, the value appended; None: the value may be a personnummer, never repeated


_DIGITS_8 = "[0-9]" * 8
RULES = (  # in contract order, a personnummer in the free text first
    # Subject codes are short: the pattern runs only on values long enough to hold a personnummer (CASE, not
    # AND: DuckDB then runs it on those rows only; a personnummer has 10 bytes at least).
    Rule(
        "bad_amne",
        "amne",
        f"case when strlen(amne) >= 10 then {contains_personnummer_sql('amne')} else false end",
        None,
    ),
    Rule(
        "bad_school",
        "skolenhetskod",
        f"not coalesce(skolenhetskod glob '{_DIGITS_8}', false)",
        "skolenhetskod ska vara 8 siffror",
    ),
    Rule("bad_date", "datum", "lesson_date is null", "datum ska vara ett datum ÅÅÅÅ-MM-DD"),
    Rule("bad_start", "lektion_start", "lesson_start is null", "lektionsstart ska skrivas TT:MM, t.ex. 08:15"),
    Rule(
        "bad_scheduled",
        "schemalagd_tid_min",
        "coalesce(scheduled_min <= 0, true)",
        "schemalagd tid ska vara ett heltal större än 0 (minuter)",
    ),
    Rule(
        "bad_absent",
        "franvaro_min",
        "coalesce(absent_min > scheduled_min, absent_min is null)",
        "frånvaro ska vara ett heltal från 0 till den schemalagda tiden (minuter)",
    ),
    Rule(
        "bad_type",
        "franvarotyp",
        "case when absent_min = 0 then absence_type is not null"
        f" when absent_min > 0 then coalesce(absence_type not in {ABSENCE_TYPES_SQL}, true)"
        f" else coalesce(absence_type not in {ABSENCE_TYPES_SQL}, false) end",
        "frånvarotyp ska vara tom utan frånvaro, annars giltig eller ogiltig",
    ),
    Rule(
        "bad_reported",
        "rapporterad",
        "coalesce(reported_text not in ('ja', 'nej'), true)",
        "rapporterad ska vara ja eller nej",
    ),
)


def typed_sql() -> str:
    """The TYPED columns, for a select list over the text fields."""
    return ",\n        ".join(f"{sql} as {name}" for name, sql in TYPED.items())


def flags_sql() -> str:
    """One boolean per rule, named by its flag, for a select list over the text fields and TYPED."""
    return ",\n        ".join(f"{rule.sql} as {rule.flag}" for rule in RULES)


def broken_sql() -> str:
    """True when the row breaks any rule, over the text fields and TYPED."""
    return "(" + " or ".join(f"({rule.sql})" for rule in RULES) + ")"


def first_broken_sql() -> str:
    """The first failing column, over the flags (flags_sql)."""
    return " ".join(f"when {rule.flag} then '{rule.column}'" for rule in RULES)


def reasons_sql() -> str:
    """Every failing rule's reason, over the flags: arguments of concat_ws."""

    def reason(rule: Rule) -> str:
        if rule.reason is None:  # never repeat what may be a personnummer
            return f"case when {rule.flag} then '{PNR_IN_COLUMN.format(column=rule.column)}' end"
        return f"case when {rule.flag} then '{rule.reason} (värde: ''' || coalesce({rule.column}, '') || ''')' end"

    return ", ".join(reason(rule) for rule in RULES)


def any_flag_sql() -> str:
    return " or ".join(rule.flag for rule in RULES)
