"""Skolor — en skolenhet i taget, som underlag för kvalitetsdialogen: skolans elever och bakgrund, alla
indikatorer som serveras för skolan med kommunen och riket bredvid, antal och status, trend för de senaste
åren, förädlingsvärde och liknande skolenheter. Skolan väljs i listan eller med adressen ?skolenhet=<kod>
(så kan andra sidor länka hit). En rektor ser bara sina egna skolenheter: raderna kommer från data.py, som
filtrerar efter roll."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from dashboards import data, pages
from dashboards import presentation as ui
from skolanalys.value_added_stages import stage as stage_of
from skolanalys.value_added_stages import stages

# Topic → (section heading, the page that shows every school, what n counts).
TOPICS = {
    "betyg_ak9": ("Resultat i årskurs 9", pages.RESULTAT, "Elever"),
    "nationella_prov": ("Nationella prov", pages.NATIONELLA_PROV, "Elever"),
    "franvaro": ("Frånvaro", pages.FRANVARO, "Elever"),
    "betyg_termin": ("Terminsbetyg", pages.RESULTAT, "Elever"),
    "enkater": ("Enkäter", pages.ENKATER, "Svarande"),
}
SOURCE_ORDER = {"local": 0, "skolverket": 1, "kolada": 2}  # the own computation first, as Översikt does
YEARS_SHOWN = 5
QUERY_PARAMETER = "skolenhet"
WIDGET_KEY = "skolor_skolenhet"
STAGES = {s.name: s.label for s in stages()}
VA_OUTCOMES = {"meritvarde": "meritvärde", "alla_amnen": "alla ämnen godkända"}
SIMILAR_OUTCOMES = {
    "meritvarde": ("Meritvärde", ""),
    "alla_amnen": ("Alla ämnen godkända", "procent"),
    "behorighet_yrkes": ("Behörig till yrkesprogram", "procent"),
}


code_of = ui.code_of  # '' shown, '..' hidden, '.' no value (shared with the report)


def nowrap(text: str) -> str:
    """A % kept with its number in the static tables: '79,8 %'."""
    return text.replace(" %", "\u00a0%") if isinstance(text, str) else text


def cell(value, status, unit: str) -> str:
    """A served cell: its value with a decimal comma, '..' when hidden, '.' when there is no value."""
    return code_of(status) or nowrap(data.format_value(value, "", unit))


def preferred(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One row per key: the own computation where there is one, else the published figure."""
    if frame.empty:
        return frame
    ranked = frame.assign(_order=frame["source"].map(SOURCE_ORDER).fillna(9))
    return ranked.sort_values("_order", kind="stable").drop_duplicates(keys).drop(columns="_order")


def status_of(row) -> str:
    return row["status"] if isinstance(row.get("status"), str) else ""


def share(part, whole) -> float | None:
    if part is None or whole is None or pd.isna(part) or pd.isna(whole) or not whole:
        return None
    return 100.0 * float(part) / float(whole)


# --- the page ---------------------------------------------------------------------------------------------

st.title(pages.SKOLOR.title)
st.caption(
    "En skolenhet i taget, som underlag för kvalitetsdialogen: skolans elever och bakgrund, alla indikatorer "
    "med kommunen och riket bredvid, antal och trend för de senaste åren, förädlingsvärde och liknande "
    "skolenheter. Totalt för flickor och pojkar. År = kalenderåret då läsåret slutar (2023/24 → 2024)."
)

data.require_snapshot()

catalogue = data.indicator_catalogue()
values = data.indicator_values(tuple(catalogue["indicator_id"]))
values = values[values["gender"] == "T"]
school_rows = values[values["level"] == "skolenhet"]
if school_rows.empty:
    st.info("Det finns inga skolenheter med publicerade värden att visa.")
    st.stop()

names = preferred(school_rows.sort_values("year", ascending=False), ["unit_code"])
names = names.assign(unit_code=names["unit_code"].astype(str)).sort_values(["unit_name", "unit_code"])
labels = {r.unit_code: f"{r.unit_name} ({r.unit_code})" for r in names.itertuples()}
codes = list(labels)

wanted = st.query_params.get(QUERY_PARAMETER)
if wanted in labels:
    st.session_state[WIDGET_KEY] = wanted
