"""Jämförelser: kommunen mot riket och liknande kommuner, rang och kvartil bland landets kommuner (Kolada)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import data

st.title("Jämförelser")
st.caption(
    "Kommunen jämförd med riket och med Koladas liknande kommuner (grundskola), i Öppna jämförelsers anda: "
    "rang bland landets 290 kommuner (1 = bäst) och kvartil. Källa: Kolada (RKA), CC BY 4.0."
)

if not data.snapshot_available() or not data.table_exists("benchmarking"):
    st.warning("Inga jämförelser publicerade ännu. Kör `skolanalys run`.")
    st.stop()

bench = data.benchmarking()
fresh = data.freshness()
kolada = fresh[fresh["source"] == "kolada"]
if not kolada.empty:
    row = kolada.iloc[0]
    as_of = str(row["data_as_of"])[:10] if pd.notna(row["data_as_of"]) else "okänt datum"
    age = f"{int(row['data_age_days'])} dagar gamla" if pd.notna(row["data_age_days"]) else ""
    if row["last_attempt_ok"]:
        st.info(f"Kolada-data per {as_of} ({age}).")
    else:
        st.warning(f"Kolada kunde inte nås vid senaste försöket; visar data per {as_of} ({age}).")

if bench.empty:
    st.info("Kolada har inga värden för kommunen i de konfigurerade nyckeltalen.")
    st.stop()

gender_labels = {"T": "Totalt", "K": "Flickor", "M": "Pojkar"}
titles = bench.drop_duplicates("kpi_id").set_index("kpi_id")
left, right = st.columns([3, 1])
kpi_id = left.selectbox(
    "Nyckeltal",
    list(titles.index),
    format_func=lambda k: f"{titles.loc[k, 'kpi_group']}: {titles.loc[k, 'kpi_title']} ({k})",
)
available = [g for g in gender_labels if g in set(bench.loc[bench["kpi_id"] == kpi_id, "gender"])]
gender = right.radio("Kön", available, format_func=gender_labels.get, horizontal=True)
rows = bench[(bench["kpi_id"] == kpi_id) & (bench["gender"] == gender)].sort_values("year")
unit = titles.loc[kpi_id, "unit"]


def fmt(value) -> str:
    return data.format_value(value, "", unit) if pd.notna(value) else "."


latest = rows.dropna(subset=["value"]).tail(1)
if not latest.empty:
    r = latest.iloc[0]
    a, b, c, d = st.columns(4)
    a.metric(f"Kommunen {int(r['year'])}", fmt(r["value"]), data.format_change(r["change_from_previous_year"]))
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
).dropna(subset=["värde"])
long["serie"] = long["serie"].map({"value": "Kommunen", "riket_value": "Riket", "similar_mean": "Liknande kommuner"})
if not long.empty:
    st.altair_chart(
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("year:O", title="År"),
            y=alt.Y("värde:Q", title=unit, scale=alt.Scale(zero=False)),
            color=alt.Color("serie:N", title=""),
            tooltip=["serie:N", alt.Tooltip("year:O", title="År"), alt.Tooltip("värde:Q", format=".1f")],
        )
        .configure(locale=data.CHART_LOCALE),
        width="stretch",
    )
st.caption("Källa: Kolada (RKA). Liknande kommuner enligt Koladas senaste gruppering för grundskolan.")
