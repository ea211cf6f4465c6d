"""The report as PDF for publishing: Typst markup generated from the document model, compiled by Typst's
Python binding. Every text from the data or a goals file enters the markup as a Typst string literal
(`string`), never as markup, so a '#', '*', '$', '<' or '//' in a school's name or an action is printed as
written and cannot run as Typst code."""

from __future__ import annotations

import tempfile
from pathlib import Path

import typst

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

FONTS = '("Liberation Sans", "DejaVu Sans", "Libertinus Serif")'  # the first found; DejaVu has ✔ ◐ ⚠
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def string(text: str) -> str:
    """`text` as a Typst string literal: backslash, quote and line breaks escaped; other control characters
    (which no document should carry) dropped."""
    out = []
    for char in str(text):
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 32 or 0x7F <= ord(char) < 0xA0:
            continue
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _colour(hex_colour: str) -> str:
    return f"rgb({string(hex_colour)})"


PREAMBLE = """\
#set document(title: {title}, author: {author}, date: datetime(year: {y}, month: {m}, day: {d}))
#set text(lang: "sv", region: "se", font: {fonts}, size: 10pt, hyphenate: true)
#set par(justify: true, leading: 0.62em, spacing: 0.9em)
#set page(
  paper: "a4",
  margin: (x: 2.2cm, top: 2.4cm, bottom: 2.2cm),
  header: context {{
    if counter(page).get().first() > 1 {{
      set text(size: 8pt, fill: luma(90))
      [#{title} #h(1fr) #{subtitle}]
    }}
  }},
  footer: context {{
    set align(center)
    set text(size: 8pt, fill: luma(90))
    [Sida #counter(page).display() av #counter(page).final().first()]
  }},
)
#show heading: set par(justify: false)
#show heading: set text(hyphenate: false, fill: rgb("#1f3b5c"))
#show heading.where(level: 1): set text(size: 19pt)
#show heading.where(level: 1): set block(below: 1em)
#show heading.where(level: 2): set text(size: 14.5pt)
#show heading.where(level: 2): set block(above: 1.6em, below: 0.8em)
#show heading.where(level: 3): set text(size: 11.5pt)
#show heading.where(level: 3): set block(above: 1.3em, below: 0.6em)
#set table(stroke: 0.5pt + luma(170), inset: (x: 4pt, y: 3.2pt))
#show table: set text(size: 8pt)
#show table: set par(justify: false, leading: 0.45em)
#show outline.entry.where(level: 1): set text(weight: "bold")
"""


def markup(report: Report, images: dict[int, str]) -> str:
    """The Typst source of `report`; `images` names the file of each figure (by its index in the blocks)."""
    date = report.date
    parts = [
        PREAMBLE.format(
            title=string(report.title),
            subtitle=string(report.subtitle),
            author=string(report.author),
            fonts=FONTS,
            y=date.year,
            m=date.month,
            d=date.day,
        ),
        _title_page(report),
    ]
    for index, (block, label) in enumerate(numbered(report.blocks)):
        parts.append(_block(block, label, images.get(index)))
    return "\n".join(parts) + "\n"


def _title_page(report: Report) -> str:
    meta = "".join(f"#{string(line)}#linebreak()" for line in report.meta)
    return (
        "#v(5cm)\n"
        f'#text(size: 28pt, weight: "bold", fill: rgb("#1f3b5c"), hyphenate: false)[#{string(report.title)}]\n\n'
        f"#text(size: 15pt)[#{string(report.subtitle)}]\n\n"
        "#v(1.5cm)\n"
        f"#text(size: 9.5pt, fill: luma(60))[{meta}]\n"
        "#pagebreak()\n"
    )


def _runs(paragraph: Paragraph) -> str:
    out = []
    for run in paragraph.runs:
        text = string(run.text)
        if run.bold:
            text = f"strong({text})"
        if run.italic:
            text = f"emph({text})"
        out.append(f"#{text}")
    return "".join(out)


