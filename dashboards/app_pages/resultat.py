"""Resultat: slutbetyg i årskurs 9 (meritvärde, alla ämnen, behörighet) beside riket and liknande kommuner, and
terminsbetyg HT och VT i årskurs 6–9 — uppföljningen av alla elevers utveckling mot målen."""

from __future__ import annotations

import re

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import data, indicator_page, pages
from dashboards import presentation as ui

FINAL_ALL_SUBJECTS = "N15419"  # VT i åk 9: the final grades, the end of the term-grade series
TERM_ID = re.compile(r"SKA_TB_AK(?P<grade>\d)_(?P<term>HT|VT)$")
GRADES = [f"Åk {g}" for g in (6, 7, 8, 9)]

st.title(pages.RESULTAT.title)
st.caption(
    "Slutbetyg på vårterminen i årskurs 9 och terminsbetyg i årskurs 6–9, beräknade ur kommunens egna "
    "betygsexporter med Skolverkets och Koladas definitioner. År = kalenderåret då läsåret slutar "
    "(läsår 2023/24 → 2024)."
)

data.require_snapshot()

final = indicator_page.load("betyg_ak9")
if final is None:
    st.info(indicator_page.NO_VALUES)
    st.stop()
bench = indicator_page.benchmarks()

st.header("Slutbetyg i årskurs 9")
indicator_page.overview(final, bench=bench)
st.divider()
indicator_page.explorer(final, bench=bench, key="slutbetyg")


# --- Terminsbetyg åk 6–9 ---------------------------------------------------------------------------------


def term_label(term: str, year: int) -> str:
    """HT of läsår 2023/24 (year 2024) is 'HT 2023', its VT 'VT 2024'."""
    return f"HT {year - 1}" if term == "HT" else f"VT {year}"


def term_rows(ind: indicator_page.Indicators, final_values: pd.DataFrame) -> pd.DataFrame:
    """Term-grade values with årskurs, termin and their order; the final grades as VT of åk 9."""
    parts = []
    for indicator_id in ind.ids:
        found = TERM_ID.match(indicator_id)
        if found:
            rows = ind.values[ind.values["indicator_id"] == indicator_id]
            parts.append(rows.assign(grade=int(found["grade"]), term=found["term"]))
    parts.append(final_values[final_values["indicator_id"] == FINAL_ALL_SUBJECTS].assign(grade=9, term="VT"))
    rows = pd.concat(parts, ignore_index=True)
    rows["termin"] = [term_label(t, int(y)) for t, y in zip(rows["term"], rows["year"], strict=True)]
    rows["step"] = rows["year"].astype(int) * 2 + (rows["term"] == "VT")
    rows["årskurs"] = "Åk " + rows["grade"].astype(str)
    return rows


st.divider()
st.header("Terminsbetyg i årskurs 6–9")
st.caption(
    "Uppföljning av alla elevers utveckling mot målen: andelen elever med lägst E i alla ämnen de fått betyg i, "
    "på hösten (HT) och våren (VT) i årskurs 6–9. VT i årskurs 9 är slutbetyget. F och streck (-) räknas som "
    "inte godkända. Lärarnas bedömningar i oktober och mars (från årskurs 1) följs per årskull på sidan "
    "Förädlingsvärde."
)
terms = indicator_page.load("betyg_termin")
if terms is None:
    st.info("Serveringsfilen innehåller inga terminsbetyg ännu.")
    st.stop()

rows = term_rows(terms, final.values)
rows = rows[rows["level"].isin(["kommun", "skolenhet"])]
units = rows[["level", "unit_code", "unit_name"]].drop_duplicates("unit_code")
units = units.assign(order=units["level"] != "kommun").sort_values(["order", "unit_name"])
labels = {r.unit_code: indicator_page.unit_label(r.level, r.unit_code, r.unit_name) for r in units.itertuples()}
left, right = st.columns([3, 2])
unit_code = ui.selectbox("Enhet", list(labels), format_func=labels.get, key="termin_enhet", container=left)
gender = ui.gender_radio(key="termin_kon", container=right)

shown = rows[(rows["unit_code"] == unit_code) & (rows["gender"] == gender)].copy()
steps = range(int(rows["step"].min()), int(rows["step"].max()) + 1)
step_labels = {s: term_label("VT" if s % 2 else "HT", s // 2) for s in steps}
order = list(step_labels.values())
shown["visat"] = ui.cell_texts(shown, "value", "procent")
shown["antal"] = ui.count_texts(shown)

st.subheader(f"{labels[unit_code]}: lägst E i alla ämnen per termin")
recent = order[-6:]  # three school years
table = ui.text_table(
    shown, index="årskurs", columns="termin", index_order=GRADES, column_order=recent, index_name="Årskurs"
)
ui.show_table(table)
ui.explain_codes(ui.codes_in(table))
st.caption(
    "Följ en årskull snett nedåt åt höger: HT och VT i årskurs 6, sedan årskurs 7 ett läsår senare, och så vidare."
)

chart = ui.line_chart(
    shown,
    x="termin",
    x_order=order,
    y="value",
    series="årskurs",
    unit="procent",
    x_title="Termin",
    series_title="Årskurs",
    series_order=GRADES,
    tooltip=[
        alt.Tooltip("årskurs:N", title="Årskurs"),
        alt.Tooltip("termin:N", title="Termin"),
        alt.Tooltip("visat:N", title="Lägst E i alla ämnen"),
        alt.Tooltip("antal:N", title="Antal elever"),
    ],
)
if chart is not None:
    ui.show_chart(chart)
    st.caption(ui.GAP_TEXT)

# Every unit in one term: where the pupils are who do not yet reach E in every subject.
with_values = rows[(rows["gender"] == gender) & rows["value"].notna()]
latest = step_labels[int(with_values["step"].max())] if not with_values.empty else order[-1]
term_choice = ui.selectbox(
    "Termin i jämförelsen mellan enheterna", order[::-1], index=order[::-1].index(latest), key="termin_val"
)
one_term = rows[(rows["termin"] == term_choice) & (rows["gender"] == gender)].copy()
one_term["visat"] = ui.cell_texts(one_term, "value", "procent")
one_term["enhet"] = one_term["unit_code"].map(labels)
term_units = set(one_term["enhet"])
by_unit = ui.text_table(
    one_term,
    index="enhet",
    columns="årskurs",
    index_order=[name for name in labels.values() if name in term_units],
    column_order=GRADES,
    index_name="Enhet",
)
st.subheader(f"Alla enheter {term_choice}: lägst E i alla ämnen ({ui.GENDERS[gender].lower()})")
ui.show_table(by_unit)
ui.explain_codes(ui.codes_in(by_unit))
