"""The parts a suite is made of. Each part counts violating rows in DuckDB (or in polars batches) and returns one
`Finding` per expectation — with 0 rows when it holds — with up to five example values (never a pupil key or
a respondent id) and a Swedish note on what to do.

Rules are not written down here a second time: `ReaderRules` runs the reader's own `Rule`s (the `Kind`s of
sources/landing/kinds.py and sources/landing/surveys.py) on the loaded rows, turned back into the text the
reader saw, and `AttendanceDoor` runs the very SQL that validates franvaro/ lines at the door
(sources/landing/attendance/) on the loaded rows. A rule declared once is enforced at the door and checked
after load: a row that a bug wrote, or that was changed in the table, fails the same rule.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import polars as pl

from expectations.runner import (
    MAX_EXAMPLES,
    PERSONAL_COLUMNS,
    Finding,
    Scope,
    file_column,
    file_in,
    file_of,
    in_files,
    literal,
)
from sources.landing import attendance as franvaro
from sources.landing.attendance import rules as attendance_rules
from sources.landing.contract import PNR, Rule, personnummer_rules
from sources.landing.ledger import LEDGER_TABLE

BATCH_ROWS = 100_000  # rows handed to polars at a time: bounds the memory of a check, whatever the table

# After load, a row breaking a reader's rule came in behind the door, or the rule changed since the file
# was loaded: either way the export has to be corrected and dropped in again.
BEHIND_THE_DOOR = (
    "Inläsningen släpper inte in sådana rader: de har skrivits förbi den (ett fel, eller en ändrad tabell), "
    "eller regeln har ändrats sedan filen lästes in."
)


def _fingerprint(*parts: object) -> str:
    return hashlib.sha256("\n".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:16]


def _rule_fingerprint(rules: tuple[Rule, ...]) -> str:
    # The serialised expression holds the literals (the grade set, the subjects), unlike its repr when long.
    return _fingerprint(*(f"{r.column}|{r.reason}|{r.valid.meta.serialize(format='json')}" for r in rules))


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


def _examples(values) -> list:
    seen: list = []
    for value in values or []:
        if value not in seen:
            seen.append(value)
    return seen[:MAX_EXAMPLES]


class Part:
    """One piece of a suite: `evaluate` returns (findings incl. those with 0 rows, rows validated one by one)."""

    def version(self) -> str:
        return type(self).__name__

    def evaluate(self, conn: duckdb.DuckDBPyConnection, scope: Scope) -> tuple[list[Finding], int]:
        raise NotImplementedError

    def prepare(self) -> None:
        """New rows for it are being loaded: the part may get ready, ahead of its check (suites.prepare_checks)."""


# The reader's rules on loaded rows -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReaderRules(Part):
    """A Kind's rules (and: no personnummer outside its column) on the rows in scope, read back as text.

    `text` maps each contract column to the SQL that turns the loaded columns back into what the reader
    validated (`cast(grade_level as varchar)` for arskurs …): the only per-kind knowledge here. `rules`
    gives the Kind's rules; surveys' answer rules depend on the loaded question catalogue.
    """

    table: str
    kind: str  # ledger kind (landing folder)
    text: dict[str, str]
    rules: Callable[[duckdb.DuckDBPyConnection | None], tuple[Rule, ...]]
    notes: dict[str, str] = field(default_factory=dict)  # contract column → what to do
    note: str = ""  # what to do, for every column without its own note
    pnr_note: str = ""  # what to do about something like a personnummer outside its column

    def all_rules(self, conn) -> tuple[Rule, ...]:
        return (*personnummer_rules([c for c in self.text if c != PNR]), *self.rules(conn))

    def version(self) -> str:
        return _fingerprint(
            "ReaderRules", self.table, sorted(self.text.items()), _rule_fingerprint(self.all_rules(None))
        )

    def evaluate(self, conn, scope):
        rules = self.all_rules(conn)
        flags = [(~r.valid.fill_null(False)).alias(f"__bad{i}") for i, r in enumerate(rules)]
        counts = [0] * len(rules)
        examples: list[list] = [[] for _ in rules]
        rows = 0
        columns = ", ".join(f'cast(({sql}) as varchar) as "{column}"' for column, sql in self.text.items())
        for batch in conn.sql(f"select {columns} from {scope.rows(self.table, self.kind)}").to_arrow_reader(BATCH_ROWS):
            frame = pl.from_arrow(batch)
            if not frame.height:
                continue
            rows += frame.height
            flagged = frame.with_columns(flags)
            sums = flagged.select(pl.col(f"__bad{i}").sum() for i in range(len(rules))).row(0)
            for i, n in enumerate(sums):
                if not n:
                    continue
                counts[i] += n
                rule = rules[i]
                if rule.echo and rule.column not in PERSONAL_COLUMNS and len(examples[i]) < MAX_EXAMPLES:
                    values = flagged.filter(pl.col(f"__bad{i}")).get_column(rule.column).unique(maintain_order=True)
                    examples[i] = _examples([*examples[i], *values.head(MAX_EXAMPLES).to_list()])
        findings = []
        for rule, n, sample in zip(rules, counts, examples, strict=True):
            note = self.notes.get(rule.column, self.note) if rule.echo else self.pnr_note
            explanation = f"{_sentence(rule.reason)} {BEHIND_THE_DOOR} {note}".strip()
            findings.append(Finding("inläsningens regel", rule.column, n, sample, explanation))
        return findings, rows


# Plain SQL expectations ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotNull(Part):
    """Columns that every row in scope must have."""

    table: str
    kind: str
    columns: tuple[str, ...]
    explanation: str

    def version(self) -> str:
        return _fingerprint("NotNull", self.table, self.columns)

    def evaluate(self, conn, scope):
        counts = ", ".join(f'count(*) filter (where "{c}" is null)' for c in self.columns)
        found = conn.execute(f"select {counts} from {scope.rows(self.table, self.kind)}").fetchall()[0]
        return [
            Finding("inte tom", c, int(n), [], self.explanation) for c, n in zip(self.columns, found, strict=True)
        ], 0


@dataclass(frozen=True)
class UniqueKey(Part):
    """The keys of the rows in scope occur once in the whole table.

    The loader replaces rows of a key it loads again, so this only looks at keys of the new rows, file by
    file, among the table's rows of the file's school years (`within`): 8-byte key hashes are grouped, and
    only repeated hashes are compared in full. Counts every row of a key that occurs more than once (a key
    shared by two new files once).
    """

    table: str
    kind: str
    key: tuple[str, ...]
    explanation: str
    within: str | None = "school_year"

    def version(self) -> str:
        return _fingerprint("UniqueKey", self.table, self.key, self.within)

    def evaluate(self, conn, scope):
        key = ", ".join(f'"{k}"' for k in self.key)
        table = f"raw.{self.table}"
        if scope.whole:
            files = [(None, "true")]
        else:  # file by file: memory follows the largest file's school years, not the new rows together
            files = [(digest, f"source_file_hash = {literal(digest)}") for digest in scope.hashes(self.kind)]
        found, done = 0, []
        for digest, mine in files:
            counted = f"not bool_or({in_files('source_file_hash', done)})"  # not already counted with a file
            done.append(digest)
            narrow = "true"
            if digest is not None and self.within:
                narrow = f'"{self.within}" in (select distinct "{self.within}" from {table} where {mine})'
            # 8-byte hashes are grouped first; only keys whose hash repeats are compared in full.
            found += conn.execute(f"""
                with candidates as (
                    select hash({key}) as h from {table} where {narrow}
                    group by h having count(*) > 1 and bool_or({mine})
                ),
                repeated as (
                    select count(*) as n from {table}
                    where {narrow} and hash({key}) in (select h from candidates)
                    group by {key} having count(*) > 1 and bool_or({mine}) and {counted}
                )
                select coalesce(sum(n), 0) from repeated
            """).fetchall()[0][0]
        return [Finding("unik nyckel", ", ".join(self.key), int(found), [], self.explanation)], 0


@dataclass(frozen=True)
class LedgerBalance(Part):
    """Whole table, cheaply: the rows of each file equal what the ledger says is left of it.

    One pass over a single, dictionary-compressed column: rows added behind the loader (unknown or no file
    hash) or removed from under it are found whichever files they belong to.
    """

    table: str
    kind: str
    folder: str  # landing folder, for the advice

    def version(self) -> str:
        return "LedgerBalance"

    def evaluate(self, conn, scope):
        unknown, off_rows, off_files = conn.execute(
            f"""
            with t as (select {file_column(self.table)} as h, count(*) as n from raw.{self.table} group by all),
            l as (
                select {file_of(self.table, "file_hash")} as h, rows_loaded - rows_superseded as n
                from {LEDGER_TABLE} where kind = ?
            )
            select
                coalesce(sum(t.n) filter (where l.h is null), 0),
                coalesce(sum(abs(coalesce(t.n, 0) - l.n)) filter (where l.h is not null), 0),
                count(*) filter (where l.h is not null and coalesce(t.n, 0) <> l.n)
            from t full join l on t.h = l.h
            """,
            [self.kind],
        ).fetchall()[0]
        rebuild = (
            f"Ta reda på vad som skrev i tabellen. För att läsa in allt igen: töm raw.{self.table} och ta bort "
            f"raderna för {self.kind} i raw.loaded_files; då läses filerna i {self.folder}/ in på nytt."
        )
        return [
            Finding(
                "rad från en inläst fil",
                file_column(self.table),
                int(unknown),
                [],
                f"Rader i raw.{self.table} som ingen fil i inläsningsloggen (raw.loaded_files) har läst in: de har "
                f"lagts till förbi inläsningen. {rebuild}",
            ),
            Finding(
                "rader enligt inläsningsloggen",
                file_column(self.table),
                int(off_rows),
                [],
                f"Raderna per fil i raw.{self.table} stämmer inte med inläsningsloggen (rows_loaded − "
                f"rows_superseded) för {off_files} filer: rader har tagits bort eller lagts till förbi inläsningen. "
                f"{rebuild}",
            ),
        ], 0


@dataclass(frozen=True)
class SqlCount(Part):
    """A count of violating rows over the rows in scope (`{rows}` in the SQL), with examples.

    `sql` returns one row: (violating rows, list of example values or null).
    """

    name: str
    column: str
    rows: Callable[[Scope], str]
    sql: str
    explanation: str

    def version(self) -> str:
        return _fingerprint("SqlCount", self.name, self.column, self.sql)

    def evaluate(self, conn, scope):
        n, sample = conn.execute(self.sql.format(rows=self.rows(scope))).fetchall()[0]
        return [Finding(self.name, self.column, int(n or 0), _examples(sample), self.explanation)], 0


# Attendance: the door's own rules on the loaded rows -------------------------------------------------------

# The loaded columns as the contract's text fields; the personnummer is checked by its own key, not here.
ATTENDANCE_TEXT = {
    "personnummer": "''",
    # A number of more than 8 digits, or below 0, reads as itself (a school code of 8 digits cannot be it).
    "skolenhetskod": "case when school_unit_number between 0 and 99999999 then "
    f"{franvaro.attendance_text('school_unit_number', 'school_unit_number')} else school_unit_number::varchar end",
    "datum": "strftime(lesson_date, '%Y-%m-%d')",
    "lektion_start": "strftime(date '2000-01-01' + lesson_start, '%H:%M')",
    "amne": "subject",
    "schemalagd_tid_min": "cast(scheduled_min as varchar)",
    "franvaro_min": "cast(absent_min as varchar)",
    "franvarotyp": "absence_type::varchar",
    "rapporterad": "case when reported then 'ja' when not reported then 'nej' end",
}


# The stored columns ATTENDANCE_TEXT reads: the rules see only these.
_DOOR_INPUTS = (
    "school_unit_number",
    "lesson_date",
    "lesson_start",
    "subject",
    "scheduled_min",
    "absent_min",
    "absence_type",
    "reported",
)


def door_sql(rows: str) -> str:
    """The door's rules (sources/landing/attendance/rules.py, declared once for both of the loader's paths)
    over the rows in scope, each stored value read back as the contract's text (empty: null, as the door
    reads an empty field): the failing rows' first bad column, reasons and number (`n`). Field by field
    rather than through a rebuilt line and the text path's splitting, and once per distinct combination of
    the stored values the rules read (a tenth of the rows: the same lessons recur for many pupils) with its
    number of rows: 12 M rows 12 s → 3.9 s → ~1 s."""
    fields = ", ".join(f"nullif({ATTENDANCE_TEXT[c]}, '') as {c}" for c in franvaro.COLUMNS)
    inputs = ", ".join(_DOOR_INPUTS)
    return f"""
        select case {attendance_rules.first_broken_sql()} end as bad_column,
               concat_ws('; ', {attendance_rules.reasons_sql()}) as reason, n
        from (
            select *, {attendance_rules.flags_sql()}
            from (
                select *, {attendance_rules.typed_sql()}
                from (select {fields}, n from (select {inputs}, count(*) as n from {rows} group by all))
            )
        )
        where {attendance_rules.any_flag_sql()}
    """


@dataclass(frozen=True)
class AttendanceDoor(Part):
    """Every franvaro/ rule of the door, on the loaded rows in scope: one finding per failing column."""

    notes: dict[str, str]
    note: str

    def version(self) -> str:
        return _fingerprint("AttendanceDoor", door_sql("raw.attendance"))

    def evaluate(self, conn, scope):
        rows_sql = scope.rows("attendance", franvaro.FOLDER)
        # The door reads each field the careful way when a line has blanks or quotes: same as for files.
        failing = conn.execute(f"""
            select bad_column, sum(n), min(reason, {MAX_EXAMPLES})
            from ({door_sql(rows_sql)})
            group by all
        """).fetchall()
        total = conn.execute(f"select count(*) from {rows_sql}").fetchall()[0][0]
        found = {column: (n, sample) for column, n, sample in failing}
        findings = []
        for column in [c for c in franvaro.COLUMNS if c != "personnummer"] + sorted(set(found) - set(franvaro.COLUMNS)):
            n, sample = found.get(column, (0, []))
            # The door's reasons quote the value, except where it may be a personnummer (amne).
            findings.append(
                Finding(
                    "inläsningens regel",
                    column,
                    int(n),
                    _examples(sample),
                    f"{self.notes.get(column, self.note)} {BEHIND_THE_DOOR}".strip(),
                )
            )
        return findings, int(total)


@dataclass(frozen=True)
class AttendanceUniqueKey(Part):
    """The new rows' keys (pupil, date, lesson start) occur once, compared within each new file's dates.

    As the loader's corrections do: zone maps limit the scan to the row groups of the file's dates, and
    grouping 8-byte hashes finds candidate keys, which are then compared in full.
    """

    explanation: str

    def version(self) -> str:
        return _fingerprint("AttendanceUniqueKey", franvaro.KEY)

    def evaluate(self, conn, scope):
        key_hash, key = franvaro.KEY_HASH, ", ".join(franvaro.KEY)
        if scope.whole:
            files = [(None, "true")]
        else:  # file by file, as the loader compares them: zone maps find a file's rows and its dates
            files = [(digest, file_in("attendance", [digest])) for digest in scope.hashes(franvaro.FOLDER)]
        total, done = 0, []
        for digest, mine in files:
            dates = f"select min(lesson_date), max(lesson_date) from {franvaro.TABLE} where {mine}"
            first, last = conn.execute(dates).fetchall()[0]
            counted = f"not bool_or({file_in('attendance', done)})"  # not already counted with a file
            done.append(digest)
            if first is None:
                continue
            # As many distinct key hashes as rows: no key repeats in these dates (equal keys hash alike), and
            # counting distinct hashes costs ~60 % of grouping them with their files.
            distinct = conn.execute(
                f"select count(*) = count(distinct {key_hash}) from {franvaro.TABLE} where lesson_date between ? and ?",
                [first, last],
            ).fetchall()[0][0]
            if distinct:
                continue
            found = conn.execute(
                f"""
                with candidates as (
                    select {key_hash} as h from {franvaro.TABLE}
                    where lesson_date between ? and ?
                    group by h having count(*) > 1 and bool_or({mine})
                ),
                repeated as (
                    select {key}, count(*) as n from {franvaro.TABLE}
                    where lesson_date between ? and ? and {key_hash} in (select h from candidates)
                    group by all having count(*) > 1 and bool_or({mine}) and {counted}
                )
                select coalesce(sum(n), 0) from repeated
                """,
                [first, last, first, last],
            ).fetchall()[0][0]
            total += int(found)
        return [Finding("unik nyckel", ", ".join(franvaro.KEY), total, [], self.explanation)], 0
