"""One page of indicators of a topic, per school unit and for the municipality, by year and gender: an
overview of the latest year, a table (suppressed cells as '..', never 0 or blank) and a trend chart."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import data


def render(
    topic: str,
    title: str,
    caption: str,
    *,
    suppressed_text: str = data.SUPPRESSED_TEXT,
    count_label: str = "Antal elever",
) -> None:
    st.title(title)
    st.caption(caption)

    if not data.snapshot_available():
        st.warning("Ingen publicerad data ännu. Kör `skolanalys run` för att bygga serveringsfilen.")
        return

    catalogue = data.indicators(topic)
    local_ids = tuple(catalogue["indicator_id"])
    values = data.indicator_values(local_ids)
    values = values[values["source"] == "local"]
    if values.empty:
        st.info("Serveringsfilen innehåller inga beräknade värden för det här området ännu.")
        return

    titles = dict(zip(catalogue["indicator_id"], catalogue["title_sv"], strict=True))
    units = dict(zip(catalogue["indicator_id"], catalogue["unit"], strict=True))
    gender_labels = {"T": "Totalt", "K": "Flickor", "M": "Pojkar"}

    # Översikt: the municipality, latest year, each indicator with its change from the year before.
    kommun = values[(values["level"] == "kommun") & (values["gender"] == "T")]
    latest = int(kommun["year"].max())
    st.subheader(f"Kommunen {latest}")
    columns = [c for start in range(0, len(local_ids), 6) for c in st.columns(6)]
    directions = dict(zip(catalogue["indicator_id"], catalogue["higher_is_better"], strict=True))
    for column, indicator_id in zip(columns, local_ids, strict=False):
        rows = kommun[kommun["indicator_id"] == indicator_id].set_index("year")
        now = rows.loc[latest] if latest in rows.index else None
        before = rows.loc[latest - 1] if latest - 1 in rows.index else None
        shown = data.format_value(now["value"], now["status"], units[indicator_id]) if now is not None else "."
        delta = None
        if now is not None and before is not None and not now["status"] and not before["status"]:
            delta = data.format_change(now["value"] - before["value"])
        # Green is better: for absence a rise is shown in red.
        colour = "normal" if directions[indicator_id] is not False else "inverse"
        column.metric(titles[indicator_id].split(",")[0], shown, delta, delta_color=colour, help=titles[indicator_id])

    st.divider()
    left, middle, right = st.columns([3, 1, 2])
    indicator_id = left.selectbox("Indikator", local_ids, format_func=lambda i: f"{titles[i]} ({i})")
    gender = middle.radio("Kön", list(gender_labels), format_func=gender_labels.get, horizontal=True)
    selected = values[(values["indicator_id"] == indicator_id) & (values["gender"] == gender)].copy()
    units_available = (
        selected[["level", "unit_code", "unit_name"]].drop_duplicates().sort_values(["level", "unit_name"])
    )

    def label(r) -> str:
        if r.level == "kommun":
            return f"{r.unit_name} (kommunen)"
        return r.unit_name if r.level == "riket" else f"{r.unit_name} ({r.unit_code})"

    labels = {r.unit_code: label(r) for r in units_available.itertuples()}
    order = {"kommun": 0, "riket": 1}
    rank = {labels[r.unit_code]: (order.get(r.level, 2), labels[r.unit_code]) for r in units_available.itertuples()}
    default = [c for c, label in labels.items() if "(kommunen)" in label]
    chosen = right.multiselect("Enheter i diagrammet", list(labels), default=default, format_func=labels.get)

    unit = units[indicator_id]
    selected["visat"] = [
        data.format_value(v, s, unit) for v, s in zip(selected["value"], selected["status"], strict=True)
    ]
    selected["enhet"] = selected["unit_code"].map(labels)

    st.subheader(titles[indicator_id])
    table = selected.pivot_table(index="enhet", columns="year", values="visat", aggfunc="first").fillna("")
    table.columns = [str(c) for c in table.columns]
    table = table.reindex(sorted(table.index, key=lambda name: rank.get(name, (2, name))))
    st.dataframe(table, width="stretch")
    if (selected["status"] == "..").any():
        st.caption(suppressed_text)

    trend = selected[selected["unit_code"].isin(chosen)]
    if not trend.empty:
        chart = (
            alt.Chart(trend.dropna(subset=["value"]))
            .mark_line(point=True)
            .encode(
                x=alt.X("year:O", title="År"),
                y=alt.Y("value:Q", title=unit, scale=alt.Scale(zero=False)),
                color=alt.Color("enhet:N", title="Enhet"),
                tooltip=[
                    alt.Tooltip("enhet:N", title="Enhet"),
                    alt.Tooltip("year:O", title="År"),
                    alt.Tooltip("visat:N", title="Värde"),
                    alt.Tooltip("n:Q", title=count_label),
                ],
            )
            .configure(locale=data.CHART_LOCALE)
        )
        st.altair_chart(chart, width="stretch")
        hidden = trend[trend["value"].isna()]
        if not hidden.empty:
            st.caption("Punkter saknas i diagrammet där värdet är dolt (..) eller saknas.")

    with st.expander("Så räknas indikatorerna"):
        st.dataframe(
            pd.DataFrame({"Indikator": catalogue["indicator_id"], "Beskrivning": catalogue["description"]}),
            hide_index=True,
            width="stretch",
        )
