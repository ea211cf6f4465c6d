"""The export formats: xlsx (XlsxWriter), csv as Swedish Excel opens it, and parquet — each deterministic, so
the same snapshot and selection always give the same bytes (and the same export id).

Cells are written as served. A value that a status column governs (exports/tables.py) and that is null is
written as the text '..' (hidden: disclosure control, a publisher's protection) or '.' (no figure) — never
blank and never a number; other empty cells stay empty. Numbers stay numbers: in xlsx with a number format
(Swedish Excel shows '81,3'), in csv with a decimal comma and no thousands separator.
"""

from __future__ import annotations

import csv
import io
import json
import math
import textwrap
import zipfile
from datetime import UTC, date, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter

from skolanalys.exports import labels
from skolanalys.exports.provenance import STOCKHOLM, Provenance
from skolanalys.exports.selection import ExportTable
from skolanalys.exports.tables import reason_code, spec

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed: the zip's bytes must not depend on when it was written
MIME = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "zip": "application/zip",
}


# --- cells -------------------------------------------------------------------------------------------------


def governed_columns(table: ExportTable) -> dict[str, str | None]:
    """Value column → the status column that governs it (None: the table has no status; a null is '.')."""
    present = set(table.rows.column_names)
    out: dict[str, str | None] = {}
    for status, columns in spec(table.name).cells.items():
        if status is not None and status not in present:
            continue
        for column in columns:
            if column in present:
                out[column] = status
    return out


def decimal_text(value: float) -> str:
    """A served decimal with a decimal comma and without trailing zeros: 81.25 → '81,25', 12.0 → '12'."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text.replace(".", ",")


def is_null(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def cell_text(kind: str, value) -> str:
    """A non-null cell as csv text."""
    if kind == "bool":
        return labels.BOOLEAN_TEXT[bool(value)]
    if kind == "float":
        return decimal_text(float(value)) if math.isfinite(value) else "."
    if kind == "int":
        return str(int(value))
    if kind == "timestamp" and isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if kind == "date" and isinstance(value, date):
        return value.isoformat()
    return str(value)


def swedish_local(moment: datetime) -> datetime:
    """A served moment (naive UTC) as a naive Swedish local time, for a spreadsheet cell."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(STOCKHOLM).replace(tzinfo=None)


def table_cells(table: ExportTable):
    """Per row, per column: (kind, value, code) — code is '..'/'.' for a governed null, else None."""
    names = table.rows.column_names
    columns = {name: table.rows.column(name).to_pylist() for name in names}
    governed = governed_columns(table)
    for i in range(table.rows.num_rows):
        row = []
        for name in names:
            value = columns[name][i]
            if name in labels.SWEDISH_TIME_COLUMNS and isinstance(value, datetime):
                value = swedish_local(value)
            code = None
            if is_null(value) and name in governed:
                status = governed[name]
                code = reason_code(columns[status][i]) if status is not None else "."
            row.append((table.kinds.get(name, "text"), value, code))
        yield row


# --- xlsx --------------------------------------------------------------------------------------------------


def _width(text: str) -> int:
    return len(text) + 2


def _display_width(kind: str, value) -> int:
    if kind == "float":
        return len(f"{value:,.1f}") + 1
    if kind == "int":
        return len(f"{value:,}") + 1
    if kind in ("timestamp", "date"):
        return 17
    return len(str(value)) + 1


