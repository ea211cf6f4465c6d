"""Running one suite: which rows are new to it, validating them in DuckDB, remembering what passed.

A suite that follows landing files (`Suite.kinds`) validates only the rows of files it has not validated
yet. What it has validated is kept in `checks.validated_files`: one row per (check, file) with the file's
`loaded_at` from the ledger (raw.loaded_files) and the version of the suite's rules. A file counts as new to
a check until the check has passed with it:

- a failed check records nothing, so the same files are validated again next run (and fail again until a
  corrected export replaces the rows);
- a file loaded again (its table rebuilt, the key rotated) has a new `loaded_at`, and is new again;
- a change of a rule (another grade set, a new subject) changes the version: every file is new again.

Besides the new rows, each suite checks cheap invariants of the whole table (rows per file against the
ledger), so that rows changed or added behind the loader's back do not go unnoticed. Surveys, re-read whole
every run and small, are validated whole (`Suite.kinds` empty).

Nothing here pulls a table into memory: rows are counted in DuckDB, or handed to polars in batches of
`BATCH_ROWS` (the reader's own rules), so peak memory does not grow with the table.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import duckdb

from sources.landing.attendance import schema as franvaro
from sources.landing.ledger import LEDGER_TABLE, ensure_ledger
from sources.row_hash import rows_fingerprint

STATE_TABLE = "checks.validated_files"
TABLES_STATE = "checks.validated_tables"
# Columns whose values never appear as examples in a check's description (pseudonyms, respondent ids).
PERSONAL_COLUMNS = {"pupil_key", "respondent_id", "personnummer"}
MAX_EXAMPLES = 5

_DDL = f"""
create table if not exists {STATE_TABLE} (
    check_name varchar not null,
    kind varchar not null,
    file_hash varchar not null,
    loaded_at timestamp not null,
    rules_version varchar not null,
    validated_at timestamp not null
)
"""


@dataclass(frozen=True)
class Finding:
    expectation: str  # what was expected, short (e.g. "regel", "unik nyckel", "rader enligt inläsningsloggen")
    column: str | None
    unexpected_count: int
    examples: list
    explanation_sv: str

    def line(self) -> str:
        examples = f" (t.ex. {', '.join(repr(e) for e in self.examples)})" if self.examples else ""
        return (
            f"- {self.column or ''} {self.expectation}: {self.unexpected_count} rader{examples}. {self.explanation_sv}"
        )


@dataclass(frozen=True)
class ValidationOutcome:
    suite: str
    success: bool
    evaluated: int
    findings: list[Finding]
    rows: int = 0  # rows validated row by row (the new rows, or the whole table of a whole-table suite)
    files: int = 0  # new files whose rows were validated
    seconds: float = 0.0

    def summary(self) -> str:
        if self.success and not self.evaluated:
            return f"{self.suite}: tabellerna är oförändrade sedan kontrollen senast gick igenom"
        if self.success:
            return f"{self.suite}: alla {self.evaluated} förväntningar uppfyllda ({self.rows} nya rader prövade)"
        lines = [f"{self.suite}: {len(self.findings)} av {self.evaluated} förväntningar ej uppfyllda"]
        lines += [f.line() for f in self.findings]
        return "\n".join(lines)


@dataclass(frozen=True)
class Scope:
    """The rows a suite validates row by row: those of new files (per ledger kind), or the whole table."""

    files: dict[str, list[str]] = field(default_factory=dict)  # ledger kind → hashes of files new to the check
    whole: bool = False

    def hashes(self, kind: str) -> list[str]:
        return self.files.get(kind, [])

    def rows(self, table: str, kind: str) -> str:
        """SQL of the rows of raw.<table> in scope. Hashes are inlined as constants, so DuckDB's zone maps
        skip the row groups of other files (a file's rows are appended together)."""
        if self.whole:
            return f"raw.{table}"
        return f"(select * from raw.{table} where {file_in(table, self.hashes(kind))})"


def literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def in_files(column: str, hashes: list[str]) -> str:
    if not hashes:
        return "false"
    return f"{column} in ({', '.join(literal(h) for h in hashes)})"


def _numbered(table: str) -> bool:
    """Whether raw.<table> names a row's file by its number (raw.attendance: var attendance_numbers)."""
    return f"raw.{table}" == franvaro.TABLE


def file_column(table: str) -> str:
    """The column of raw.<table> naming a row's landing file: raw.attendance's file number, else the hash."""
    return "source_file_number" if _numbered(table) else "source_file_hash"


def file_of(table: str, hash_sql: str) -> str:
    """SQL of a file's hash (`hash_sql`: a literal or a ledger column) as file_column holds it."""
    return franvaro.attendance_number("source_file_number", hash_sql) if _numbered(table) else hash_sql


def file_in(table: str, hashes: list[str]) -> str:
    """A row of raw.<table> is from one of the files `hashes`. Constants (folded from the literals), so that
    DuckDB's zone maps skip the row groups of other files."""
    if not hashes:
        return "false"
    return f"{file_column(table)} in ({', '.join(file_of(table, literal(h)) for h in hashes)})"


def ensure_state(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("create schema if not exists checks")
    conn.execute(_DDL)
    conn.execute(f"create table if not exists {TABLES_STATE} (check_name varchar, fingerprint varchar)")


def new_files(
    conn: duckdb.DuckDBPyConnection, check_name: str, kinds: tuple[str, ...], version: str
) -> list[tuple[str, str, object]]:
    """(kind, file_hash, loaded_at) of the ledger's files of `kinds` the check has not passed with."""
    if not kinds:
        return []
    return conn.execute(
        f"""
        select l.kind, l.file_hash, l.loaded_at from {LEDGER_TABLE} l
        where list_contains(?, l.kind) and not exists (
            select 1 from {STATE_TABLE} v
            where v.check_name = ? and v.kind = l.kind and v.file_hash = l.file_hash
              and v.loaded_at = l.loaded_at and v.rules_version = ?
        )
        order by l.loaded_at, l.file_hash
        """,
        [list(kinds), check_name, version],
    ).fetchall()


def record_validated(
    conn: duckdb.DuckDBPyConnection, check_name: str, files: list[tuple[str, str, object]], version: str
) -> None:
    """Remember the files the check passed with; forget what no longer matches the ledger or the rules."""
    conn.execute(
        f"""
        delete from {STATE_TABLE} v
        where v.check_name = ? and (v.rules_version <> ? or not exists (
            select 1 from {LEDGER_TABLE} l
            where l.kind = v.kind and l.file_hash = v.file_hash and l.loaded_at = v.loaded_at))
        """,
        [check_name, version],
    )
    if files:
        conn.executemany(
            f"insert into {STATE_TABLE} values (?, ?, ?, ?, ?, current_timestamp::timestamp)",
            [[check_name, kind, digest, loaded_at, version] for kind, digest, loaded_at in files],
        )


def tables_fingerprint(conn: duckdb.DuckDBPyConnection, tables: tuple[str, ...], version: str) -> str:
    """The contents of whole-table suites' tables (small: surveys), as one order-free hash."""
    parts = [version]
    parts += [f"{table}:{rows_fingerprint(conn, f'raw.{table}')}" for table in tables]
    return "|".join(parts)


def passed_before(conn: duckdb.DuckDBPyConnection, check_name: str, fingerprint: str) -> bool:
    ensure_state(conn)
    rows = conn.execute(f"select fingerprint from {TABLES_STATE} where check_name = ?", [check_name]).fetchall()
    return bool(rows) and rows[0][0] == fingerprint


def record_passed(conn: duckdb.DuckDBPyConnection, check_name: str, fingerprint: str) -> None:
    conn.execute(f"delete from {TABLES_STATE} where check_name = ?", [check_name])
    conn.execute(f"insert into {TABLES_STATE} values (?, ?)", [check_name, fingerprint])


def missing_tables(conn: duckdb.DuckDBPyConnection, tables: tuple[str, ...]) -> list[str]:
    rows = conn.execute("select table_name from information_schema.tables where table_schema = 'raw'").fetchall()
    present = {row[0] for row in rows}
    return [f"raw.{t}" for t in tables if t not in present]


def run_suite(conn: duckdb.DuckDBPyConnection, suite) -> ValidationOutcome:
    """Validate the rows new to `suite` (an expectations.suites.Suite) and, when it passes, record its files.

    Reading the ledger, validating and recording happen in one transaction: a file loaded meanwhile is
    neither validated nor recorded.
    """
    started = time.perf_counter()
    missing = missing_tables(conn, suite.tables)
    if missing:  # a referential check can run before the other table has ever been loaded
        finding = Finding(
            "tabellen finns",
            ", ".join(missing),
            0,
            [],
            f"Tabellen {', '.join(missing)} finns inte än; läs in den först.",
        )
        return ValidationOutcome(suite.check_name, False, 1, [finding])
    ensure_ledger(conn)
    ensure_state(conn)
    version = suite.version()
    conn.begin()
    try:
        files = new_files(conn, suite.check_name, suite.kinds, version)
        whole = tables_fingerprint(conn, suite.tables, version) if not suite.kinds else None
        if whole is not None and passed_before(conn, suite.check_name, whole):
            # Re-read whole each run, but the same rows as when the check last passed: nothing to validate.
            conn.commit()
            return ValidationOutcome(suite.check_name, True, 0, [], seconds=time.perf_counter() - started)
        scope = Scope(whole=not suite.kinds)
        for kind, digest, _ in files:
            scope.files.setdefault(kind, []).append(digest)
        results, rows = suite.evaluate(conn, scope)
        findings = [r for r in results if r.unexpected_count]
        if not findings and suite.kinds:
            record_validated(conn, suite.check_name, files, version)
        if not findings and whole is not None:
            record_passed(conn, suite.check_name, whole)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return ValidationOutcome(
        suite.check_name,
        not findings,
        len(results),
        findings,
        rows=rows,
        files=len(files),
        seconds=time.perf_counter() - started,
    )