elif wanted:
    shown = f"Skolenheten {wanted}" if re.fullmatch(r"\d{8}", wanted) else "Skolenheten i adressen"
    st.warning(f"{shown} finns inte bland de skolenheter du kan se. Välj en skolenhet i listan.")


def remember_choice() -> None:
    st.query_params[QUERY_PARAMETER] = st.session_state[WIDGET_KEY]


code = st.selectbox("Skolenhet", codes, key=WIDGET_KEY, format_func=labels.get, on_change=remember_choice)
st.query_params[QUERY_PARAMETER] = code
school_name = names.set_index("unit_code").loc[code, "unit_name"]

kommun = values[(values["level"] == "kommun") & (values["source"] == "local")]
if kommun.empty:
    kommunkod = str(data.snapshot_info().get("kommunkod", ""))
    kommun = values[(values["level"] == "kommun") & (values["unit_code"].astype(str) == kommunkod)]
kommun = preferred(kommun, ["indicator_id", "year"])
kommun_name = kommun["unit_name"].iloc[0] if len(kommun) else "kommunen"

st.header(school_name)
st.caption(f"Skolenhetskod {code} · {kommun_name} kommun" if len(kommun) else f"Skolenhetskod {code}")


# --- Elever och bakgrund ------------------------------------------------------------------------------------


def background() -> None:
    """The school's pupils and their background, from the served aggregates only."""
    metrics: list[tuple[str, str, str]] = []
    notes: list[str] = []

    attendance = data.attendance_periods()
    if not attendance.empty:
        rows = attendance[
            (attendance["unit_code"].astype(str) == code) & (attendance["period"] == 0) & (attendance["gender"] == "T")
        ]
        if len(rows):
            row = rows.sort_values("year").iloc[-1]
            metrics.append(
                (
                    f"Elever läsåret {row['school_year']}",
                    data.format_count(row["n"], status_of(row)),
                    "Elever med schemalagd undervisning på skolenheten under läsåret (frånvarons underlag).",
                )
            )

    population, stage = pd.DataFrame(), None
    for stage in STAGES:
        found = data.value_added_population(stage, "T")
        found = found[found["unit_code"].astype(str) == code] if not found.empty else found
        if len(found):
            population = found
            break
    newly_arrived = None
    if len(population):
        row = population.sort_values("cohort").iloc[-1]
        grade = stage_of(stage).outcome_grade
        hidden = status_of(row)
        metrics.append(
            (
                f"Elever med betyg i åk {grade}, {int(row['cohort'])}",
                data.format_count(row["n"], hidden),
                f"Elever som fick betyg i årskurs {grade} på skolenheten vårterminen {int(row['cohort'])} "
                "(förädlingsvärdets elevgrupp).",
            )
        )
        newly_arrived = (
            hidden or nowrap(data.format_value(share(row["n_newly_arrived"], row["n"]), "", "procent")),
            f"Andel av eleverna med betyg i årskurs {grade} {int(row['cohort'])} som varit i Sverige kortare "
            f"tid än fyra år i slutet av årskurs {grade}.",
        )

    gaps = data.equity_gaps("alla_amnen", "foraldrars_utbildning")
    gaps = gaps[gaps["unit_code"].astype(str) == code] if not gaps.empty else gaps
    if len(gaps):
        row = gaps.sort_values("year").iloc[-1]
        hidden = status_of(row)
        value = share(row["n_a"], (row["n_a"] or 0) + (row["n_b"] or 0)) if not hidden else None
        metrics.append(
            (
                "Föräldrar med eftergymnasial utbildning",
                hidden or nowrap(data.format_value(value, "", "procent")),
                f"Andel av eleverna med slutbetyg i årskurs 9 läsåret {row['school_year']} som har minst en "
                "förälder med eftergymnasial utbildning.",
            )
        )
    if newly_arrived is None:
        arrived = data.equity_gaps("alla_amnen", "nyanland")
        arrived = arrived[arrived["unit_code"].astype(str) == code] if not arrived.empty else arrived
        if len(arrived):
            row = arrived.sort_values("year").iloc[-1]
            hidden = status_of(row)
            value = share(row["n_b"], (row["n_a"] or 0) + (row["n_b"] or 0)) if not hidden else None
            newly_arrived = (
                hidden or nowrap(data.format_value(value, "", "procent")),
                f"Andel av eleverna med slutbetyg i årskurs 9 läsåret {row['school_year']} som varit i Sverige "
                "kortare tid än fyra år.",
            )
    if newly_arrived is not None:
        metrics.append(("Nyanlända", *newly_arrived))

    similar = data.similar_units()
    similar = similar[similar["unit_code"].astype(str) == code] if not similar.empty else similar
    if len(similar) and pd.notna(similar.iloc[0]["parents_education"]) and not status_of(similar.iloc[0]):
        first = similar.iloc[0]
        notes.append(
            f"Föräldrarnas utbildningsnivå i årskurs 7–9 läsåret {first['school_year']}: "
            f"{data.format_value(first['parents_education'], '', '')} i genomsnitt (1 = förgymnasial, "
            "2 = gymnasial, 3 = eftergymnasial)."
        )

    st.subheader("Elever och bakgrund")
    if not metrics:
        st.caption("Inga uppgifter om skolenhetens elever i de publicerade sammanställningarna.")
        return
    # Columns as wide as their labels need: a label is never cut ("Föräldrar med eftergymnasial utbildning").
    widths = [max(len(label), 14) for label, _, _ in metrics]
    for column, (label, value, help_text) in zip(st.columns(widths), metrics, strict=True):
        column.metric(label, value, help=help_text)
    st.caption(
        " ".join(
            [
                *notes,
                "Ur de publicerade, röjandekontrollerade sammanställningarna (frånvaron, förädlingsvärdets "
                "elevgrupp och likvärdighetens grupper). .. = visas inte för att skydda enskilda elever.",
            ]
        )
    )


