"""Charts: the dashboard's own Altair line chart (dashboards/presentation.py::line_chart: axes from zero, decimal
comma, a break wherever a value is hidden or missing, riket and liknande kommuner dashed) as a Vega-Lite spec at a
fixed width, so that it fits the page; vl-convert draws it as SVG: the PDF takes the SVG (vector graphics: sharp at
any zoom, and a 1,200-page report's hundreds of charts are not held as decoded pictures — storstad's PDF took 3.8
GiB with PNG charts), the DOCX a PNG rasterised from the same SVG (what Word shows everywhere)."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pandas as pd
import vl_convert

from skolanalys.report import rules

WIDTH = 620  # pixels of the plot; with the axes the image fills a page's text width
HEIGHT = 210
SCALE = 2  # twice the pixels: sharp in print at 16 cm


def line_spec(
    frame: pd.DataFrame,
    *,
    years: Sequence[int],
    unit: str,
    series_order: Sequence[str],
    colours: dict[str, str] | None = None,
    dashed: Sequence[str] = (),
    full_share: bool = True,
) -> dict | None:
    """Lines of `frame` (columns year, value, series) over `years` as a Vega-Lite spec; None when there is
    nothing to draw."""
    chart = rules.line_chart(
        frame,
        x="year",
        x_order=list(years),
        y="value",
        series="series",
        unit=unit,
        series_order=list(series_order),
        colours=colours,
        dashed=tuple(dashed),
        full_share=full_share,
        height=HEIGHT,
    )
    if chart is None:
        return None
    chart.width = WIDTH  # set on the chart made here, not on a copy of it
    return chart.to_dict(validate=False)  # the dashboard's chart, validated there


def png(spec: dict) -> bytes:
    # The same bytes as vegalite_to_png, which draws the SVG and rasterises it: drawn once, the SVG serves both.
    return vl_convert.svg_to_png(svg(spec), scale=SCALE)


def svg(spec: dict) -> str:
    # Keyed by the spec's text, drawn from the spec itself: vl-convert reads a NaN in a dict, not in JSON text.
    key = json.dumps(spec, default=repr)
    drawn = _DRAWN.get(key)
    if drawn is None:
        drawn = vl_convert.vegalite_to_svg(spec)
        if len(_DRAWN) >= DRAWN_KEPT:
            del _DRAWN[next(iter(_DRAWN))]  # the oldest
        _DRAWN[key] = drawn
    return drawn


# A report written as DOCX and PDF draws each chart once: storstad's huvudman report has 518 charts, ~15 kB of SVG
# each (a cache smaller than a report would miss on every chart, its oldest evicted before the second format).
DRAWN_KEPT = 2048
_DRAWN: dict[str, str] = {}
