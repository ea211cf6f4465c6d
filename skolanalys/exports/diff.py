"""What was revised since an export: its archived rows against today's snapshot read with the same selection,
cell by cell — table, the row's key, column, value then, value now. Rows that are gone or new are listed
once each (column empty)."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from skolanalys.exports.tables import reason_code, spec
from skolanalys.exports.writers import cell_text, is_null

GONE = "(raden finns inte längre)"
NEW = "(ny rad)"


@dataclass(frozen=True)
class Revision:
    table: str
    key: tuple[tuple[str, object], ...]  # (column, value) of the row's key columns
    column: str  # '' for a row that is gone or new
    then: object
    now: object

    def key_text(self) -> str:
        return ", ".join(f"{c}={'' if v is None else v}" for c, v in self.key)


def _key_columns(table: str, then: pa.Table, now: pa.Table) -> list[str]:
    keys = [k for k in spec(table).keys if k in then.column_names and k in now.column_names]
    if keys and _unique(then, keys) and _unique(now, keys):
        return keys
    return [c for c in then.column_names if c in now.column_names]  # no usable key: the whole row is the key


def _unique(rows: pa.Table, keys: list[str]) -> bool:
    seen = set()
    columns = [rows.column(k).to_pylist() for k in keys]
    for i in range(rows.num_rows):
        key = tuple(c[i] for c in columns)
        if key in seen:
            return False
        seen.add(key)
    return True


def _by_key(rows: pa.Table, keys: list[str]) -> dict[tuple, dict]:
    return {tuple(r[k] for k in keys): r for r in rows.to_pylist()}


def _same(a, b) -> bool:
    if is_null(a) and is_null(b):
        return True
    return a == b


def _governing(table: str) -> dict[str, str | None]:
    return {column: status for status, columns in spec(table).cells.items() for column in columns}


def _shown(row: dict, column: str, governing: dict[str, str | None]):
    """The value as the export showed it: a governed null is its reason code ('..' or '.')."""
    value = row[column]
    if is_null(value) and column in governing:
        status = governing[column]
        return reason_code(row.get(status)) if status is not None else "."
    return value


def diff_table(table: str, then: pa.Table, now: pa.Table) -> list[Revision]:
    """The cells of `then` that differ in `now`, and the rows only one of them has."""
    keys = _key_columns(table, then, now)
    before, after = _by_key(then, keys), _by_key(now, keys)
    compared = [c for c in then.column_names if c in now.column_names and c not in keys]
    governing = _governing(table)
    out: list[Revision] = []
    for key, old in before.items():
        labelled = tuple(zip(keys, key, strict=True))
        new = after.get(key)
        if new is None:
            out.append(Revision(table, labelled, "", None, GONE))
            continue
        for column in compared:
            shown_then, shown_now = _shown(old, column, governing), _shown(new, column, governing)
            if not _same(shown_then, shown_now):
                out.append(Revision(table, labelled, column, shown_then, shown_now))
    for key in after.keys() - before.keys():
        out.append(Revision(table, tuple(zip(keys, key, strict=True)), "", NEW, None))
    return sorted(out, key=lambda r: (str(r.key), r.column))


def diff_tables(then: dict[str, pa.Table], now: dict[str, pa.Table]) -> list[Revision]:
    """Every revision, table by table in the export's order; a table today's snapshot lacks is gone whole."""
    out: list[Revision] = []
    for table, old in then.items():
        new = now.get(table)
        if new is None:
            out.append(Revision(table, (), "", None, "(tabellen finns inte längre)"))
            continue
        out.extend(diff_table(table, old, new))
    return out


def value_text(value) -> str:
    """A value in a diff: as the csv writes it (decimal comma); empty for null."""
    if isinstance(value, str):
        return value
    if is_null(value):
        return ""
    if isinstance(value, bool):
        return cell_text("bool", value)
    if isinstance(value, float):
        return cell_text("float", value)
    if isinstance(value, int):
        return cell_text("int", value)
    return str(value)
