"""Shared by the Förädlingsvärde and Likvärdighet pages: estimates with their 95 % intervals as
dot-and-whisker charts (never a value without its uncertainty), and the labels of units and statuses. The
pages get their rows from data.py."""

from __future__ import annotations

import altair as alt
import pandas as pd

from dashboards import data

ROW_HEIGHT = 30  # pixels per category of a horizontal chart: every school's name stays readable


def interval_chart(
    frame: pd.DataFrame,
    *,
    category: str,
    value: str,
    low: str,
    high: str,
    colour: str,
    value_title: str,
    colour_title: str,
    category_title: str | None = None,
    category_order: list | None = None,
    colours: dict[str, str] | None = None,
    offset: str | None = None,
    horizontal: bool = True,
    tooltip: list | None = None,
    shape: str | None = None,
) -> alt.LayerChart:
    """Points at `value` with rules from `low` to `high` per `category` (schools down the side, or years along
    the bottom), a dashed line at 0, coloured by `colour`; `offset` puts several series side by side."""
    scale = alt.Scale(domain=list(colours), range=list(colours.values())) if colours else alt.Undefined
    colour_enc = alt.Color(f"{colour}:N", title=colour_title, scale=scale, legend=alt.Legend(orient="bottom"))
    cat_axis = alt.Axis(labelLimit=320, labelAngle=0) if horizontal else alt.Axis(labelAngle=0)
    cat = (alt.Y if horizontal else alt.X)(f"{category}:N", title=category_title, sort=category_order, axis=cat_axis)
    val = (alt.X if horizontal else alt.Y)(f"{value}:Q", title=value_title, scale=alt.Scale(zero=False))
    val_low = (alt.X if horizontal else alt.Y)(f"{low}:Q", title=value_title)
    val_high = (alt.X2 if horizontal else alt.Y2)(f"{high}:Q")
    encodings = {("y" if horizontal else "x"): cat, "color": colour_enc}
    if offset:
        encodings["yOffset" if horizontal else "xOffset"] = (
            alt.YOffset(f"{offset}:N") if horizontal else alt.XOffset(f"{offset}:N")
        )
    base = alt.Chart(frame).encode(**encodings)
    whiskers = base.mark_rule(strokeWidth=2.5).encode(
        **{("x" if horizontal else "y"): val_low, ("x2" if horizontal else "y2"): val_high}
    )
    dot = base.mark_point(filled=True, size=90, opacity=1).encode(
        **{("x" if horizontal else "y"): val}, tooltip=tooltip or alt.Undefined
    )
    if shape:
        dot = dot.encode(shape=alt.Shape(f"{shape}:N", title="", legend=alt.Legend(orient="bottom")))
    zero_frame = pd.DataFrame({"noll": [0.0]})
    zero_enc = {("x" if horizontal else "y"): alt.X("noll:Q") if horizontal else alt.Y("noll:Q")}
    zero = alt.Chart(zero_frame).mark_rule(color="#555555", strokeDash=[4, 4]).encode(**zero_enc)
    layered = alt.layer(zero, whiskers, dot)
    if horizontal:
        per_category = 18 * frame[offset].nunique() + 10 if offset else ROW_HEIGHT
        layered = layered.properties(height=max(60, per_category * frame[category].nunique()))
    else:
        layered = layered.properties(height=280)
    return layered


def localised(chart) -> alt.TopLevelMixin:
    """The chart with Swedish number and date formats (decimal comma). Its height is that of the plot: axes
    and legends are added below (Streamlit's default fits them inside the height and squeezes the rows)."""
    # One copy of the chart, its configuration set on that copy: what `.configure(locale=…).configure_legend(…)`
    # gives, without the two copies more (each copy of a layered chart copies its layers deeply: ~5 ms a step).
    copy = chart.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    copy.config = alt.Config(locale=data.CHART_LOCALE, legend=alt.LegendConfig(labelLimit=400, titleLimit=400))
    return copy


def unit_labels(frame: pd.DataFrame) -> pd.Series:
    """What a row's unit is called: the school unit's name ('Skolenhet <kod>' without one), the kommun's name
    with '(kommunen)' — or 'Kommunen' when the row carries no proper name for it."""
    fallback = "Skolenhet " + frame["unit_code"].astype(str)
    names = frame["unit_name"].fillna(fallback) if "unit_name" in frame.columns else fallback
    if "level" not in frame.columns:
        return names
    kommun = frame["level"] == "kommun"
    proper = ~names.str.startswith("Skolenhet ")
    return names.where(~kommun, (names + " (kommunen)").where(proper, "Kommunen"))


def statuses(frame: pd.DataFrame) -> pd.Series:
    """The rows' disclosure status: '' shown, '..' hidden (a missing status counts as shown)."""
    return frame["status"].fillna("") if "status" in frame.columns else pd.Series("", index=frame.index)