background()


# --- Indikatorer --------------------------------------------------------------------------------------------

riket = values[values["level"] == "riket"]
bench = data.benchmarking() if data.table_exists("benchmarking") else pd.DataFrame()
if not bench.empty:
    bench = bench[(bench["gender"] == "T") & bench["riket_value"].notna()]


def riket_text(indicator_id: str, year: int, unit: str) -> str:
    """Riket for the year (or the latest year before it, with its year): from indicator_values' riket rows
    (Kolada) or the Kolada benchmarking of the same KPI; 'saknas' for the warehouse's own indicators."""
    candidates = []
    rows = riket[(riket["indicator_id"] == indicator_id) & (riket["year"] <= year)]
    candidates += [(int(r.year), r.value, r.status) for r in rows.itertuples()]
    if not bench.empty:
        rows = bench[(bench["kpi_id"] == indicator_id) & (bench["year"] <= year)]
        candidates += [(int(r.year), r.riket_value, "") for r in rows.itertuples()]
    candidates = [c for c in candidates if c[2] or pd.notna(c[1])]
    if not candidates:
        return "saknas"
    found_year, value, status = max(candidates, key=lambda c: (c[0], pd.notna(c[1])))
    text = cell(value, status, unit)
    return text if found_year == year else f"{text} ({found_year})"


def trend_text(rows: pd.DataFrame, higher_is_better) -> str:
    """The school's latest shown value against its first shown value of the years in the table."""
    shown = rows[(rows["status"].fillna("") == "") & rows["value"].notna()].sort_values("year")
    if len(shown) < 2:
        return ""
    first, last = shown.iloc[0], shown.iloc[-1]
    # The change the reader sees: between the values as shown, with one decimal.
    change = round(round(float(last["value"]), 1) - round(float(first["value"]), 1), 1)
    since = f"sedan {int(first['year'])}"
    if change == 0:
        return f"→ oförändrad {since}"
    arrow = "↑" if change > 0 else "↓"
    if higher_is_better is None or pd.isna(higher_is_better):
        word = "ökning" if change > 0 else "minskning"
    else:
        word = "förbättring" if (change > 0) == bool(higher_is_better) else "försämring"
    return f"{arrow} {word} {since} ({data.format_change(change)})"


