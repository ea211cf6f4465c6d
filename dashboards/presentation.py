"""How the indicator pages present figures (Resultat, Nationella prov, Frånvaro, Enkäter, Jämförelser): one place
for the rules the skolanalysgrupp reads by.

- Tiles carry the whole label (the catalogue's short title, never a title cut at a comma), the value with its
  unit, the change since the year before and the n behind the figure.
- A change is coloured by the indicator's direction: green when it is an improvement, red when it is a
  worsening, grey when the indicator has no direction (a cost) or when the change rounds to zero — the colour
  is chosen from the rounded change, so '-0,0' is never red.
- The reason codes '.' and '..' are explained under every table and chart that shows them.
- Line charts start at zero (shares 0–100 %, index 0–10), break where a value is missing (a hidden cell, or a
  year without data such as the national tests of 2020 and 2021) and speak Swedish: decimal comma, a space
  between thousands.
- Widgets in Swedish (no "Select all", no English placeholder).
- No label is cut with '…': tiles, links and chips wrap; no English toolbar (wrap_labels, added by app.py).

Data come from data.py; the charts' Swedish locale from intervals.localised.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import data
from dashboards.intervals import localised
from skolanalys.disclosure import respondents_text

GENDERS = {"T": "Totalt", "K": "Flickor", "M": "Pojkar"}
MISSING_TEXT = ".: uppgift saknas — inga elever i underlaget, eller ingen uppgift från källan det året."
NATIONAL_TESTS_MISSING_TEXT = (
    ".: uppgift saknas — proven ställdes in våren 2020 och 2021, eller inga elever skrev provet det året."
)
SURVEY_SUPPRESSED_TEXT = (
    f"..: resultatet redovisas inte (röjandekontroll): {respondents_text()}, eller dolt för att ett sådant "
    "resultat inte ska kunna räknas fram ur de andra."
)
GAP_TEXT = "Linjen bryts där ett värde är dolt (..) eller saknas (.): den dras inte över åren utan uppgift."
SUBJECTS = {
    "SV": "Svenska",
    "SVA": "Svenska som andraspråk",
    "EN": "Engelska",
    "MA": "Matematik",
    "BI": "Biologi",
    "FY": "Fysik",
    "KE": "Kemi",
    "GE": "Geografi",
    "HI": "Historia",
    "RE": "Religionskunskap",
    "SH": "Samhällskunskap",
}
# Units as the tiles write them after the number ('procent' is written by data.format_value).
UNIT_SUFFIX = {"poäng": " poäng", "index": " av 10", "kr": " kr"}
AXIS_FORMAT = ",~f"  # Vega's format with the Swedish locale: 2,5 and 1 234; no trailing zeros
PALETTE = ["#1f5fa6", "#e07b00", "#2e7d32", "#7b3fa0", "#c62828", "#00838f", "#6d4c41", "#ad1457", "#546e7a"]


# Streamlit cuts a tile's label, a link's text and a chosen item's chip with '…' when the column is narrow
# (a laptop screen): let them wrap instead, so no label is ever cut. And the toolbar Streamlit shows over a
# table or chart speaks English ("Download as CSV", "Search", "Fullscreen"): hidden — the sidebar has the
# downloads in Swedish. app.py adds this once per page view.
WRAP_LABELS_CSS = """<style>
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] *,
[data-testid="stPageLink-NavLink"] span, [data-testid="stPageLink-NavLink"] p,
[data-baseweb="tag"] span {
    white-space: normal !important;
    overflow: visible !important;
    text-overflow: clip !important;
    height: auto !important;
    max-width: none !important;
}
[data-baseweb="tag"] { height: auto !important; max-width: 100% !important; }
[data-testid="stElementToolbar"] { display: none !important; }
</style>"""


def wrap_labels() -> None:
    """No cut labels (tiles, links and chips wrap onto a second line rather than end in '…') and no English
    toolbar over tables and charts."""
    st.html(WRAP_LABELS_CSS)


# Goal status → (badge colour, icon, symbol in tables, cell tint), as Översikt and the report show it (docs/goals.md).
# Word + symbol + colour: readable without colour.
GOAL_STATUS = {
    "uppfyllt": ("green", ":material/check_circle:", "✔", "#d4f0e2"),
    "delvis uppfyllt": ("orange", ":material/contrast:", "◐", "#fde6bf"),
    "ej uppfyllt": ("red", ":material/cancel:", "✖", "#f8d3cc"),
    "kan inte mätas": ("gray", ":material/help:", "?", "#e8e8e8"),
}
# Action status → (symbol, cell tint).
ACTION_STATUS = {
    "ej påbörjad": ("○", "#e8e8e8"),
    "påbörjad": ("◔", "#d6e6f5"),
    "genomförd": ("●", "#d4f0e2"),
    "försenad": ("⚠", "#fde6bf"),
    "avförd": ("⊘", "#e8e8e8"),
}


# --- numbers ---------------------------------------------------------------------------------------------


def value_with_unit(value, status: str, unit: str) -> str:
    """A tile's value: '231,9 poäng', '79,8 %', '7,9 av 10' — or the reason code alone."""
    text = data.format_value(value, status or "", unit)
    if text in (".", "..") or status:
        return text
    return text + UNIT_SUFFIX.get(unit, "")


