"""The report as one intermediate document model: content.py builds it from the snapshot, docx.py and pdf.py
render it. Every text is final (Swedish, numbers already formatted): the renderers only lay it out, so the two
formats cannot disagree about a figure."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Run:
    """A piece of a paragraph's text, optionally bold or italic."""

    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class Paragraph:
    runs: tuple[Run, ...]
    style: str = "body"  # body | lead (the first words of a part) | note (small: explanations, sources)

    @classmethod
    def of(cls, text: str, style: str = "body", *, bold: bool = False, italic: bool = False) -> Paragraph:
        return cls((Run(text, bold, italic),), style)

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


@dataclass(frozen=True)
class Heading:
    text: str
    level: int  # 1 a part (Kommunen, a school), 2 one of the four questions, 3 a stage or topic


@dataclass(frozen=True)
class BulletList:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A table of texts with its caption above and its source line and code explanations below."""

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    source: str
    notes: tuple[str, ...] = ()
    # Relative column widths (None: the first column twice as wide as the others).
    widths: tuple[float, ...] | None = None
    # Columns of figures, right-aligned (None: every column but the first).
    numeric: tuple[bool, ...] | None = None
    # Background colour per cell ('#rrggbb' or None), parallel to rows; None: no colours.
    fills: tuple[tuple[str | None, ...], ...] | None = None

    def column_widths(self) -> tuple[float, ...]:
        if self.widths is not None:
            return self.widths
        return (2.0,) + (1.0,) * (len(self.header) - 1)

    def right_aligned(self) -> tuple[bool, ...]:
        if self.numeric is not None:
            return self.numeric
        return (False,) + (True,) * (len(self.header) - 1)


@dataclass(frozen=True)
class Figure:
    """A chart (a Vega-Lite spec, charts.py; each renderer draws it), with its caption below and its source
    line."""

    caption: str
    chart: dict
    source: str
    notes: tuple[str, ...] = ()
    width: float = 1.0  # share of the text width


@dataclass(frozen=True)
class Placeholder:
    """Clearly marked room for the school's or förvaltning's own text (analysis, actions)."""

    title: str
    prompt: str


@dataclass(frozen=True)
class PageBreak:
    pass


@dataclass(frozen=True)
class Contents:
    """The table of contents (headings of level 1 and 2)."""

    title: str = "Innehåll"


Block = Paragraph | Heading | BulletList | Table | Figure | Placeholder | PageBreak | Contents


@dataclass(frozen=True)
class Report:
    title: str
    subtitle: str
    meta: tuple[str, ...]  # lines under the title: school year, the snapshot it was drawn from
    blocks: tuple[Block, ...]
    date: datetime  # the snapshot's publication time: the documents' date, never the time of drafting
    author: str = "Skolanalys"
    keywords: tuple[str, ...] = field(default_factory=tuple)


def numbered(blocks: tuple[Block, ...]) -> Iterator[tuple[Block, str | None]]:
    """Each block with its label ('Tabell 3', 'Figur 2') when it is a table or a figure: both renderers
    number the same way."""
    tables = figures = 0
    for block in blocks:
        if isinstance(block, Table):
            tables += 1
            yield block, f"Tabell {tables}"
        elif isinstance(block, Figure):
            figures += 1
            yield block, f"Figur {figures}"
        else:
            yield block, None
