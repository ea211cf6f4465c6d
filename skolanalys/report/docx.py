"""The report as DOCX for the förvaltning to edit: real headings (Rubrik 1–3, so Word's navigation and table of
contents work), real tables with a repeating header row, the charts as pictures, the rooms for analysis as
marked boxes, Swedish as the document's language (spelling and hyphenation)."""

from __future__ import annotations

import functools
import io
import itertools
import zipfile
from collections.abc import Iterator
from copy import deepcopy
from pathlib import Path

import docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.image.image import Image
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.opc.packuri import PackURI
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.shape import CT_Inline
from docx.parts.image import ImagePart
from docx.shared import Cm, Pt, RGBColor

from skolanalys.report import charts
from skolanalys.report.model import (
    BulletList,
    Contents,
    Figure,
    Heading,
    PageBreak,
    Paragraph,
    Placeholder,
    Report,
    Table,
    numbered,
)

TEXT_WIDTH_CM = 16.6  # A4 less the margins
NOTE_COLOUR = RGBColor(0x46, 0x46, 0x46)
HEADER_FILL = "E4E4E4"
TEXT_PATH = f"{qn('w:p')}/{qn('w:r')}/{qn('w:t')}"  # a table cell's one text element
PLACEHOLDER_FILL = "F2F6FB"
TOC_HINT = "Högerklicka här och välj Uppdatera fält för att visa innehållsförteckningen."


def render(report: Report, path: Path) -> Path:
    document = docx.Document()
    # python-docx finds a style given by name by an XPath over every style, for each heading, caption and table
    # (~6 % of a report's time); the ids do not change while the document is written, so each is looked up once.
    document.part.get_style_id = functools.cache(document.part.get_style_id)
    _setup(document, report)
    _title_page(document, report)
    # The pictures' ids counted (_picture), from the first free one.
    shape_ids = itertools.count(document.part.next_id)
    for block, label in numbered(report.blocks):
        _block(document, block, label, shape_ids)
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(_fixed_zip_times(buffer.getvalue(), report))
    return path


def _setup(document, report: Report) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin, section.bottom_margin = Cm(2.2), Cm(2.2)
    normal = document.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10.5)
    # Swedish for the whole document: Word's spelling and hyphenation follow the language of the text.
    defaults = document.styles.element.find(qn("w:docDefaults"))
    run_defaults = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = run_defaults.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        run_defaults.append(lang)
    lang.set(qn("w:val"), "sv-SE")
    hyphenation = OxmlElement("w:autoHyphenation")
    hyphenation.set(qn("w:val"), "true")
    document.settings.element.append(hyphenation)
    properties = document.core_properties
    properties.title = report.title
    properties.subject = report.subtitle
    properties.author = report.author
    properties.last_modified_by = report.author
    properties.language = "sv-SE"
    properties.keywords = ", ".join(report.keywords)
    properties.revision = 1
    # The snapshot's time, never the time of drafting: the same snapshot gives the same document.
    moment = report.date.replace(tzinfo=None, microsecond=0)
    properties.created = properties.modified = moment
    properties.last_printed = moment
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _note_run(footer, f"{report.title} · {report.subtitle} · sida ")
    _field(footer, "PAGE", "1")


def _title_page(document, report: Report) -> None:
    document.add_paragraph(report.title, style="Title")
    document.add_paragraph(report.subtitle, style="Subtitle")
    for line in report.meta:
        paragraph = document.add_paragraph()
        _note_run(paragraph, line, size=9.5)
    document.add_page_break()