def count_text(n, noun: str = "elever") -> str | None:
    """'305 elever' (a space between thousands); None when there is no count."""
    if n is None or pd.isna(n):
        return None
    return f"{data.format_count(n)} {noun}"


@dataclass(frozen=True)
class Change:
    """A change shown on a tile: its text, its colour (st.metric's named colours) and its arrow."""

    text: str
    colour: str  # green (better), red (worse), gray (no direction, or no change)
    arrow: str  # up, down, off


def change(now, before, higher_is_better) -> Change | None:
    """The change from `before` to `now` as the tile shows it. The shown values (one decimal) are rounded
    first and the change is the difference of what the reader sees; a change that rounds to zero is '±0,0'
    in grey; a change of an indicator without a direction (higher_is_better None: costs, expected values) is
    grey."""
    if now is None or before is None or pd.isna(now) or pd.isna(before):
        return None
    diff = round(round(float(now), 1) - round(float(before), 1), 1)
    text = data.format_change(diff)
    if diff == 0:
        return Change(text, "gray", "off")
    arrow = "up" if diff > 0 else "down"
    if higher_is_better is None or pd.isna(higher_is_better):
        return Change(text, "gray", arrow)
    return Change(text, "green" if (diff > 0) == bool(higher_is_better) else "red", arrow)


# --- tiles -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    label: str  # the whole label: the catalogue's short title
    value: str  # with its unit (value_with_unit)
    change: Change | None = None
    since: str | None = None  # what the change is measured from, e.g. 'sedan 2023'
    note: str | None = None  # n and context, e.g. '305 elever · riket 223,9'
    help: str | None = None  # the full title and definition


def tiles(items: Sequence[Tile], per_row: int = 3) -> None:
    """Tiles in rows of `per_row` (three fit a 40-character label on a laptop screen)."""
    for start in range(0, len(items), per_row):
        columns = st.columns(per_row)
        for column, tile in zip(columns, items[start : start + per_row], strict=False):
            with column.container(border=True, height="stretch"):
                shown = tile.change
                st.metric(
                    tile.label,
                    tile.value,
                    delta=shown.text if shown else None,
                    delta_color=shown.colour if shown else "normal",
                    delta_arrow=shown.arrow if shown else "auto",
                    delta_description=tile.since if shown else None,
                    help=tile.help,
                )
                if tile.note:
                    st.caption(tile.note)


def short_titles(catalogue: pd.DataFrame) -> dict[str, str]:
    """indicator_id → the tile label: the catalogue's short title (an older snapshot without it: the title)."""
    titles = catalogue["title_sv"]
    if "short_title_sv" in catalogue.columns:
        titles = catalogue["short_title_sv"].where(catalogue["short_title_sv"].fillna("").str.strip() != "", titles)
    return dict(zip(catalogue["indicator_id"], titles, strict=True))


# --- codes -----------------------------------------------------------------------------------------------


def code_of(status) -> str:
    """A cell's status as the Skolor page and the report show it: '' shown, '..' hidden, '.' no value (a
    publisher's own status such as Kolada's 'Missing' is '.', its 'Privacy' '..': the page stays Swedish)."""
    status = status if isinstance(status, str) else ""
    if status in ("..", "Privacy"):
        return ".."
    return "." if status else ""