def _block(block, label: str | None, image: str | None) -> str:
    if isinstance(block, Heading):
        return f"#heading(level: {block.level}, {string(block.text)})\n"
    if isinstance(block, Paragraph):
        body = _runs(block)
        if block.style == "note":
            return f"#text(size: 8pt, fill: luma(70))[{body}]\n"
        if block.style == "lead":
            return f"#text(size: 11pt)[{body}]\n"
        return body + "\n"
    if isinstance(block, BulletList):
        return "#list(" + ", ".join(string(item) for item in block.items) + ")\n"
    if isinstance(block, Table):
        return _table(block, label)
    if isinstance(block, Figure):
        return _figure(block, label, image)
    if isinstance(block, Placeholder):
        return (
            '#block(width: 100%, inset: 9pt, radius: 2pt, fill: rgb("#f2f6fb"), '
            'stroke: (paint: rgb("#1f5fa6"), thickness: 0.8pt, dash: "dashed"), breakable: false)['
            f"#strong({string(block.title)})#linebreak()"
            f"#text(size: 9pt, fill: luma(60))[#emph({string(block.prompt)})]#v(2.6cm)]\n"
        )
    if isinstance(block, PageBreak):
        return "#pagebreak(weak: true)\n"
    if isinstance(block, Contents):
        return f"#outline(title: {string(block.title)}, depth: 2)\n#pagebreak(weak: true)\n"
    raise TypeError(f"unknown block {type(block).__name__}")


def _source(text: str, notes: tuple[str, ...]) -> str:
    lines = [string(text)] + [string(note) for note in notes]
    body = "#linebreak()".join(f"#{line}" for line in lines)
    return f"#block(above: 0.45em, below: 1.1em)[#text(size: 7.5pt, fill: luma(70))[{body}]]\n"


def _table(table: Table, label: str | None) -> str:
    columns = ", ".join(f"{w:g}fr" for w in table.column_widths())
    align = ", ".join("right" if right else "left" for right in table.right_aligned())
    header = ", ".join(
        f"table.cell(align: {'right' if right else 'left'})[#strong({string(text)})]"
        for text, right in zip(table.header, table.right_aligned(), strict=True)
    )
    cells = []
    for r, row in enumerate(table.rows):
        for c, text in enumerate(row):
            fill = table.fills[r][c] if table.fills else None
            cells.append(f"table.cell(fill: {_colour(fill)}, {string(text)})" if fill else string(text))
    caption = f"{label}. {table.caption}" if label else table.caption
    return (
        f'#block(below: 0.35em, sticky: true)[#text(weight: "bold", size: 9pt)[#{string(caption)}]]\n'
        f"#table(columns: ({columns},), align: ({align},), fill: (x, y) => if y == 0 {{ luma(228) }},\n"
        f"  table.header({header}),\n  " + ",\n  ".join(cells) + (",\n" if cells else "\n") + ")\n"
    ) + _source(table.source, table.notes)


def _figure(figure: Figure, label: str | None, image: str | None) -> str:
    """The chart, its caption and its source line on one page, never apart."""
    caption = f"{label}. {figure.caption}" if label else figure.caption
    return (
        "#block(breakable: false, above: 1em)["
        f"#image({string(image or '')}, width: {figure.width * 100:g}%)"
        f'#v(0.2em)#text(weight: "bold", size: 9pt)[#{string(caption)}]\n'
        + _source(figure.source, figure.notes)
        + "]\n"
    )


def render(report: Report, path: Path) -> Path:
    """Write `report` as PDF to `path` (figures as SVG files beside the markup in a temporary folder)."""
    with tempfile.TemporaryDirectory(prefix="skolanalys-rapport-") as folder:
        root = Path(folder)
        images = {}
        for index, block in enumerate(report.blocks):
            if isinstance(block, Figure):
                name = f"figur-{index}.svg"
                (root / name).write_text(charts.svg(block.chart), encoding="utf-8")
                images[index] = name
        source = root / "rapport.typ"
        source.write_text(markup(report, images), encoding="utf-8")
        pdf = typst.compile(str(source), root=str(root), format="pdf", timestamp=int(report.date.timestamp()))
    path.write_bytes(pdf)
    return path
