"""Översikt — Var är vi? Nämndens mål med status, utfall mot målvärde, jämförelse och trend, och målens
aktiviteter. Statusen står alltid i ord och med en symbol, inte bara i färg. Regler: docs/goals.md."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from dashboards import data, pages, presentation

# Status → (badge colour, icon, symbol in tables, cell tint), shared with the report (dashboards/presentation.py).
GOAL_STATUS = presentation.GOAL_STATUS
ACTION_STATUS = presentation.ACTION_STATUS
keep_together = presentation.keep_together
RULE_TEXT = {
    "alla": "målet är uppfyllt när alla mått är det",
    "flertal": "mer än hälften av måtten avgör",
    "viktat": "mer än hälften av måttens vikt avgör",
}
GENDER_TEXT = {"K": "flickor", "M": "pojkar"}
LATEST = "Senaste mätbara år"
CODES_SUPPRESSED_TEXT = (
    "..: utfallet visas inte för att skydda enskilda elever (röjandekontroll): för få elever eller svarande."
)
CODES_MISSING_TEXT = ".: inget utfall det året — uppgiften finns inte i underlaget (ännu)."

st.title(pages.OVERSIKT.title)
st.caption(
    "Var är vi? Nämndens mål med status, utfall för tre år, målvärde och jämförelse med riket och liknande "
    "kommuner. Utfallen är de publicerade, röjandekontrollerade värdena; ett dolt värde kan inte mätas. "
    "År = kalenderåret då läsåret slutar."
)

data.require_snapshot()

status = data.goal_status()
if status.empty:
    st.info(
        "Inga mål inlästa ännu. Lägg nämndens mål i landningsmappen mal/ (YAML eller Excel, se "
        "docs/contracts.md) och kör `skolanalys run`."
    )
    st.stop()

results = data.goal_results()
actions = data.goal_actions()


def chosen_years(choice: str | int) -> dict[str, int]:
    """goal → the year shown: the chosen year when it is in the goal's period, else its latest measured year
    (its first year when none could be measured)."""
    shown = {}
    for goal_id, rows in status.groupby("goal_id", sort=False):
        years = set(rows["year"])
        if choice != LATEST and choice in years:
            shown[goal_id] = int(choice)
            continue
        latest = rows.loc[rows["is_latest_measured"], "year"]
        shown[goal_id] = int(latest.iloc[0]) if len(latest) else int(rows["year"].min())
    return shown


years = sorted(set(status["year"]), reverse=True)
choice = st.selectbox("År", [LATEST, *years], format_func=str)
shown = chosen_years(choice)
current = pd.concat([rows[rows["year"] == shown[goal_id]] for goal_id, rows in status.groupby("goal_id", sort=False)])
current = current.sort_values(["goal_sort_order", "goal_id"])

counts = current["status"].value_counts()
for column, (word, (_, _, symbol, _)) in zip(st.columns(len(GOAL_STATUS)), GOAL_STATUS.items(), strict=True):
    column.metric(f"{symbol} Mål {word}", int(counts.get(word, 0)))


def fmt(value, unit: str, value_status: str | None = "") -> str:
    """A cell in Swedish ('79,8 %', the % kept with its number), the reason code when hidden, '.' when
    there is no value."""
    return nowrap(data.format_value(value, value_status if isinstance(value_status, str) else "", unit))


def nowrap(text: str) -> str:
    return text.replace(" %", "\u00a0%") if isinstance(text, str) else text


def threshold(value) -> str:
    """A threshold of the status rule as written in the goals file: '100', '90,5'."""
    return f"{value:g}".replace(".", ",")


def short_title(r) -> str:
    """The indicator's title without its unit note: 'Meritvärde åk 9, genomsnitt (17 ämnen)' → 'Meritvärde åk
    9, genomsnitt', 'Uppnått … åk 9, andel (%)' → 'Uppnått … åk 9' (the full title is on the link)."""
    title = r.indicator_title if isinstance(r.indicator_title, str) else r.indicator_id
    return re.sub(r"(, andel)?\s*\([^()]*\)$", "", title).strip() or title


