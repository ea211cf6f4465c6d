"""Nationella prov: andel elever med lägst E på proven i årskurs 6 och 9 per ämne och enhet, och provbetyget
jämfört med betyget per skolenhet, ämne och kön (grade_test_discrepancy)."""

from __future__ import annotations

import re

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import data, indicator_page, pages
from dashboards import presentation as ui
from dashboards.intervals import localised

GRADE_IN_TITLE = re.compile(r"åk (\d)")
# The three outcomes of a pupil's grade beside the test grade, in reading order, with their colours.
DIRECTIONS = {
    "share_lower": ("Lägre betyg än provbetyget", "#e07b00"),
    "share_same": ("Samma betyg som provbetyget", "#bdbdbd"),
    "share_higher": ("Högre betyg än provbetyget", "#1f5fa6"),
}

st.title(pages.NATIONELLA_PROV.title)
st.caption(
    "Andel elever med lägst provbetyget E på de nationella proven i årskurs 6 och 9, per ämne, och provbetyget "
    "jämfört med betyget. Proven ställdes in våren 2020 och 2021: de åren saknas (.), de är inte noll, och "
    "linjerna i diagrammen bryts där."
)

data.require_snapshot()

tests = indicator_page.load("nationella_prov")
if tests is None:
    st.info(indicator_page.NO_VALUES)
    st.stop()

grade_of = {i: int(m[1]) for i, title in tests.titles.items() if (m := GRADE_IN_TITLE.search(title))}
grades = sorted(set(grade_of.values())) or [0]
grade = st.radio("Årskurs", grades, index=len(grades) - 1, format_func=lambda g: f"Årskurs {g}", horizontal=True)
of_grade = tests.subset([i for i in tests.ids if grade_of.get(i, 0) == grade])

st.header(f"Resultat på proven i årskurs {grade}")
indicator_page.overview(of_grade)
st.divider()
indicator_page.explorer(of_grade, key=f"prov_{grade}", missing_text=ui.NATIONAL_TESTS_MISSING_TEXT)


# --- Provbetyg jämfört med betyg -------------------------------------------------------------------------

st.divider()
st.header(f"Provbetyg jämfört med betyg, årskurs {grade}")
st.caption(
    "Andelen elever vars betyg på vårterminen (terminsbetyg i årskurs 6, slutbetyg i årskurs 9) är lägre än, "
    "samma som eller högre än provbetyget, bland eleverna med både provbetyg och betyg A–F i ämnet. Stora "
    "andelar åt ena hållet är en signal att se över bedömningen; Skolverket gör samma jämförelse för riket."
)
discrepancy = data.grade_test_discrepancy()
discrepancy = discrepancy[discrepancy["grade_level"] == grade] if not discrepancy.empty else discrepancy
if discrepancy.empty:
    st.info("Serveringsfilen innehåller ingen jämförelse mellan provbetyg och betyg för årskursen ännu.")
    st.stop()

names = data.unit_names()
discrepancy = discrepancy.assign(
    status=discrepancy["status"].fillna(""),
    enhet=[
        indicator_page.unit_label(lvl, str(c), names.get(str(c), f"Skolenhet {c}"))
        for lvl, c in zip(discrepancy["level"], discrepancy["unit_code"], strict=True)
    ],
    ämne=discrepancy["subject"].map(lambda s: ui.SUBJECTS.get(s, s)),
)
subject_order = {s: i for i, s in enumerate(ui.SUBJECTS)}
discrepancy["ämnesordning"] = discrepancy["subject"].map(lambda s: subject_order.get(s, 99))
discrepancy["kommun_först"] = discrepancy["level"] != "kommun"
years = sorted(int(y) for y in discrepancy["year"].unique())
subjects = list(dict.fromkeys(discrepancy.sort_values("ämnesordning")["ämne"]))
left, middle, right = st.columns([1, 2, 2])
year = ui.selectbox("År", years[::-1], key="avvikelse_ar", container=left)
subject = ui.selectbox("Ämne", subjects, key="avvikelse_amne", container=middle)
gender = ui.gender_radio(key="avvikelse_kon", container=right)
rows = discrepancy[(discrepancy["year"] == year) & (discrepancy["gender"] == gender)]
rows = rows.sort_values(["kommun_först", "enhet", "ämnesordning"])


def discrepancy_table(rows: pd.DataFrame, first: dict[str, pd.Series]) -> pd.DataFrame:
    table = pd.DataFrame(first)
    for column, (title, _) in DIRECTIONS.items():
        table[title] = ui.cell_texts(rows, column, "procent")
    table["Antal elever"] = ui.count_texts(rows)
    return table


# Every unit in one subject; then one unit in every subject.
of_subject = rows[rows["ämne"] == subject]
st.subheader(f"{subject} {year}: alla enheter ({ui.GENDERS[gender].lower()})")
table = discrepancy_table(of_subject, {"Enhet": of_subject["enhet"]})
ui.show_table(table, hide_index=True)
ui.explain_codes(ui.codes_in(table))

unit_order = list(dict.fromkeys(rows["enhet"]))
chosen = ui.selectbox("Enhet", unit_order, key="avvikelse_enhet")
all_subjects = rows[rows["enhet"] == chosen]
st.subheader(f"{chosen} {year}: alla ämnen ({ui.GENDERS[gender].lower()})")
table = discrepancy_table(all_subjects, {"Ämne": all_subjects["ämne"]})
ui.show_table(table, hide_index=True)
ui.explain_codes(ui.codes_in(table))
one = all_subjects[all_subjects["status"] == ""]
if one.empty:
    st.caption("Enhetens värden är dolda (..) för det urvalet: inget diagram.")
else:
    long = one.melt(id_vars=["ämne", "ämnesordning", "n"], value_vars=list(DIRECTIONS), var_name="mått")
    long["jämförelse"] = long["mått"].map(lambda m: DIRECTIONS[m][0])
    long["ordning"] = long["mått"].map(list(DIRECTIONS).index)
    long["visat"] = [data.format_value(v, "", "procent") for v in long["value"]]
    long["antal"] = long["n"].map(data.format_count)
    shown_subjects = list(one.sort_values("ämnesordning")["ämne"])
    chart = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("ämne:N", title=None, sort=shown_subjects, axis=alt.Axis(labelLimit=300)),
            x=alt.X(
                "value:Q",
                title="Andel av eleverna (%)",
                stack="zero",
                scale=alt.Scale(domain=[0, 100]),
                axis=alt.Axis(format=ui.AXIS_FORMAT, tickCount=10),
            ),
            color=alt.Color(
                "jämförelse:N",
                title=None,
                sort=[v[0] for v in DIRECTIONS.values()],
                scale=alt.Scale(domain=[v[0] for v in DIRECTIONS.values()], range=[v[1] for v in DIRECTIONS.values()]),
                legend=alt.Legend(orient="bottom", labelLimit=400),
            ),
            order=alt.Order("ordning:Q"),
            tooltip=[
                alt.Tooltip("ämne:N", title="Ämne"),
                alt.Tooltip("jämförelse:N", title="Betyget"),
                alt.Tooltip("visat:N", title="Andel"),
                alt.Tooltip("antal:N", title="Antal elever"),
            ],
        )
        .properties(height=max(80, 34 * len(shown_subjects)))
    )
    ui.show_chart(localised(chart))