def explain_codes(
    codes: Iterable,
    suppressed_text: str = data.SUPPRESSED_TEXT,
    others: dict[str, str] | None = None,
    missing_text: str = MISSING_TEXT,
) -> None:
    """A caption explaining every reason code among `codes` (cell texts or statuses): '..', '.' and the
    publishers' own codes in `others` (code → meaning)."""
    present = {str(c) for c in codes if c is not None and not (isinstance(c, float) and pd.isna(c))}
    lines = []
    if ".." in present:
        lines.append(suppressed_text)
    if "." in present:
        lines.append(missing_text)
    for code, meaning in (others or {}).items():
        if code in present and code not in (".", ".."):
            lines.append(f"{code.replace('-', chr(92) + '-')}: {meaning}")
    if lines:
        st.caption("  \n".join(lines))


def cell_texts(frame: pd.DataFrame, value: str, unit: str, status: str = "status") -> list[str]:
    """Each row's value as the tables show it: one decimal and the unit's sign, or the reason code."""
    states = frame[status].fillna("") if status in frame.columns else [""] * len(frame)
    return [data.format_value(v, s, unit) for v, s in zip(frame[value], states, strict=True)]


def text_table(
    frame: pd.DataFrame,
    *,
    index: str,
    columns: str,
    values: str = "visat",
    index_order: Sequence | None = None,
    column_order: Sequence | None = None,
    index_name: str | None = None,
) -> pd.DataFrame:
    """The cell texts of `frame` as a table, rows and columns in the given order; a cell without a row is '.'
    (no figure), never blank."""
    if frame.empty:
        table = pd.DataFrame(index=pd.Index(list(index_order or [])), columns=list(column_order or []))
    else:
        table = frame.pivot_table(index=index, columns=columns, values=values, aggfunc="first")
    if index_order is not None:
        table = table.reindex(index=list(index_order))
    if column_order is not None:
        table = table.reindex(columns=list(column_order))
    table = table.astype(object).fillna(".")
    table.columns = [str(c) for c in table.columns]
    table.index.name = index_name or index
    return table


def show_table(table: pd.DataFrame, hide_index: bool = False, max_rows: int = 30) -> None:
    """A table of texts, every row visible up to `max_rows` (then it scrolls), full width."""
    height = "content" if len(table) <= max_rows else 38 + 35 * max_rows
    st.dataframe(table, hide_index=hide_index, width="stretch", height=height)


def count_texts(frame: pd.DataFrame) -> list[str]:
    """Each row's n as the tables show it: '1\u00a0204', or the reason code when the cell is hidden."""
    return [data.format_count(n, s) for n, s in zip(frame["n"], frame["status"].fillna(""), strict=True)]


def codes_in(table: pd.DataFrame, others: Iterable[str] = ()) -> set[str]:
    """The reason codes a table of texts shows: '.', '..' and any of the publisher's `others`."""
    known = {".", "..", *others}
    return {c for c in pd.unique(table.to_numpy().ravel()) if c in known}


# --- widgets ---------------------------------------------------------------------------------------------


def multiselect(
    label: str,
    options: Sequence,
    *,
    default: Sequence | None = None,
    format_func: Callable = str,
    key: str | None = None,
    container=st,
) -> list:
    """st.multiselect in Swedish: no 'Select all' entry, a Swedish placeholder."""
    return container.multiselect(
        label,
        options,
        default=default,
        format_func=format_func,
        key=key,
        placeholder="Välj en eller flera",
        select_all=False,
    )


def selectbox(label: str, options: Sequence, *, format_func: Callable = str, index: int = 0, key=None, container=st):
    """st.selectbox with a Swedish placeholder."""
    return container.selectbox(label, options, index=index, format_func=format_func, key=key, placeholder="Välj")


def gender_radio(key: str | None = None, container=st) -> str:
    return container.radio("Kön", list(GENDERS), format_func=GENDERS.get, horizontal=True, key=key)


# --- charts ----------------------------------------------------------------------------------------------


def y_scale(unit: str, full_share: bool = True) -> alt.Scale:
    """An axis that does not exaggerate: shares 0–100 % (or from 0 when `full_share` is False, for small
    shares such as absence), index 0–10, everything else from 0."""
    if unit == "procent" and full_share:
        return alt.Scale(domain=[0, 100])
    if unit == "index":
        return alt.Scale(domain=[0, 10])
    return alt.Scale(zero=True, nice=True)


def unit_title(unit: str) -> str:
    return {"procent": "Andel (%)", "poäng": "Poäng", "index": "Index 0–10", "kr": "Kronor"}.get(unit, unit or "")