def _block(document, block, label: str | None, shape_ids: Iterator[int]) -> None:
    if isinstance(block, Heading):
        document.add_heading(block.text, level=block.level)
    elif isinstance(block, Paragraph):
        paragraph = document.add_paragraph()
        for run in block.runs:
            if block.style == "note":
                _note_run(paragraph, run.text, bold=run.bold, italic=run.italic)
            else:
                added = paragraph.add_run(run.text)
                added.bold, added.italic = run.bold or None, run.italic or None
                if block.style == "lead":
                    added.font.size = Pt(11.5)
    elif isinstance(block, BulletList):
        for item in block.items:
            document.add_paragraph(item, style="List Bullet")
    elif isinstance(block, Table):
        _table(document, block, label)
    elif isinstance(block, Figure):
        _figure(document, block, label, shape_ids)
    elif isinstance(block, Placeholder):
        _placeholder(document, block)
    elif isinstance(block, PageBreak):
        document.add_page_break()
    elif isinstance(block, Contents):
        heading = document.add_paragraph(block.title, style="Title")
        heading.runs[0].font.size = Pt(18)
        _field(document.add_paragraph(), 'TOC \\o "1-2" \\h \\z \\u', TOC_HINT)
        # Word offers to update the fields (the table of contents) when the document is opened.
        update = OxmlElement("w:updateFields")
        update.set(qn("w:val"), "true")
        document.settings.element.append(update)
        document.add_page_break()
    else:
        raise TypeError(f"unknown block {type(block).__name__}")


def _note_run(paragraph, text: str, *, size: float = 8, bold: bool = False, italic: bool = False):
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.font.color.rgb = NOTE_COLOUR
    run.bold, run.italic = bold or None, italic or None
    return run


def _field(paragraph, instruction: str, shown: str) -> None:
    """A Word field (PAGE, TOC) with the text shown until Word updates it."""
    for kind, text in (("begin", None), ("instr", instruction), ("separate", None), ("text", shown), ("end", None)):
        run = paragraph.add_run()
        if kind == "instr":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        elif kind == "text":
            element = OxmlElement("w:t")
            element.text = text
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        run._r.append(element)


def _shade(cell, fill: str) -> None:
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill.lstrip("#").upper())
    properties.append(shading)


def _caption(document, text: str, *, keep_with_next: bool) -> None:
    paragraph = document.add_paragraph(style="Caption")
    paragraph.add_run(text)
    paragraph.paragraph_format.keep_with_next = keep_with_next
    paragraph.paragraph_format.space_after = Pt(3)


def _source(document, text: str, notes: tuple[str, ...]) -> None:
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(2)
    for i, line in enumerate((text, *notes)):
        if i:
            paragraph.add_run().add_break()
        _note_run(paragraph, line, size=7.5)


def _table(document, table: Table, label: str | None) -> None:
    _caption(document, f"{label}. {table.caption}" if label else table.caption, keep_with_next=True)
    grid = document.add_table(rows=1 + len(table.rows), cols=len(table.header))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    weights = table.column_widths()
    widths = [Cm(TEXT_WIDTH_CM * w / sum(weights)) for w in weights]
    right = table.right_aligned()
    _narrow_margins(grid)
    # The grid's column widths too: LibreOffice lays a table out by them, Word by the cells'.
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = width
    header_row = grid.rows[0]
    # The header row repeats on every page the table runs over.
    row_properties = header_row._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    row_properties.append(repeat)
    # A cell's XML depends only on its column, whether it is the header, its fill and its text. The first cell of
    # each such look is built through python-docx; the others of plain text are copies of it with their own text
    # (python-docx's proxies for every cell were most of a storstad report's tables). Each row's cells are looked
    # up once: python-docx finds a row and its cells by XPath on every access.
    looks: dict[tuple, object] = {}
    for r, (row, texts) in enumerate(zip(grid.rows, (table.header, *table.rows), strict=True)):
        for c, (cell, text) in enumerate(zip(row.cells, texts, strict=True)):
            fill = HEADER_FILL if r == 0 else (table.fills[r - 1][c] if table.fills else None)
            look, plain = (c, r == 0, fill), _plain(text)
            if plain and look in looks:
                copy = deepcopy(looks[look])
                copy.find(TEXT_PATH).text = text
                cell._tc.getparent().replace(cell._tc, copy)
                continue
            cell.width = widths[c]
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.space_after = Pt(0)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if right[c] else WD_ALIGN_PARAGRAPH.LEFT
            run = paragraph.add_run(text)
            run.font.size = Pt(8)
            if r == 0:
                run.bold = True
            if fill:
                _shade(cell, fill)
            if plain:
                looks[look] = cell._tc  # left as it is from here on: the model for the look's later cells
    _source(document, table.source, table.notes)