def unit_label(r) -> str:
    label = r.unit_name if isinstance(r.unit_name, str) else r.unit_code
    return f"{label}, {GENDER_TEXT[r.gender]}" if r.gender in GENDER_TEXT else label


def measure_label(r) -> str:
    return f"{short_title(r)} – {unit_label(r)}"


def status_text(r) -> str:
    text = keep_together(f"{GOAL_STATUS[r.status][2]} {r.status}")
    return text + " (inom osäkerheten)" if r.inom_osakerheten else text


def trend_text(r) -> str:
    first = r.value_2 if pd.notna(r.value_2) else r.value_1
    if not isinstance(r.trend, str) or pd.isna(first) or pd.isna(r.value):
        return ""
    arrow = "→" if r.trend == "oförändrad" else ("↑" if r.value > first else "↓")
    return f"{arrow} {r.trend} sedan {int(r.trend_from_year)}"


def target_text(r) -> str:
    if r.target_type == "absolut":
        return keep_together(r.target_text)
    if pd.isna(r.target_value):
        return r.target_text
    return f"{r.target_text} ({fmt(r.target_value, r.unit)})"


def tint(colours: dict[str, str]):
    """A cell's background by its status word ('◐ delvis uppfyllt (inom osäkerheten)' → delvis uppfyllt)."""

    def cell(text: str) -> str:
        word = text.replace("\u00a0", " ").split(" ", 1)[-1].split(" (")[0] if isinstance(text, str) else None
        return f"background-color: {colours[word]}; color: #1a1a1a" if word in colours else ""

    return cell


GOAL_TINT = {w: t for w, (_, _, _, t) in GOAL_STATUS.items()}


def measure_table(rows: pd.DataFrame, year: int) -> pd.DataFrame:
    """Årsredovisningens tabell: status | mått | utfall tre år | målvärde | jämförelse | trend."""
    first = {m: i for i, m in reversed(list(zip(rows.index, rows["measure_no"], strict=True)))}
    records = list(rows.itertuples())  # once: a row tuple of every column costs more than what is read from it
    table = pd.DataFrame(
        {
            "Status": [status_text(r) for r in records],
            # the measure once, on its first row (its units follow)
            "Mått": [short_title(r) if r.Index == first[r.measure_no] else "" for r in records],
            "Enhet": [unit_label(r) for r in records],
            str(year - 2): [fmt(r.value_2, r.unit, r.value_status_2) for r in records],
            str(year - 1): [fmt(r.value_1, r.unit, r.value_status_1) for r in records],
            str(year): [fmt(r.value, r.unit, r.value_status) for r in records],
            "Målvärde": [target_text(r) for r in records],
            "Riket": [fmt(r.riket_value, r.unit) if pd.notna(r.riket_value) else "" for r in records],
            "Liknande kommuner": [fmt(r.similar_value, r.unit) if pd.notna(r.similar_value) else "" for r in records],
            "Trend": [trend_text(r) for r in records],
        }
    )
    # The comparison columns only where the goal has a comparison: the table fits the screen.
    empty = [c for c in ("Riket", "Liknande kommuner") if not table[c].astype(bool).any()]
    return table.drop(columns=empty)