def write_xlsx(tables: list[ExportTable], provenance: Provenance, title: str) -> bytes:
    """One sheet per table after an "Om underlaget" sheet; Swedish headers, number formats, frozen header
    row, autofilter. The workbook's dates are the snapshot's publication time, not now."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    published = provenance.info.published.astimezone(UTC).replace(tzinfo=None)
    book.set_properties(
        {
            "title": title,
            "subject": "Underlag ur Skolanalys serveringsfil",
            "author": "Skolanalys",
            "company": "",
            "comments": f"Ögonblicksbild {provenance.info.run_id}, publicerad {provenance.published_sv}",
            "created": published,
        }
    )
    header = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bottom": 1, "bg_color": "#E8EEF4"})
    code_format = book.add_format({"align": "right"})
    number_formats: dict[str, object] = {}

    def number_format(code: str):
        if code not in number_formats:
            number_formats[code] = book.add_format({"num_format": code})
        return number_formats[code]

    _write_provenance_sheet(book, provenance, title)
    for table in tables:
        sheet = book.add_worksheet(labels.sheet_name(table.name))
        names = table.rows.column_names
        headers = [labels.column_label(table.name, n) for n in names]
        widths = [min(max(len(w) for w in h.split()) + 2, 40) for h in headers]
        for c, text in enumerate(headers):
            sheet.write_string(0, c, text, header)
        formats = [labels.number_format(n, table.kinds.get(n, "text")) for n in names]
        for r, row in enumerate(table_cells(table), start=1):
            for c, (kind, value, code) in enumerate(row):
                if code is not None:
                    sheet.write_string(r, c, code, code_format)
                    continue
                if is_null(value):
                    continue
                if kind in ("int", "float"):
                    if isinstance(value, float) and not math.isfinite(value):
                        sheet.write_string(r, c, ".", code_format)
                    else:
                        sheet.write_number(r, c, value, number_format(formats[c]))
                elif kind == "bool":
                    sheet.write_string(r, c, labels.BOOLEAN_TEXT[bool(value)])
                elif kind == "timestamp" and isinstance(value, datetime):
                    sheet.write_datetime(r, c, value.replace(tzinfo=None), number_format(labels.DATETIME_FORMAT))
                elif kind == "date" and isinstance(value, date):
                    sheet.write_datetime(
                        r, c, datetime(value.year, value.month, value.day), number_format(labels.DATE_FORMAT)
                    )
                elif value != "":
                    sheet.write_string(r, c, str(value))
                if r <= 2000:  # widths from the first rows are enough and keep big tables fast
                    widths[c] = max(widths[c], min(_display_width(kind, value), 60))
        for c, width in enumerate(widths):
            sheet.set_column(c, c, width)
        # room for the header's words and the autofilter's button
        sheet.set_row(0, 15 * max((_lines(h, widths[c] - 2) for c, h in enumerate(headers)), default=1))
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(table.rows.num_rows, 1), max(len(names) - 1, 0))
    book.close()
    return buffer.getvalue()


PROVENANCE_WIDTHS = (30, 70, 30, 70, 16)


def _lines(text: str, width: int) -> int:
    """How many lines `text` wraps to in a column `width` characters wide (row heights are not computed by
    every program that opens the file: LibreOffice keeps what the file says)."""
    return sum(len(textwrap.wrap(part, max(width - 2, 1))) or 1 for part in str(text).split("\n"))


def _write_provenance_sheet(book, provenance: Provenance, title: str) -> None:
    sheet = book.add_worksheet(labels.PROVENANCE_SHEET)
    big = book.add_format({"bold": True, "font_size": 14})
    bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    section_format = book.add_format({"bold": True, "font_size": 12})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    for column, width in enumerate(PROVENANCE_WIDTHS):
        sheet.set_column(column, column, width)
    sheet.write_string(0, 0, "Om underlaget", big)
    sheet.set_row(0, 20)
    sheet.write_string(1, 0, title)  # unwrapped: spills over the empty cells beside it
    sheet.write_string(
        2,
        0,
        "Alla siffror kommer ur Skolanalys serveringsfil: bara aggregerade, röjandekontrollerade uppgifter. "
        "'..' och '.' i tabellerna är text, inte tal: se Teckenförklaring nedan.",
    )
    row = 4
    for section in provenance.sections():
        sheet.write_string(row, 0, section.title, section_format)
        sheet.set_row(row, 18)
        row += 1
        lines_of = []
        if section.header:
            for c, text in enumerate(section.header):
                sheet.write_string(row, c, text, bold)
            sheet.set_row(row, 15 * max(_lines(t, PROVENANCE_WIDTHS[c]) for c, t in enumerate(section.header)))
            row += 1
        for values in section.rows:
            for c, text in enumerate(values):
                if text != "":
                    sheet.write_string(row, c, str(text), bold if c == 0 and not section.header else wrap)
            lines_of = [_lines(t, PROVENANCE_WIDTHS[c]) for c, t in enumerate(values) if t != ""]
            sheet.set_row(row, 15 * max(lines_of or [1]))
            row += 1
        row += 1


# --- csv ---------------------------------------------------------------------------------------------------


def _csv_bytes(rows) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8-sig")  # the BOM makes Excel read UTF-8


def write_csv_table(table: ExportTable) -> bytes:
    """One table as Swedish Excel opens a csv: ';', decimal comma, UTF-8 with BOM, Swedish headers."""
    names = table.rows.column_names

    def rows():
        yield [labels.column_label(table.name, n) for n in names]
        for row in table_cells(table):
            yield [code if code is not None else ("" if is_null(v) else cell_text(k, v)) for k, v, code in row]

    return _csv_bytes(rows())


def write_csv_provenance(provenance: Provenance, title: str) -> bytes:
    def rows():
        yield ["Om underlaget", title]
        for section in provenance.sections():
            yield []
            yield [section.title]
            if section.header:
                yield list(section.header)
            for values in section.rows:
                yield list(values)

    return _csv_bytes(rows())


def deterministic_zip(members: list[tuple[str, bytes]]) -> bytes:
    """A zip of `members` in the given order with fixed times and permissions."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            archive.writestr(info, content)
    return buffer.getvalue()


def write_csv(tables: list[ExportTable], provenance: Provenance, title: str) -> tuple[bytes, str]:
    """One table → one .csv; several → a .zip with one csv per table and om_underlaget.csv."""
    if len(tables) == 1:
        return write_csv_table(tables[0]), "csv"
    members = [(f"{t.name}.csv", write_csv_table(t)) for t in tables]
    members.append(("om_underlaget.csv", write_csv_provenance(provenance, title)))
    return deterministic_zip(members), "zip"


# --- parquet -----------------------------------------------------------------------------------------------


def parquet_bytes(rows: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(rows, buffer, compression="zstd")
    return buffer.getvalue()


def write_parquet(tables: list[ExportTable], provenance: Provenance, title: str) -> tuple[bytes, str]:
    """A .zip with one parquet file per table (served column names and types) and om_underlaget.json (the
    provenance, and each column's Swedish header)."""
    members = [(f"{t.name}.parquet", parquet_bytes(t.rows)) for t in tables]
    about = provenance.as_dict()
    about["title"] = title
    about["columns"] = {t.name: {n: labels.column_label(t.name, n) for n in t.rows.column_names} for t in tables}
    text = json.dumps(about, ensure_ascii=False, sort_keys=True, indent=2, default=str)
    members.append(("om_underlaget.json", text.encode("utf-8")))
    return deterministic_zip(members), "zip"


def write(fmt: str, tables: list[ExportTable], provenance: Provenance, title: str) -> tuple[bytes, str]:
    """The export's bytes and file extension."""
    if fmt == "xlsx":
        return write_xlsx(tables, provenance, title), "xlsx"
    if fmt == "csv":
        return write_csv(tables, provenance, title)
    if fmt == "parquet":
        return write_parquet(tables, provenance, title)
    raise ValueError(fmt)