def _plain(text: str) -> bool:
    """Text that python-docx writes as one <w:t> without xml:space: no tab or line break (their own elements),
    no white space at either end (xml:space="preserve"), not empty (no <w:t> at all)."""
    return bool(text) and text.strip() == text and not any(ch in text for ch in "\t\r\n")


def _narrow_margins(grid) -> None:
    """Cell margins of 0,1 cm left and right (Word's default is 0,19 cm): a year column of a five-year table
    then holds '100,0 %' on one line."""
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), "57")
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    grid._tbl.tblPr.append(margins)


def _figure(document, figure: Figure, label: str | None, shape_ids: Iterator[int]) -> None:
    picture = document.add_paragraph()
    _picture(picture.add_run(), charts.png(figure.chart), Cm(TEXT_WIDTH_CM * figure.width), next(shape_ids))
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture.paragraph_format.keep_with_next = True
    _caption(document, f"{label}. {figure.caption}" if label else figure.caption, keep_with_next=True)
    _source(document, figure.source, figure.notes)


def _picture(run, png: bytes, width: Cm, shape_id: int) -> None:
    """Run.add_picture without its two searches, each of which made a report with hundreds of charts quadratic:
    python-docx finds a new picture's id by searching the whole document for the largest one (StoryPart.next_id;
    python-docx issue #455; storstad's 140 schools: ~40 s of 4.5 minutes), and looks for an equal picture already
    in the document by hashing every one of them (ImageParts.get_or_add_image_part: 134,000 SHA-1s of ~60 kB for
    storstad's 518 charts, ~5 s). Each chart is a picture part of its own, named as python-docx names the next."""
    images = run.part.package.image_parts
    image = Image.from_blob(png)
    part = ImagePart.from_image(image, PackURI(f"/word/media/image{len(images) + 1}.{image.ext}"))
    images.append(part)
    r_id = run.part.relate_to(part, RELATIONSHIP_TYPE.IMAGE)
    cx, cy = image.scaled_dimensions(width, None)
    run._r.add_drawing(CT_Inline.new_pic_inline(shape_id, r_id, image.filename, cx, cy))


def _placeholder(document, block: Placeholder) -> None:
    """A one-cell shaded box: the title, what to write, and empty lines to write in."""
    box = document.add_table(rows=1, cols=1)
    box.style = "Table Grid"
    box.autofit = False
    keep = OxmlElement("w:cantSplit")  # the box stays on one page
    box.rows[0]._tr.get_or_add_trPr().append(keep)
    cell = box.rows[0].cells[0]
    cell.width = Cm(TEXT_WIDTH_CM)
    _shade(cell, PLACEHOLDER_FILL)
    title = cell.paragraphs[0].add_run(block.title)
    title.bold = True
    prompt = cell.add_paragraph().add_run(block.prompt)
    prompt.italic = True
    prompt.font.size = Pt(9)
    prompt.font.color.rgb = NOTE_COLOUR
    for _ in range(4):
        cell.add_paragraph()
    document.add_paragraph()


def _fixed_zip_times(blob: bytes, report: Report) -> bytes:
    """The package with every part dated at the snapshot's time (zipfile stamps them with the time of saving),
    so the same snapshot gives a byte-identical file."""
    moment = report.date
    stamp = (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, moment.second)
    source = zipfile.ZipFile(io.BytesIO(blob))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = item.external_attr
            target.writestr(info, source.read(item.filename))
    return out.getvalue()