st.subheader("Nämndens mål")
for goal in current.itertuples():
    year = shown[goal.goal_id]
    rows = results[(results["goal_id"] == goal.goal_id) & (results["year"] == year)]
    colour, icon, _, _ = GOAL_STATUS[goal.status]
    with st.container(border=True):
        left, right = st.columns([4, 1])
        left.markdown(f"**{goal.goal_id} · {goal.goal_title}**")
        right.badge(goal.status, icon=icon, color=colour)
        st.caption(
            f"{year} (läsår {goal.school_year}): {goal.measures_met} av {goal.measures_measurable} mätbara mått "
            f"uppfyllda, {goal.measures} mått totalt · {RULE_TEXT.get(goal.goal_rule, goal.goal_rule)} · "
            f"uppfyllt från {threshold(goal.achieved_from_pct)} % av målvärdet, delvis från "
            f"{threshold(goal.partly_from_pct)} %"
        )
        if rows.empty:
            st.caption("Inga mått att visa för din behörighet.")
            continue
        table = measure_table(rows, year)
        # A static table: long texts wrap, so the whole årsredovisning row fits the screen.
        st.table(table.style.map(tint(GOAL_TINT), subset=["Status"]).hide(axis="index"))
        presentation.explain_codes(presentation.codes_in(table), CODES_SUPPRESSED_TEXT, missing_text=CODES_MISSING_TEXT)
        notes = [f"{measure_label(r)}: {r.status_reason}" for r in rows.itertuples() if pd.notna(r.status_reason)]
        if notes:
            st.caption(" · ".join(dict.fromkeys(notes)))
        links = rows.drop_duplicates("indicator_id")
        for r in links.itertuples():
            page = pages.TOPIC_PAGES.get(r.topic)
            if page is not None:
                st.page_link(page.path, label=page.link_label(r.indicator_title), icon=":material/arrow_forward:")
        # Each school of the goal's rows: its own page (Skolor), side by side.
        schools = rows[rows["level"] == "skolenhet"].drop_duplicates("unit_code")
        columns = st.columns(4) if len(schools) else []
        for i, r in enumerate(schools.itertuples()):
            name = r.unit_name if isinstance(r.unit_name, str) else r.unit_code
            columns[i % 4].page_link(
                pages.SKOLOR.path,
                label=pages.SKOLOR.link_label(name),
                icon=pages.SKOLOR.icon,
                query_params={"skolenhet": str(r.unit_code)},
            )

st.subheader("Aktiviteter — hur gör vi?")
if actions.empty:
    st.info("Målen har inga aktiviteter i målfilen.")
else:
    counted = actions["status"].value_counts()
    st.caption(" · ".join(f"{ACTION_STATUS[w][0]} {w}: {int(counted.get(w, 0))}" for w in ACTION_STATUS))
    table = pd.DataFrame(
        {
            "Mål": [f"{a.goal_id} · {a.goal_title}" for a in actions.itertuples()],
            "Aktivitet": actions["action"],
            "Status": [keep_together(f"{ACTION_STATUS[s][0]} {s}") for s in actions["status"]],
            "Ansvarig": actions["responsible"],
            "Kommentar": actions["comment"].fillna(""),
        }
    )
    action_tint = tint({w: t for w, (_, t) in ACTION_STATUS.items()})
    st.table(table.style.map(action_tint, subset=["Status"]).hide(axis="index"))

with st.expander("Så bedöms målen"):
    st.markdown(
        "- **Utfall** är de publicerade värdena (röjandekontrollerade). Ett dolt värde (`..`) eller ett år utan "
        "värde ger **kan inte mätas**.\n"
        "- **Målvärde**: det angivna värdet, eller för relativa mål rikets värde, liknande kommuners medelvärde, "
        "förra årets utfall (bättre än förra året) eller utfallet för några år sedan (förbättring).\n"
        "- **Status**: uppfyllt när utfallet når målvärdet (kommunens gräns i procent av målvärdet), delvis "
        "uppfyllt över den lägre gränsen, annars ej uppfyllt. Mål om förbättring kräver ett bättre utfall än "
        "jämförelseåret.\n"
        "- **Inom osäkerheten**: för ett värde från få elever räknas ett 95 %-intervall. Ligger målvärdet inom "
        "intervallet är missen inte säkerställd — då blir det aldrig ej uppfyllt, utan delvis uppfyllt med "
        "markeringen *inom osäkerheten*.\n"
        "- **Trend**: senaste utfallet jämfört med det tidigaste av de två åren före, med hänsyn till vilket håll "
        "som är bättre.\n"
        "- **Målets status** vägs ihop från måtten enligt målfilens regel; mått som inte kan mätas räknas inte."
    )
