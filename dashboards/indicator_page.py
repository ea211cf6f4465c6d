"""Indicators of a topic, per school unit and for the municipality, by year and gender: an overview of the
latest year in tiles (whole label, unit, n, change coloured by the indicator's direction), a table (suppressed
cells as '..', missing as '.', never 0 or blank — both explained) and a trend chart from zero that breaks where
a year has no value, with riket and liknande kommuner beside where the indicator is a Kolada KPI.

`render` draws a whole page of one topic; the pages that show more (Resultat, Nationella prov) call `load`,
`overview` and `explorer` themselves. Presentation rules: dashboards/presentation.py."""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import data
from dashboards import presentation as ui

RIKET = "Riket (Kolada)"
SIMILAR = "Liknande kommuner, medel (Kolada)"
BENCHMARK_COLOURS = {RIKET: "#555555", SIMILAR: "#e07b00"}
NO_VALUES = "Serveringsfilen innehåller inga beräknade värden för det här området ännu."
YEARS_SHOWN = 10  # years in the explorer's table and chart


@dataclass(frozen=True)
class Indicators:
    """One topic's catalogue and its locally computed values."""

    catalogue: pd.DataFrame
    values: pd.DataFrame  # source 'local' only
    ids: tuple[str, ...]
    titles: dict[str, str]
    short: dict[str, str]
    units: dict[str, str]
    directions: dict[str, object]

    def subset(self, ids) -> Indicators:
        wanted = set(ids)
        keep = tuple(i for i in self.ids if i in wanted)
        return Indicators(
            self.catalogue[self.catalogue["indicator_id"].isin(keep)],
            self.values[self.values["indicator_id"].isin(keep)],
            keep,
            self.titles,
            self.short,
            self.units,
            self.directions,
        )


def load(*topics: str) -> Indicators | None:
    """The indicators of `topics` and their local values; None when the snapshot has none."""
    catalogue = pd.concat([data.indicators(t) for t in topics], ignore_index=True)
    ids = tuple(catalogue["indicator_id"])
    values = data.indicator_values(ids)
    values = values[values["source"] == "local"].copy()
    if values.empty:
        return None
    values["status"] = values["status"].fillna("")
    return Indicators(
        catalogue,
        values,
        ids,
        dict(zip(catalogue["indicator_id"], catalogue["title_sv"], strict=True)),
        ui.short_titles(catalogue),
        dict(zip(catalogue["indicator_id"], catalogue["unit"], strict=True)),
        dict(zip(catalogue["indicator_id"], catalogue["higher_is_better"], strict=True)),
    )


def benchmarks() -> pd.DataFrame:
    """Kolada's riket and liknande kommuner for the indicators whose id is a configured KPI (empty without)."""
    return data.benchmarking() if data.table_exists("benchmarking") else pd.DataFrame()


def _benchmark_note(bench: pd.DataFrame, indicator_id: str, unit: str) -> str | None:
    rows = bench[(bench["kpi_id"] == indicator_id) & (bench["gender"] == "T")] if not bench.empty else bench
    rows = rows.dropna(subset=["riket_value"]) if not rows.empty else rows
    if rows.empty:
        return None
    r = rows.sort_values("year").iloc[-1]
    parts = [f"riket {int(r['year'])}: {data.format_value(r['riket_value'], '', unit)}"]
    if pd.notna(r.get("similar_mean")):
        parts.append(f"liknande kommuner: {data.format_value(r['similar_mean'], '', unit)}")
    return " · ".join(parts)


def overview(
    ind: Indicators,
    *,
    heading: str = "Kommunen",
    count_noun: str = "elever",
    bench: pd.DataFrame | None = None,
    per_row: int = 3,
    suppressed_text: str = data.SUPPRESSED_TEXT,
) -> None:
    """Tiles of the municipality's latest year (gender T): value with unit, change since the year before,
    n, and riket / liknande kommuner when Kolada has the indicator."""
    kommun = ind.values[(ind.values["level"] == "kommun") & (ind.values["gender"] == "T")]
    if kommun.empty:
        return
    latest = int(kommun["year"].max())
    st.subheader(f"{heading} {latest}")
    items = []
    for indicator_id in ind.ids:
        rows = kommun[kommun["indicator_id"] == indicator_id].set_index("year")
        if rows.empty:
            continue
        unit = ind.units[indicator_id]
        now = rows.loc[latest] if latest in rows.index else None
        before = rows.loc[latest - 1] if latest - 1 in rows.index else None
        shown = ui.value_with_unit(now["value"], now["status"], unit) if now is not None else "."
        moved = None
        if now is not None and before is not None and not now["status"] and not before["status"]:
            moved = ui.change(now["value"], before["value"], ind.directions[indicator_id])
        notes = [ui.count_text(now["n"], count_noun) if now is not None else None]
        if bench is not None:
            notes.append(_benchmark_note(bench, indicator_id, unit))
        items.append(
            ui.Tile(
                label=ind.short[indicator_id],
                value=shown,
                change=moved,
                since=f"sedan {latest - 1}",
                note=" · ".join(n for n in notes if n) or None,
                help=f"{ind.titles[indicator_id]} ({indicator_id})",
            )
        )
    ui.tiles(items, per_row=per_row)
    ui.explain_codes([t.value for t in items], suppressed_text)


def unit_label(level: str, code: str, name: str) -> str:
    if level == "kommun":
        return f"{name} (kommunen)"
    return name if level == "riket" else f"{name} ({code})"


