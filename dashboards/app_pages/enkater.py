"""Enkäter: kommunens egna elev- och vårdnadshavarenkäter per område (trygghet, studiero, …), enhet, kön och
årskurs (survey_results), och Skolinspektionens Skolenkät för kommunens skolenheter jämförd med alla
deltagande skolenheter (skolenkaten_results)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import data, indicator_page, pages
from dashboards import presentation as ui
from dashboards.intervals import localised

SURVEYS = {"elevenkat": "Elevenkät", "vardnadshavarenkat": "Vårdnadshavarenkät"}
AREAS = {"delaktighet": "Delaktighet och inflytande"}
AREA_ORDER = ["trygghet", "studiero", "trivsel", "delaktighet"]  # the catalogue's order; other areas after
MEASURES = {"share_positive": ("Andel positiva svar", "procent"), "index_value": ("Index 0–10", "index")}
RIKET = "Alla deltagande skolenheter"


def area_name(area: str) -> str:
    return AREAS.get(area, str(area).capitalize())


st.title(pages.ENKATER.title)
st.caption(
    "Kommunens egna elev- och vårdnadshavarenkäter per område: andel som svarat i de två mest positiva "
    "svarsalternativen (negativt ställda frågor vända) och index 0–10 enligt Skolenkätens poängsättning, per "
    "enhet, kön och årskurs — och Skolinspektionens Skolenkät jämförd med alla deltagande skolenheter."
)

data.require_snapshot()

results = data.survey_results()
skolenkaten = data.skolenkaten_results()
if results.empty and skolenkaten.empty:
    st.info(indicator_page.NO_VALUES)
    st.stop()


def local_surveys(results: pd.DataFrame) -> None:
    names = data.unit_names()
    results = results.assign(status=results["status"].fillna(""), grade_level=results["grade_level"].astype(str))
    # Each unit's label once, not once a row (a unit has a row per survey, area, year, grade and gender).
    label_of = {
        (lvl, c): indicator_page.unit_label(lvl, str(c), names.get(str(c), f"Skolenhet {c}"))
        for lvl, c in set(zip(results["level"], results["unit_code"], strict=True))
    }
    results["enhet"] = [label_of[key] for key in zip(results["level"], results["unit_code"], strict=True)]
    results["område"] = results["area"].map(area_name)
    present = set(results["survey_type"])
    types = [t for t in SURVEYS if t in present] + sorted(present - set(SURVEYS))
    first, second = st.columns(2)
    survey_type = first.radio("Enkät", types, format_func=lambda t: SURVEYS.get(t, t), horizontal=True, key="enkat_typ")
    measure = second.radio(
        "Mått", list(MEASURES), format_func=lambda m: MEASURES[m][0], horizontal=True, key="enkat_matt"
    )
    title, unit = MEASURES[measure]
    rows = results[results["survey_type"] == survey_type].copy()
    rows["visat"] = ui.cell_texts(rows, measure, unit)
    rows["antal"] = ui.count_texts(rows)
    units = rows[["level", "unit_code", "enhet"]].drop_duplicates("unit_code")
    units = units.assign(order=units["level"] != "kommun").sort_values(["order", "enhet"])
    labels = dict(zip(units["unit_code"].astype(str), units["enhet"], strict=True))
    known = sorted(set(rows["area"]), key=lambda a: (AREA_ORDER.index(a) if a in AREA_ORDER else 99, a))
    areas = [area_name(a) for a in known]
    years = sorted(int(y) for y in rows["year"].unique())

    left, right = st.columns([3, 2])
    unit_code = ui.selectbox("Enhet", list(labels), format_func=labels.get, key="enkat_enhet", container=left)
    gender = ui.gender_radio(key="enkat_kon", container=right)
    mine = rows[rows["unit_code"].astype(str) == unit_code]
    latest = years[-1]
    school_year = mine.loc[mine["year"] == latest, "school_year"]
    school_year = school_year.iloc[0] if len(school_year) else str(latest)

    # Tiles: each area of the latest survey, all grades, against the survey the year before.
    st.subheader(f"{SURVEYS.get(survey_type, survey_type)} {school_year}, {title.lower()}: {labels[unit_code]}")
    overall = mine[(mine["grade_level"] == "alla") & (mine["gender"] == gender)]
    items = []
    for area in areas:
        now = overall[(overall["område"] == area) & (overall["year"] == latest)]
        before = overall[(overall["område"] == area) & (overall["year"] == latest - 1)]
        now = now.iloc[0] if len(now) else None
        before = before.iloc[0] if len(before) else None
        moved = None
        if now is not None and before is not None and not now["status"] and not before["status"]:
            moved = ui.change(now[measure], before[measure], True)
        value = ui.value_with_unit(now[measure], now["status"], unit) if now is not None else "."
        note = ui.count_text(now["n"], "svarande") if now is not None else None
        since = f"sedan {before['school_year']}" if before is not None else None
        items.append(ui.Tile(area, value, moved, since, note, help=f"{area}: {title.lower()}"))
    ui.tiles(items, per_row=4)
    ui.explain_codes([t.value for t in items], ui.SURVEY_SUPPRESSED_TEXT)

    # Every unit, each area, the latest survey.
    st.subheader(f"Alla enheter {school_year}: {title.lower()} ({ui.GENDERS[gender].lower()})")
    latest_rows = rows[(rows["year"] == latest) & (rows["grade_level"] == "alla") & (rows["gender"] == gender)]
    shown_units = set(latest_rows["enhet"])
    table = ui.text_table(
        latest_rows,
        index="enhet",
        columns="område",
        index_order=[name for name in labels.values() if name in shown_units],
        column_order=areas,
        index_name="Enhet",
    )
    ui.show_table(table)
    ui.explain_codes(ui.codes_in(table), ui.SURVEY_SUPPRESSED_TEXT)

    # The chosen unit by gender and by grade (grades for all respondents together).
    st.subheader(f"{labels[unit_code]} {school_year}: per kön och årskurs")
    one = mine[mine["year"] == latest].copy()
    grades = sorted({g for g in one["grade_level"] if g != "alla"}, key=lambda g: (len(g), g))
    one["kolumn"] = [
        ui.GENDERS[s] if g == "alla" else f"Åk {g}" for g, s in zip(one["grade_level"], one["gender"], strict=True)
    ]
    one = one[(one["grade_level"] == "alla") | (one["gender"] == "T")]
    split = ui.text_table(
        one,
        index="område",
        columns="kolumn",
        index_order=areas,
        column_order=list(ui.GENDERS.values()) + [f"Åk {g}" for g in grades],
        index_name="Område",
    )
    ui.show_table(split)
    ui.explain_codes(ui.codes_in(split), ui.SURVEY_SUPPRESSED_TEXT)
    st.caption("Totalt räknar alla svarande, också de som svarat Annat eller inte angett kön.")

    # The areas over the years for the chosen unit.
    trend = overall.copy()
    chart = ui.line_chart(
        trend,
        x="year",
        x_order=list(range(years[0], years[-1] + 1)),
        y=measure,
        series="område",
        unit=unit,
        series_title="Område",
        series_order=areas,
        tooltip=[
            alt.Tooltip("område:N", title="Område"),
            alt.Tooltip("school_year:N", title="Läsår"),
            alt.Tooltip("visat:N", title=title),
            alt.Tooltip("antal:N", title="Antal svarande"),
        ],
    )
    if chart is not None and len(years) > 1:
        st.subheader(f"{labels[unit_code]}: {title.lower()} över tid")
        ui.show_chart(chart)
        st.caption(ui.GAP_TEXT)


# Respondent groups whose words the code does not spell (elever_ak8 → "Elever åk 8" does itself).
RESPONDENT_GROUPS = {"vardnadshavare": "Vårdnadshavare"}


def skolenkaten_section(results: pd.DataFrame) -> None:
    st.header("Skolenkäten (Skolinspektionen)")
    st.caption(
        "Skolinspektionens enkät till elever och vårdnadshavare: index 0–10 per område som publicerat, för "
        "kommunens skolenheter och för alla skolenheter som deltog. Källa: Skolinspektionen, Skolenkäten; "
        "varje skolenhets senaste omgång (VT25 eller VT26) via Skolverkets API för planerade utbildningar "
        "(fem områden, totalt, utan riket)."
    )
    results = results.assign(status=results["status"].fillna(""))
    results["enhet"] = [
        RIKET if lvl == "riket" else f"{name} ({code})"
        for lvl, code, name in zip(results["level"], results["unit_code"], results["unit_name"], strict=True)
    ]
    results["visat"] = [
        s or data.format_value(v, "", "index") for v, s in zip(results["value"], results["status"], strict=True)
    ]
    groups = list(dict.fromkeys(results["respondent_group"]))
    left, middle, right = st.columns([2, 1, 2])
    group = ui.selectbox(
        "Svarande",
        groups,
        format_func=lambda g: RESPONDENT_GROUPS.get(g) or g.replace("_ak", " åk ").replace("_", " ").capitalize(),
        key="skolenkat_grupp",
        container=left,
    )
    rows = results[results["respondent_group"] == group]
    years = sorted(int(y) for y in rows["year"].unique())
    year = ui.selectbox("År", years[::-1], key="skolenkat_ar", container=middle)
    gender = ui.gender_radio(key="skolenkat_kon", container=right)
    rows = rows[(rows["year"] == year)]
    areas = list(dict.fromkeys(rows.sort_values("area_no")["area"]))
    schools = sorted(set(rows.loc[rows["level"] == "skolenhet", "enhet"]))
    codes = dict(zip(rows["status"], rows["status_reason"].fillna(""), strict=True))
    codes.pop("", None)

    by_gender = rows[rows["gender"] == gender]
    table = ui.text_table(
        by_gender,
        index="area",
        columns="enhet",
        index_order=areas,
        column_order=schools + [RIKET],
        index_name="Område",
    )
    st.subheader(f"Index 0–10 per område {year} ({ui.GENDERS[gender].lower()})")
    ui.show_table(table)
    ui.explain_codes(ui.codes_in(table, codes), ui.SURVEY_SUPPRESSED_TEXT, codes)

    shown = by_gender[by_gender["value"].notna()].copy()
    if not shown.empty:
        colours = {RIKET: "#555555"}
        names = schools + [RIKET]
        palette = [colours.get(n) or ui.PALETTE[i % len(ui.PALETTE)] for i, n in enumerate(names)]
        chart = (
            alt.Chart(shown)
            .mark_bar()
            .encode(
                y=alt.Y("area:N", title=None, sort=areas, axis=alt.Axis(labelLimit=300)),
                yOffset=alt.YOffset("enhet:N", sort=names),
                x=alt.X("value:Q", title="Index 0–10", scale=alt.Scale(domain=[0, 10]), axis=alt.Axis(format=",~f")),
                color=alt.Color(
                    "enhet:N",
                    title=None,
                    sort=names,
                    scale=alt.Scale(domain=names, range=palette),
                    legend=alt.Legend(orient="bottom", labelLimit=400),
                ),
                tooltip=[
                    alt.Tooltip("enhet:N", title="Enhet"),
                    alt.Tooltip("area:N", title="Område"),
                    alt.Tooltip("visat:N", title="Index"),
                ],
            )
            .properties(height=max(120, len(areas) * (12 * len(names) + 10)))
        )
        ui.show_chart(localised(chart))


if results.empty:
    st.info("Inga resultat från kommunens egna enkäter i serveringsfilen ännu.")
else:
    st.header("Kommunens enkäter")
    local_surveys(results)
st.divider()
if skolenkaten.empty:
    st.info("Inga resultat från Skolenkäten i serveringsfilen: lägg Skolinspektionens rapporter i skolenkaten/.")
else:
    skolenkaten_section(skolenkaten)
