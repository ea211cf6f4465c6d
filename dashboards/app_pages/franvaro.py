"""Frånvaro per period av läsåret — 1 juli–december, 2 januari–mars, 3 april–juni — och hela läsåret: giltig och
ogiltig frånvaro, andel elever med mer än 10, 15 och 50 % frånvaro, och rapporteringsgraden bredvid varje siffra,
för flera läsår (attendance_by_period)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import data, indicator_page, pages
from dashboards import presentation as ui
from dashboards.intervals import localised

# Served column → what the tiles call it (the tables: HEADERS). Every absence measure is better lower.
MEASURES = {
    "absence_pct": "Frånvaro totalt",
    "valid_absence_pct": "Giltig frånvaro",
    "invalid_absence_pct": "Ogiltig frånvaro",
    "above_10_pct": "Elever med över 10 % frånvaro",
    "above_15_pct": "Elever med över 15 % frånvaro",
    "above_50_pct": "Elever med över 50 % frånvaro",
}
RATE = "reporting_rate_pct"
RATE_TITLE = "Rapporteringsgrad"
HEADERS = {
    RATE: RATE_TITLE,
    "absence_pct": "Frånvaro",
    "valid_absence_pct": "Giltig",
    "invalid_absence_pct": "Ogiltig",
    "above_10_pct": "Över 10 %",
    "above_15_pct": "Över 15 %",
    "above_50_pct": "Över 50 %",
}
HEADER_TEXT = (
    "Frånvaro, giltig och ogiltig: andel av den schemalagda tiden. Över 10, 15 och 50 %: andel av eleverna med "
    "mer frånvaro än så. Rapporteringsgrad: andel av lektionerna där närvaron registrerats."
)


def figures(rows: pd.DataFrame, first: dict[str, pd.Series]) -> pd.DataFrame:
    """A table of `rows`: the `first` columns, then the reporting rate beside the absence figures, and n."""
    table = pd.DataFrame(first)
    for column, title in HEADERS.items():
        table[title] = ui.cell_texts(rows, column, "procent")
    table["Elever"] = ui.count_texts(rows)
    return table


PERIODS = {1: "Period 1 (juli–december)", 2: "Period 2 (januari–mars)", 3: "Period 3 (april–juni)", 0: "Hela läsåret"}
KINDS = {"valid_absence_pct": ("Giltig", "#7fa7d6"), "invalid_absence_pct": ("Ogiltig", "#e07b00")}

st.title(pages.FRANVARO.title)
st.caption(
    "Frånvaro ur kommunens lektionsregistreringar, per period av läsåret (1 juli–december, 2 januari–mars, "
    "3 april–juni) och för hela läsåret: andel av den schemalagda tiden (giltig och ogiltig) och andel elever med "
    "mer än 10, 15 och 50 % frånvaro. Rapporteringsgraden — andelen lektioner där närvaron registrerats — står "
    "bredvid varje siffra: en låg rapporteringsgrad betyder att frånvaron underskattas."
)

data.require_snapshot()

attendance = data.attendance_periods()
if attendance.empty:
    st.info(indicator_page.NO_VALUES)
    st.stop()

attendance = attendance.assign(status=attendance["status"].fillna(""))
attendance["enhet"] = [
    indicator_page.unit_label(lvl, str(c), name)
    for lvl, c, name in zip(attendance["level"], attendance["unit_code"], attendance["unit_name"], strict=True)
]
units = attendance[["level", "unit_code", "enhet"]].drop_duplicates("unit_code")
units = units.assign(order=units["level"] != "kommun").sort_values(["order", "enhet"])
labels = dict(zip(units["unit_code"], units["enhet"], strict=True))
school_years = sorted(attendance["school_year"].unique())

left, middle, right = st.columns([3, 2, 2])
unit_code = ui.selectbox("Enhet", list(labels), format_func=labels.get, key="franvaro_enhet", container=left)
gender = ui.gender_radio(key="franvaro_kon", container=middle)
period = ui.selectbox(
    "Period",
    list(PERIODS),
    index=list(PERIODS).index(0),
    format_func=PERIODS.get,
    key="franvaro_period",
    container=right,
)
chosen_years = ui.multiselect("Läsår", school_years, default=school_years[-3:], key="franvaro_lasar")
chosen_years = sorted(chosen_years) or school_years[-1:]

mine = attendance[(attendance["unit_code"] == unit_code) & (attendance["gender"] == gender)]


def rate_note(row) -> str | None:
    parts = []
    if row is not None and not row["status"]:
        parts.append(f"rapporteringsgrad {data.format_value(row[RATE], '', 'procent')}")
    parts.append(ui.count_text(row["n"]) if row is not None else None)
    return " · ".join(p for p in parts if p) or None


# Tiles: the chosen period of the latest chosen school year, against the same period a year earlier.
latest = chosen_years[-1]
previous = school_years[school_years.index(latest) - 1] if school_years.index(latest) > 0 else None
now_rows = mine[(mine["school_year"] == latest) & (mine["period"] == period)]
before_rows = mine[(mine["school_year"] == previous) & (mine["period"] == period)]
now = now_rows.iloc[0] if len(now_rows) else None
before = before_rows.iloc[0] if len(before_rows) else None
st.subheader(f"{labels[unit_code]} {latest}: {PERIODS[period].lower()}")
items = []
for column, title in {**MEASURES, RATE: RATE_TITLE}.items():
    value = ui.value_with_unit(now[column], now["status"], "procent") if now is not None else "."
    moved = None
    if now is not None and before is not None and not now["status"] and not before["status"]:
        moved = ui.change(now[column], before[column], higher_is_better=column == RATE)
    note = ui.count_text(now["n"]) if column == RATE and now is not None else rate_note(now)
    items.append(ui.Tile(title, value, moved, f"sedan {previous}" if previous else None, note))
ui.tiles(items, per_row=4)
ui.explain_codes([t.value for t in items])
if before is not None:
    st.caption(f"Förändringen jämförs med samma period läsåret {previous}. Grön: lägre frånvaro, röd: högre.")

# Every period of the chosen school years, the reporting rate beside every figure.
st.subheader(f"{labels[unit_code]}: per läsår och period ({ui.GENDERS[gender].lower()})")
rows = mine[mine["school_year"].isin(chosen_years)].copy()
rows["periodordning"] = rows["period"].map(list(PERIODS).index)
rows = rows.sort_values(["school_year", "periodordning"])
table = figures(rows, {"Läsår": rows["school_year"], "Period": rows["period"].map(PERIODS)})
ui.show_table(table, hide_index=True)
st.caption(HEADER_TEXT)
ui.explain_codes(ui.codes_in(table))

# Giltig and ogiltig frånvaro per period as stacked bars from zero; the reporting rate below, 0–100 %.
steps = [f"{y} p{p}" for y in chosen_years for p in (1, 2, 3)]
periods = rows[rows["period"] != 0].copy()
periods["steg"] = periods["school_year"] + " p" + periods["period"].astype(str)
periods["rapporteringsgrad"] = ui.cell_texts(periods, RATE, "procent")
periods["antal"] = ui.count_texts(periods)
shown = periods[periods["status"] == ""]
if not shown.empty:
    long = shown.melt(id_vars=["steg", "rapporteringsgrad", "antal", "period"], value_vars=list(KINDS), var_name="slag")
    long["frånvaro"] = long["slag"].map(lambda k: KINDS[k][0])
    long["visat"] = [data.format_value(v, "", "procent") for v in long["value"]]
    x = alt.X(
        "steg:O", title="Läsår och period", sort=steps, scale=alt.Scale(domain=steps), axis=alt.Axis(labelAngle=0)
    )
    bars = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y(
                "value:Q",
                title="Andel av schemalagd tid (%)",
                stack="zero",
                scale=ui.y_scale("procent", full_share=False),
                axis=alt.Axis(format=ui.AXIS_FORMAT),
            ),
            color=alt.Color(
                "frånvaro:N",
                title="Frånvaro",
                sort=[v[0] for v in KINDS.values()],
                scale=alt.Scale(domain=[v[0] for v in KINDS.values()], range=[v[1] for v in KINDS.values()]),
                legend=alt.Legend(orient="top"),
            ),
            order=alt.Order("slag:N"),
            tooltip=[
                alt.Tooltip("steg:N", title="Läsår och period"),
                alt.Tooltip("frånvaro:N", title="Frånvaro"),
                alt.Tooltip("visat:N", title="Andel av schemalagd tid"),
                alt.Tooltip("rapporteringsgrad:N", title=RATE_TITLE),
                alt.Tooltip("antal:N", title="Antal elever"),
            ],
        )
        .properties(height=260, title="Giltig och ogiltig frånvaro per period")
    )
    rate = (
        alt.Chart(shown)
        .mark_line(point=alt.OverlayMarkDef(color="#555555", filled=True), color="#555555")
        .encode(
            x=x,
            y=alt.Y(f"{RATE}:Q", title="Rapporteringsgrad (%)", scale=alt.Scale(domain=[0, 100])),
            tooltip=[
                alt.Tooltip("steg:N", title="Läsår och period"),
                alt.Tooltip("rapporteringsgrad:N", title=RATE_TITLE),
            ],
        )
        .properties(height=140, title="Rapporteringsgrad per period")
    )
    ui.show_chart(localised(alt.vconcat(bars, rate)))
    st.caption(
        "Perioder utan stapel har dolda värden (..) eller inga lektioner ännu. Staplarna börjar på noll; "
        "rapporteringsgraden visas på en skala 0–100 %."
    )

# Every unit in the chosen period of the latest chosen school year.
st.subheader(f"Alla enheter {latest}: {PERIODS[period].lower()} ({ui.GENDERS[gender].lower()})")
everyone = attendance[
    (attendance["school_year"] == latest) & (attendance["period"] == period) & (attendance["gender"] == gender)
].copy()
everyone["ordning"] = everyone["unit_code"].map(list(labels).index)
everyone = everyone.sort_values("ordning")
table = figures(everyone, {"Enhet": everyone["enhet"]})
ui.show_table(table, hide_index=True)
st.caption(HEADER_TEXT)
ui.explain_codes(ui.codes_in(table))

with st.expander("Så räknas frånvaron"):
    st.markdown(
        "- **Frånvaro** är elevernas genomsnittliga frånvaro i procent av den schemalagda tiden; varje elev väger "
        "lika. Giltig frånvaro är sjukdom och beviljad ledighet, ogiltig all annan.\n"
        "- **Elever med över 10, 15 och 50 % frånvaro**: andelen elever vars frånvaro är *mer än* gränsen.\n"
        "- **Rapporteringsgrad**: andelen schemalagda lektioner där närvaron registrerats. En lektion utan "
        "registrering räknas som närvaro, så låg rapporteringsgrad gör att frånvaron underskattas.\n"
        "- En period som pågår visar lektionerna hittills. Färre än 10 elever: värdet visas inte (..)."
    )