def indicator_table(topic_ids: list[str], count_label: str) -> tuple[pd.DataFrame, bool]:
    """The topic's indicators for the school: the last years, n, the kommun and riket the latest year, trend.
    Also whether a published figure stands in for an own computation."""
    own = school_rows[(school_rows["unit_code"].astype(str) == code) & school_rows["indicator_id"].isin(topic_ids)]
    own = preferred(own, ["indicator_id", "year"])
    # Consecutive years, so a year without a value (the national tests of 2020 and 2021) shows as '.'.
    held = sorted(int(y) for y in own["year"].unique())
    latest = held[-1]
    years = list(range(max(held[0], latest - YEARS_SHOWN + 1), latest + 1))
    own = own[own["year"].isin(years)]
    info = catalogue.set_index("indicator_id")
    records = []
    served = set(own["indicator_id"])
    for indicator_id in [i for i in topic_ids if i in served]:
        unit = info.loc[indicator_id, "unit"]
        rows = own[own["indicator_id"] == indicator_id]
        by_year = {int(r.year): r for r in rows.itertuples()}
        record = {"Indikator": short_titles[indicator_id]}
        for year in years:
            r = by_year.get(year)
            record[str(year)] = cell(r.value, r.status, unit) if r is not None else "."
        now = by_year.get(latest)
        record[f"{count_label} {latest}"] = data.format_count(now.n, code_of(now.status)) if now is not None else "."
        k = kommun[(kommun["indicator_id"] == indicator_id) & (kommun["year"] == latest)]
        record[f"Kommunen {latest}"] = cell(k.iloc[0]["value"], k.iloc[0]["status"], unit) if len(k) else "."
        record["Riket"] = riket_text(indicator_id, latest, unit)
        record["Trend"] = trend_text(rows, info.loc[indicator_id, "higher_is_better"])
        records.append(record)
    return pd.DataFrame(records), bool((own["source"] != "local").any())


short_titles = ui.short_titles(catalogue)
topics = list(TOPICS) + [t for t in catalogue["topic"].unique() if t not in TOPICS]
shown_any = False
for topic in topics:
    topic_ids = list(catalogue.loc[catalogue["topic"] == topic, "indicator_id"])
    if not (school_rows["unit_code"].astype(str).eq(code) & school_rows["indicator_id"].isin(topic_ids)).any():
        continue
    section, page, count_label = TOPICS.get(topic, (topic, None, "Antal"))
    table, published = indicator_table(topic_ids, count_label)
    st.subheader(section)
    if not shown_any:
        st.caption(
            "Skolans värden för de senaste åren, antal elever (svarande för enkäterna) och kommunen det senaste "
            "året. Riket ur Kolada där indikatorn är ett nyckeltal där, annars saknas (kommunens egna mått). "
            "Trend: senaste värdet jämfört med det första i tabellen."
        )
    shown_any = True
    st.table(table, hide_index=True)
    ui.explain_codes(
        ui.codes_in(table),
        ui.SURVEY_SUPPRESSED_TEXT if topic == "enkater" else data.SUPPRESSED_TEXT,
        missing_text=ui.NATIONAL_TESTS_MISSING_TEXT if topic == "nationella_prov" else ui.MISSING_TEXT,
    )
    if published:
        st.caption("År utan kommunens egen beräkning visar Skolverkets publicerade värde.")
    if page:
        st.page_link(page.path, label=page.link_label("Alla skolenheter"), icon=":material/arrow_forward:")
if not shown_any:
    st.info("Det finns inga indikatorvärden för skolenheten.")


# --- Förädlingsvärde --------------------------------------------------------------------------------------


def value_added_cell(rows: pd.DataFrame) -> str:
    if rows.empty:
        return "."
    row = rows.iloc[0]
    hidden = status_of(row)
    if hidden:
        return hidden
    if pd.isna(row["va"]):
        return "."
    value = data.format_change(row["va"])
    if pd.isna(row["ci_low"]) or pd.isna(row["ci_high"]):
        return value
    return f"{value} ({data.format_interval(row['ci_low'], row['ci_high'])})"


