"""Jämförelser: kommunen mot riket och liknande kommuner, rang och kvartil bland landets kommuner (Kolada)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import data, inventory, pages
from dashboards import presentation as ui

st.title(pages.JAMFORELSER.title)
st.caption(
    "Kommunen jämförd med riket och med Koladas liknande kommuner (grundskola), i Öppna jämförelsers anda: "
    "rang bland landets 290 kommuner (1 = bäst) och kvartil. Källa: Kolada (RKA), CC BY 4.0."
)

if not data.snapshot_available() or not data.table_exists("benchmarking"):
    st.warning("Inga jämförelser publicerade ännu. Kör `skolanalys run`.")
    st.stop()

bench = data.benchmarking()
kolada = inventory.national_states().get("kolada")
if kolada is not None:
    age = f" ({kolada.age_days} dagar gamla)" if kolada.age_days is not None else ""
    if kolada.failed:
        as_of = kolada.data_as_of or "okänt datum"
        st.warning(f"Kolada kunde inte nås vid senaste försöket; visar uppgifterna per {as_of}{age}.")
    elif kolada.text.startswith("demodata"):
        st.info(
            f"Kolada: {kolada.text}{age}. Demon hämtar inget från Kolada utan visar de publicerade värden som "
            "följer med Skolanalys.",
            icon=":material/science:",
        )
    else:
        st.info(f"Kolada: {kolada.text}{age}.")

if bench.empty:
    st.info("Kolada har inga värden för kommunen i de konfigurerade nyckeltalen.")
    st.stop()

titles = bench.drop_duplicates("kpi_id").set_index("kpi_id")
left, right = st.columns([3, 1])
kpi_id = ui.selectbox(
    "Nyckeltal",
    list(titles.index),
    format_func=lambda k: f"{titles.loc[k, 'kpi_group']}: {titles.loc[k, 'kpi_title']} ({k})",
    container=left,
)
served_genders = set(bench.loc[bench["kpi_id"] == kpi_id, "gender"])
available = [g for g in ui.GENDERS if g in served_genders]
gender = right.radio("Kön", available, format_func=ui.GENDERS.get, horizontal=True)
rows = bench[(bench["kpi_id"] == kpi_id) & (bench["gender"] == gender)].sort_values("year")
unit = titles.loc[kpi_id, "unit"]
direction = titles.loc[kpi_id, "higher_is_better"]


def fmt(value) -> str:
    return data.format_value(value, "", unit) if pd.notna(value) else "."


latest = rows.dropna(subset=["value"]).tail(1)
if not latest.empty:
    r = latest.iloc[0]
    a, b, c, d = st.columns(4)
    change = r["change_from_previous_year"]
    moved = ui.change(r["value"], r["value"] - change, direction) if pd.notna(change) else None
    a.metric(
        f"Kommunen {int(r['year'])}",
        fmt(r["value"]),
        moved.text if moved else None,
        delta_color=moved.colour if moved else "normal",
        delta_arrow=moved.arrow if moved else "auto",
        delta_description=f"sedan {int(r['year']) - 1}" if moved else None,
    )
    b.metric("Riket", fmt(r["riket_value"]))
    c.metric("Liknande kommuner, medel", fmt(r["similar_mean"]))
    if pd.notna(r["rank"]):
        quartile = int(r["quartile"])
        d.metric("Rang", f"{int(r['rank'])} av {int(r['ranked_municipalities'])}")
        d.markdown(
            f"<span style='color:{data.QUARTILE_COLOUR[quartile]}'>●</span> Kvartil {quartile}: "
            f"{data.QUARTILE_TEXT[quartile]}",
            unsafe_allow_html=True,
        )

table = pd.DataFrame(
    {
        "År": rows["year"].astype(str),
        "Kommunen": [s or fmt(v) for v, s in zip(rows["value"], rows["status"], strict=True)],
        "Riket": rows["riket_value"].map(fmt),
        "Liknande kommuner": rows["similar_mean"].map(fmt),
        "Rang": [
            f"{int(r)} av {int(n)}" if pd.notna(r) else ""
            for r, n in zip(rows["rank"], rows["ranked_municipalities"], strict=True)
        ],
        "Kvartil": rows["quartile"].map(lambda q: f"{int(q)} – {data.QUARTILE_TEXT[int(q)]}" if pd.notna(q) else ""),
        "Förändring": rows["change_from_previous_year"].map(lambda v: data.format_change(v) or ""),
    }
)
st.dataframe(table, hide_index=True, width="stretch")

long = rows.melt(
    id_vars=["year"], value_vars=["value", "riket_value", "similar_mean"], var_name="serie", value_name="värde"
)
long["serie"] = long["serie"].map({"value": "Kommunen", "riket_value": "Riket", "similar_mean": "Liknande kommuner"})
long["visat"] = long["värde"].map(fmt)
years = sorted(int(y) for y in rows["year"])
chart = ui.line_chart(
    long,
    x="year",
    x_order=list(range(years[0], years[-1] + 1)) if years else [],
    y="värde",
    series="serie",
    unit=unit,
    series_order=["Kommunen", "Riket", "Liknande kommuner"],
    colours={"Kommunen": ui.PALETTE[0], "Riket": "#555555", "Liknande kommuner": "#e07b00"},
    dashed=("Riket", "Liknande kommuner"),
    tooltip=[
        alt.Tooltip("serie:N", title=""),
        alt.Tooltip("year:O", title="År"),
        alt.Tooltip("visat:N", title="Värde"),
    ],
)
ui.show_chart(chart)
if direction is None or pd.isna(direction):
    st.caption("Nyckeltalet har ingen önskad riktning (till exempel en kostnad): förändringen visas i grått.")
st.caption("Källa: Kolada (RKA). Liknande kommuner enligt Koladas gruppering för grundskolan.")