def break_at_gaps(frame: pd.DataFrame, *, x: str, x_order: Sequence, series: str, y: str) -> pd.DataFrame:
    """The rows with a value, each with a `segment` that changes wherever the series has no value at a step
    of `x_order` (hidden, missing, or no row at all): a line drawn per series and segment breaks there."""
    rows = []
    position = {v: i for i, v in enumerate(x_order)}
    for name, part in frame.groupby(series, sort=False):
        known = part.dropna(subset=[y])
        steps = sorted(position[v] for v in known[x] if v in position)
        segment, previous, segments = 0, None, {}
        for step in steps:
            if previous is not None and step != previous + 1:
                segment += 1
            segments[step] = segment
            previous = step
        known = known[known[x].isin(position)].copy()
        known["segment"] = [f"{name}|{segments[position[v]]}" for v in known[x]]
        rows.append(known)
    return pd.concat(rows, ignore_index=True) if rows else frame.iloc[0:0].assign(segment="")


def line_chart(
    frame: pd.DataFrame,
    *,
    x: str,
    x_order: Sequence,
    y: str,
    series: str,
    unit: str,
    x_title: str = "År",
    series_title: str = "",
    series_order: Sequence | None = None,
    colours: dict[str, str] | None = None,
    dashed: Iterable[str] = (),
    tooltip: list | None = None,
    full_share: bool = True,
    height: int = 320,
) -> alt.TopLevelMixin | None:
    """Lines of `y` over the steps `x_order` (years, or terms), one per `series`, with a point at every value
    and a break wherever a value is missing; series in `dashed` (riket, liknande kommuner) are dashed.
    None when there is nothing to draw."""
    drawn = break_at_gaps(frame, x=x, x_order=list(x_order), series=series, y=y)
    if drawn.empty:
        return None
    names = list(series_order or pd.unique(frame[series]))
    present = set(drawn[series])
    names = [n for n in names if n in present]
    palette = colours or {}
    spare = iter(c for c in PALETTE if c not in palette.values())
    colour_range = [palette.get(n) or next(spare, "#888888") for n in names]
    drawn["streckad"] = drawn[series].isin(set(dashed))
    base = alt.Chart(drawn).encode(
        x=alt.X(
            f"{x}:O",
            title=x_title,
            sort=list(x_order),
            scale=alt.Scale(domain=list(x_order)),
            axis=alt.Axis(labelAngle=0, labelOverlap=True),
        ),
        y=alt.Y(f"{y}:Q", title=unit_title(unit), scale=y_scale(unit, full_share), axis=alt.Axis(format=AXIS_FORMAT)),
        color=alt.Color(
            f"{series}:N",
            title=series_title,
            sort=names,
            scale=alt.Scale(domain=names, range=colour_range),
            legend=alt.Legend(orient="bottom", columns=min(4, len(names)), labelLimit=400),
        ),
    )
    # Channels as Altair's own classes: given as a text or a dict, Altair looks for the class by trying its schemas
    # (~12 ms a chart; a report draws hundreds).
    lines = base.mark_line(strokeWidth=2.5).encode(
        detail=alt.Detail("segment:N"),
        strokeDash=alt.StrokeDashValue(**alt.condition("datum.streckad", alt.value([6, 4]), alt.value([1, 0]))),
    )
    points = base.mark_point(filled=True, size=60, opacity=1).encode(tooltip=tooltip or alt.Undefined)
    return localised(alt.layer(lines, points, height=height))


def show_chart(chart) -> None:
    if chart is not None:
        st.altair_chart(chart, width="stretch")


def keep_together(text):
    """A short text that must not break over two lines in a table cell ('✔ uppfyllt', 'minst 90 %')."""
    return text.replace(" ", "\u00a0") if isinstance(text, str) else text


# Whether a source's data are in → (badge colour, icon, symbol): word + symbol + colour, readable without colour.
HOLDING_STATUS = {
    "inne": ("green", ":material/check_circle:", "✔"),
    "gammal": ("orange", ":material/history:", "◐"),
    "saknas": ("red", ":material/cancel:", "✖"),
}


def holdings_table(held, latest_header: str, loaded_header: str):
    """The "Vad finns inne och vad saknas" table of Årshjul and Datakvalitet, from inventory.holdings()."""
    return pd.DataFrame(
        {
            "Status": [keep_together(f"{HOLDING_STATUS[h.status][2]} {h.status}") for h in held],
            "Uppgifter": [h.title for h in held],
            "Var ifrån": [h.origin.replace("`", "") for h in held],
            latest_header: [h.latest or "inget publicerat" for h in held],
            loaded_header: [h.loaded for h in held],
        }
    ).style.hide(axis="index")