def value_added_section() -> None:
    st.subheader("Förädlingsvärde")
    if not data.table_exists("value_added"):
        st.info(data.NO_DATA_YET)
        return
    found = []
    for stage, stage_title in STAGES.items():
        for outcome, outcome_title in VA_OUTCOMES.items():
            rows = data.value_added(stage, "contextual", outcome, "T")
            rows = rows[(rows["level"] == "skolenhet") & (rows["unit_code"].astype(str) == code)]
            if len(rows):
                found.append((f"{stage_title}, {outcome_title}", rows))
    if not found:
        st.caption(
            "Inget förädlingsvärde för skolenheten: det räknas för skolenheter vars elever fått betyg i årskurs 9 "
            "(eller 6) och har tidigare resultat i kommunen."
        )
        return
    cohorts = sorted({int(c) for _, rows in found for c in rows["cohort"].dropna()})[-3:]
    records = []
    for title, rows in found:
        pooled = rows[rows["cohort"].isna()]
        record = {"Mått": title}
        for cohort in cohorts:
            record[f"Årskull {cohort}"] = value_added_cell(rows[rows["cohort"] == cohort])
        record["Alla årskullar"] = value_added_cell(pooled)
        first = pooled.iloc[0] if len(pooled) else None
        record["Nivå"] = (
            "."
            if first is None
            else status_of(first) or (first["band_sv"] if isinstance(first.get("band_sv"), str) else ".")
        )
        record["Elever"] = data.format_count(first["n"], status_of(first)) if first is not None else "."
        records.append(record)
    table = pd.DataFrame(records)
    st.table(table, hide_index=True)
    st.caption(
        "Kontextuell modell, totalt: hur mycket bättre eller sämre skolans elever lyckades än kommunens elever "
        "med liknande tidigare resultat och bakgrund — i meritvärdespoäng, eller procentenheter för alla ämnen "
        "godkända. Inom parentes 95 % konfidensintervall; nivå och antal elever för alla årskullar tillsammans."
    )
    ui.explain_codes(ui.codes_in(table))
    st.page_link(
        pages.FORADLINGSVARDE.path,
        label=pages.FORADLINGSVARDE.link_label("Intervall, trattdiagram och kohortens väg"),
        icon=":material/arrow_forward:",
    )


def similar_section() -> None:
    st.subheader("Liknande skolenheter")
    if not data.table_exists("similar_units_comparison"):
        st.info(data.NO_DATA_YET)
        return
    comparison = data.similar_units_comparison()
    rows = comparison[comparison["unit_code"].astype(str) == code] if not comparison.empty else comparison
    if rows.empty:
        st.caption("Inga liknande skolenheter för skolenheten: de tas fram för kommunens skolenheter med årskurs 9.")
        return
    records = []
    for outcome, (title, unit) in SIMILAR_OUTCOMES.items():
        found = rows[rows["outcome"] == outcome]
        if found.empty:
            continue
        r = found.sort_values("year").iloc[-1]
        fmt = lambda v, unit=unit: nowrap(data.format_value(v, "", unit)) if pd.notna(v) else "."  # noqa: E731
        records.append(
            {
                "Utfall": title,
                "Läsår": r["school_year"],
                "Skolan": fmt(r["own_value"]),
                "Liknande skolenheter, median": fmt(r["group_median"]),
                "Mittersta hälften": f"{fmt(r['group_q1'])} – {fmt(r['group_q3'])}",
                "Lägst – högst": f"{fmt(r['group_min'])} – {fmt(r['group_max'])}",
                "Antal liknande": data.format_count(r["group_n"]),
            }
        )
    st.table(pd.DataFrame(records), hide_index=True)
    neighbours = data.similar_units()
    nearest = ""
    if not neighbours.empty:
        neighbours = neighbours[neighbours["unit_code"].astype(str) == code].dropna(subset=["similar_unit_name"])
        nearest = ", ".join(
            f"{r.similar_unit_name} ({r.kommun})" for r in neighbours.sort_values("rank").head(5).itertuples()
        )
    st.caption(
        "De skolenheter i landet (högst tio) vars elever mest liknar skolans i föräldrarnas utbildning, andelen "
        "pojkar och antalet elever i årskurs 9, med Skolverkets publicerade resultat. Skolans värde: Skolverkets, "
        "annars kommunens egen beräkning; . = inget värde." + (f" Mest lika: {nearest}." if nearest else "")
    )
    st.page_link(
        pages.LIKVARDIGHET.path,
        label=pages.LIKVARDIGHET.link_label("Bakgrund och spridning"),
        icon=":material/arrow_forward:",
    )


value_added_section()
similar_section()