def explorer(
    ind: Indicators,
    *,
    bench: pd.DataFrame | None = None,
    suppressed_text: str = data.SUPPRESSED_TEXT,
    count_label: str = "Antal elever",
    key: str = "indikator",
    full_share: bool = True,
    gender: str | None = None,
    missing_text: str = ui.MISSING_TEXT,
) -> None:
    """One indicator chosen: every unit by year as a table, and the chosen units (the kommun first, riket and
    liknande kommuner dashed) as lines. `gender` fixed by the page, or chosen here."""
    indicator_id = ui.selectbox("Indikator", ind.ids, format_func=lambda i: f"{ind.titles[i]} ({i})", key=f"{key}_id")
    middle, right = st.columns([2, 3])
    if gender is None:
        gender = ui.gender_radio(key=f"{key}_kon", container=middle)
    selected = ind.values[(ind.values["indicator_id"] == indicator_id) & (ind.values["gender"] == gender)].copy()
    unit = ind.units[indicator_id]
    units_available = (
        selected[["level", "unit_code", "unit_name"]].drop_duplicates("unit_code").sort_values(["level", "unit_name"])
    )
    labels = {r.unit_code: unit_label(r.level, r.unit_code, r.unit_name) for r in units_available.itertuples()}
    order = {"kommun": 0, "riket": 1}
    rank = {labels[r.unit_code]: (order.get(r.level, 2), labels[r.unit_code]) for r in units_available.itertuples()}
    default = [c for c, text in labels.items() if text.endswith("(kommunen)")]
    chosen = ui.multiselect(
        "Enheter i diagrammet",
        list(labels),
        default=default,
        format_func=labels.get,
        key=f"{key}_enheter",
        container=right,
    )

    if selected.empty:
        st.info("Inga värden för det urvalet.")
        return
    selected["visat"] = ui.cell_texts(selected, "value", unit)
    selected["antal"] = ui.count_texts(selected)
    selected["enhet"] = selected["unit_code"].map(labels)
    kolada = _kolada_rows(bench, indicator_id, gender, unit)
    # The last ten years with a value (Kolada's series reach further back than the local exports).
    years = sorted({int(y) for y in selected["year"]} | {int(y) for y in kolada.dropna(subset=["value"])["year"]})
    all_years = list(range(max(years[0], years[-1] - YEARS_SHOWN + 1), years[-1] + 1))
    kolada = kolada[kolada["year"].isin(all_years)]

    st.subheader(ind.titles[indicator_id])
    names = sorted(set(selected["enhet"]), key=lambda name: rank.get(name, (2, name)))
    table = ui.text_table(
        pd.concat([selected, kolada], ignore_index=True),
        index="enhet",
        columns="year",
        index_order=names + list(pd.unique(kolada["enhet"])),
        column_order=all_years,
        index_name="Enhet",
    )
    latest = int(selected["year"].max())
    counts = selected[selected["year"] == latest].set_index("enhet")["antal"]
    table[f"{count_label} {latest}"] = [counts.get(e, "") for e in table.index]
    ui.show_table(table)
    ui.explain_codes(ui.codes_in(table), suppressed_text, missing_text=missing_text)
    if years[0] < all_years[0]:
        st.caption(f"Tabellen och diagrammet visar de {YEARS_SHOWN} senaste åren, {all_years[0]}–{all_years[-1]}.")
    if not kolada.empty:
        st.caption(
            "Riket och liknande kommuner (medelvärdet av Koladas liknande kommuner för grundskolan): Koladas "
            "publicerade värden för kommunala skolor. Källa: Kolada (RKA), CC BY 4.0."
        )

    trend = selected[selected["unit_code"].isin(chosen)]
    lines = pd.concat([trend, kolada], ignore_index=True) if not trend.empty or not kolada.empty else trend
    series_order = [labels[c] for c in chosen] + [RIKET, SIMILAR]
    colours = {labels[c]: ui.PALETTE[i % len(ui.PALETTE)] for i, c in enumerate(chosen)} | BENCHMARK_COLOURS
    chart = ui.line_chart(
        lines,
        x="year",
        x_order=all_years,
        y="value",
        series="enhet",
        unit=unit,
        series_order=series_order,
        colours=colours,
        dashed=(RIKET, SIMILAR),
        full_share=full_share,
        tooltip=[
            alt.Tooltip("enhet:N", title="Enhet"),
            alt.Tooltip("year:O", title="År"),
            alt.Tooltip("visat:N", title="Värde"),
            alt.Tooltip("antal:N", title=count_label),
        ],
    )
    if chart is not None:
        ui.show_chart(chart)
        st.caption(ui.GAP_TEXT)

    with st.expander("Så räknas indikatorerna"):
        st.dataframe(
            pd.DataFrame({"Indikator": ind.catalogue["indicator_id"], "Beskrivning": ind.catalogue["description"]}),
            hide_index=True,
            width="stretch",
        )


def _kolada_rows(bench: pd.DataFrame | None, indicator_id: str, gender: str, unit: str) -> pd.DataFrame:
    """Riket and the liknande kommuner's mean from Kolada as rows of the chart and table (empty when the
    indicator is not a configured KPI)."""
    columns = ["enhet", "year", "value", "visat", "antal"]
    if bench is None or bench.empty:
        return pd.DataFrame(columns=columns)
    rows = bench[(bench["kpi_id"] == indicator_id) & (bench["gender"] == gender)]
    parts = []
    for name, column in ((RIKET, "riket_value"), (SIMILAR, "similar_mean")):
        part = pd.DataFrame({"enhet": name, "year": rows["year"].astype(int), "value": rows[column], "antal": ""})
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out["visat"] = [data.format_value(v, "", unit) for v in out["value"]]
    return out[columns] if out["value"].notna().any() else pd.DataFrame(columns=columns)
