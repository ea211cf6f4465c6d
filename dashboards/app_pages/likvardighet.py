"""Likvärdighet: the gaps between girls and boys, pupils whose parents have eftergymnasial education or not,
and newly arrived pupils or not, for the kommun and each school with 95 % intervals and the Swedish verdict;
the kommun's gap split into a part within and a part between schools; the between-school share of the
variance; and liknande skolenheter — a school's most similar units nationally and where it lies among them."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import data, pages, presentation
from dashboards.intervals import interval_chart, localised, statuses, unit_labels
from skolanalys.disclosure import pupils_text
from skolanalys.school_year import school_year_text

OUTCOMES = {
    "meritvarde": "Meritvärde",
    "alla_amnen": "Alla ämnen godkända",
    "behorighet_yrkes": "Behörig till yrkesprogram",
}
OUTCOME_UNIT = {"meritvarde": "meritvärdespoäng", "alla_amnen": "procentenheter", "behorighet_yrkes": "procentenheter"}
VALUE_UNIT = {"meritvarde": "", "alla_amnen": "procent", "behorighet_yrkes": "procent"}
DIMENSIONS = {
    "kon": "Flickor – pojkar",
    "foraldrars_utbildning": "Föräldrarnas utbildning: eftergymnasial – inte eftergymnasial",
    "nyanland": "Ej nyanlända – nyanlända",
}
GROUPS = {
    "kon": ("Flickor", "Pojkar"),
    "foraldrars_utbildning": ("Eftergymnasial", "Ej eftergymnasial"),
    "nyanland": ("Ej nyanlända", "Nyanlända"),
}
KOMMUN_COLOUR = "#1f5fa6"


def _signed(value, status: str = "") -> str:
    return status or data.format_change(value) or "."


def explanation() -> None:
    with st.expander("Så läser du siffrorna", icon=":material/help:"):
        st.markdown(
            f"""
**Skillnaden** är den första gruppens genomsnitt minus den andra gruppens: flickor minus pojkar,
elever med minst en förälder med eftergymnasial utbildning minus övriga, elever som inte är nyanlända
minus nyanlända (i Sverige kortare tid än fyra år). Positivt värde: den första gruppen har bättre resultat.
För meritvärde i meritvärdespoäng, för andelar i procentenheter.

**Osäkerhet.** Varje skillnad visas med sitt 95 % konfidensintervall. *Skillnaden är statistiskt
säkerställd* när intervallet inte omfattar 0; *skillnaden är inte statistiskt säkerställd* betyder att den
kan bero på slumpen i vilka elever som gick just det året — inte att grupperna är lika. Små grupper ger
breda intervall.

**Inom och mellan skolor.** Kommunens skillnad delas i en del *inom skolorna* (skillnaden mellan
grupperna på samma skola, vägt över skolorna) och en del *mellan skolorna* (resten: att grupperna går på
skolor med olika resultat). En stor del mellan skolor kan bero på skolval och boende, en stor del inom
skolor på det som händer i skolan.

**Mellanskolvariation** är hur stor del av skillnaderna i meritvärde mellan kommunens elever som ligger
mellan skolorna (resten finns inom skolorna), med 95 % konfidensintervall.

**Liknande skolenheter** är de tio skolenheter i landet vars elever mest liknar skolans i föräldrarnas
utbildning, andelen pojkar och antalet elever i årskurs 9, med deras publicerade resultat (Skolverket). De
visar vad skolor med liknande förutsättningar når — inte vad skolan borde nå.

**..** betyder att värdet inte visas för att skydda enskilda elever (röjandekontroll): {pupils_text()}
i någon av grupperna, eller dolt för att det inte ska kunna räknas fram ur de andra värdena.
"""
        )


def gaps_section(outcome: str, dimension: str) -> None:
    st.subheader(f"Skillnader per år: {DIMENSIONS[dimension].lower()}")
    gaps = data.equity_gaps(outcome, dimension)
    if gaps.empty:
        st.info(data.NO_DATA_YET)
        return
    gaps = gaps.assign(status=statuses(gaps), enhet=unit_labels(gaps))
    gaps["år"] = gaps["year"].astype(int).astype(str)
    units = gaps[["level", "unit_code", "enhet"]].drop_duplicates("unit_code")
    units = units.assign(kommun=units["level"] != "kommun").sort_values(["kommun", "enhet"])
    labels = dict(zip(units["unit_code"].astype(str), units["enhet"], strict=True))
    default = [c for c, lvl in zip(units["unit_code"].astype(str), units["level"], strict=True) if lvl == "kommun"]
    schools = [c for c, lvl in zip(units["unit_code"].astype(str), units["level"], strict=True) if lvl != "kommun"]
    if len(schools) == 1:  # a rektor of one school: their school beside the kommun from the start
        default += schools
    chosen = presentation.multiselect(
        "Enheter i diagrammet", list(labels), default=default or list(labels)[:1], format_func=labels.get
    )
    unit = OUTCOME_UNIT[outcome]
    shown = gaps[gaps["unit_code"].astype(str).isin(chosen) & (gaps["status"] == "") & gaps["gap"].notna()].copy()
    if not shown.empty:
        shown["gap_text"] = shown["gap"].map(_signed)
        shown["ci_text"] = [
            data.format_interval(lo, hi) for lo, hi in zip(shown["ci_low"], shown["ci_high"], strict=True)
        ]
        palette = ["#1f5fa6", "#e07b00", "#2e7d32", "#7b3fa0", "#c62828", "#00838f", "#6d4c41", "#ad1457"]
        shown_names = set(shown["enhet"])
        names = [labels[c] for c in chosen if labels[c] in shown_names]
        chart = interval_chart(
            shown,
            category="år",
            value="gap",
            low="ci_low",
            high="ci_high",
            colour="enhet",
            colour_title="Enhet",
            value_title=f"Skillnad ({unit})",
            category_title="År (vårterminen)",
            colours=dict(zip(names, palette * (len(names) // len(palette) + 1), strict=False)),
            offset="enhet",
            horizontal=False,
            tooltip=[
                alt.Tooltip("enhet:N", title="Enhet"),
                alt.Tooltip("år:N", title="År"),
                alt.Tooltip("gap_text:N", title="Skillnad"),
                alt.Tooltip("ci_text:N", title="95 % konfidensintervall"),
                alt.Tooltip("verdict:N", title="Bedömning"),
            ],
        )
        st.altair_chart(localised(chart), width="stretch")
        st.caption(
            "Punkten är skillnaden, strecket dess 95 % konfidensintervall. Ett streck som inte når den streckade "
            "linjen vid 0: skillnaden är statistiskt säkerställd."
        )
    elif chosen:
        st.info("De valda enheterna har inga visade skillnader för det här urvalet.")
    group_a, group_b = GROUPS[dimension]
    fmt = VALUE_UNIT[outcome]
    table = gaps.assign(kommun=gaps["level"] != "kommun").sort_values(["kommun", "enhet", "year"])
    st.dataframe(
        pd.DataFrame(
            {
                "Enhet": table["enhet"],
                "Läsår": table["year"].map(school_year_text),
                group_a: [data.format_value(v, s, fmt) for v, s in zip(table["mean_a"], table["status"], strict=True)],
                group_b: [data.format_value(v, s, fmt) for v, s in zip(table["mean_b"], table["status"], strict=True)],
                "Skillnad": [_signed(v, s) for v, s in zip(table["gap"], table["status"], strict=True)],
                "95 % konfidensintervall": [
                    data.format_interval(lo, hi, s)
                    for lo, hi, s in zip(table["ci_low"], table["ci_high"], table["status"], strict=True)
                ],
                f"Elever ({group_a.lower()} / {group_b.lower()})": [
                    s or f"{data.format_count(a)} / {data.format_count(b)}"
                    for a, b, s in zip(table["n_a"], table["n_b"], table["status"], strict=True)
                ],
                "Bedömning": [
                    "redovisas inte" if s == ".." else (v if isinstance(v, str) else ".")
                    for v, s in zip(table["verdict"], table["status"], strict=True)
                ],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(f"Skillnad = {group_a.lower()} − {group_b.lower()}, i {unit}.")
    if (table["status"] == "..").any():
        st.caption(data.SUPPRESSED_TEXT)


def decomposition_section(outcome: str, dimension: str, decomposition: pd.DataFrame) -> None:
    st.subheader("Kommunens skillnad inom och mellan skolor")
    if decomposition.empty:
        st.info(data.NO_DATA_YET)
        return
    rows = decomposition[
        (decomposition["measure"] == "gap_decomposition")
        & (decomposition["outcome"] == outcome)
        & (decomposition["dimension"] == dimension)
    ].copy()
    if rows.empty:
        st.info("Ingen uppdelning för det här urvalet.")
        return
    rows["status"] = statuses(rows)
    rows["år"] = rows["year"].astype(int).astype(str)
    unit = OUTCOME_UNIT[outcome]
    shown = rows[(rows["status"] == "") & rows["within_school"].notna()]
    if not shown.empty:
        parts = shown.melt(
            id_vars=["år", "total_gap"],
            value_vars=["within_school", "between_school"],
            var_name="del",
            value_name="värde",
        )
        parts["del"] = parts["del"].map({"within_school": "Inom skolorna", "between_school": "Mellan skolorna"})
        parts["värde_text"] = parts["värde"].map(_signed)
        bars = (
            alt.Chart(parts)
            .mark_bar(size=34)
            .encode(
                x=alt.X("år:N", title="År (vårterminen)", axis=alt.Axis(labelAngle=0)),
                y=alt.Y("värde:Q", title=f"Skillnad ({unit})", stack="zero"),
                color=alt.Color(
                    "del:N",
                    title="Del av skillnaden",
                    scale=alt.Scale(domain=["Inom skolorna", "Mellan skolorna"], range=["#1f5fa6", "#e0a040"]),
                    legend=alt.Legend(orient="bottom"),
                ),
                tooltip=[
                    alt.Tooltip("år:N", title="År"),
                    alt.Tooltip("del:N", title="Del"),
                    alt.Tooltip("värde_text:N", title="Skillnad"),
                ],
            )
        )
        total = (
            alt.Chart(shown.assign(total_text=shown["total_gap"].map(_signed), serie="Hela skillnaden"))
            .mark_tick(color="#000000", thickness=3, size=46)
            .encode(
                x="år:N",
                y="total_gap:Q",
                tooltip=[alt.Tooltip("år:N", title="År"), alt.Tooltip("total_text:N", title="Hela skillnaden")],
            )
        )
        zero = alt.Chart(pd.DataFrame({"noll": [0.0]})).mark_rule(color="#555555").encode(y="noll:Q")
        st.altair_chart(localised(alt.layer(bars, total, zero).properties(height=260)), width="stretch")
        st.caption("Staplarna är de två delarna; det svarta strecket är hela skillnaden i kommunen (summan).")
    st.dataframe(
        pd.DataFrame(
            {
                "Läsår": rows["year"].map(school_year_text),
                "Hela skillnaden": [_signed(v, s) for v, s in zip(rows["total_gap"], rows["status"], strict=True)],
                "Inom skolorna": [_signed(v, s) for v, s in zip(rows["within_school"], rows["status"], strict=True)],
                "Inom skolorna, 95 % konfidensintervall": [
                    data.format_interval(lo, hi, s)
                    for lo, hi, s in zip(rows["within_ci_low"], rows["within_ci_high"], rows["status"], strict=True)
                ],
                "Mellan skolorna": [_signed(v, s) for v, s in zip(rows["between_school"], rows["status"], strict=True)],
                "Skolor": [data.format_count(v, s) for v, s in zip(rows["n_schools"], rows["status"], strict=True)],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(
        f"I {unit}. Inom skolorna: skillnaden mellan grupperna bland elever på samma skola, vägd över skolorna "
        "(skolor med elever i båda grupperna). Mellan skolorna: hela skillnaden minus delen inom skolorna."
    )
    if (rows["status"] == "..").any():
        st.caption(data.SUPPRESSED_TEXT)


def variance_section(decomposition: pd.DataFrame) -> None:
    st.subheader("Mellanskolvariation i meritvärde")
    if decomposition.empty:
        st.info(data.NO_DATA_YET)
        return
    rows = decomposition[decomposition["measure"] == "between_school_variance_share"].copy()
    if rows.empty:
        st.info("Ingen mellanskolvariation beräknad ännu.")
        return
    rows["status"] = statuses(rows)
    rows["år"] = rows["year"].astype(int).astype(str)
    shown = rows[(rows["status"] == "") & rows["between_school_share_pct"].notna()].copy()
    if not shown.empty:
        shown["andel_text"] = shown["between_school_share_pct"].map(lambda v: data.format_value(v, "", "procent"))
        shown["ci_text"] = [
            f"{data.format_value(lo, '', 'procent')} till {data.format_value(hi, '', 'procent')}"
            for lo, hi in zip(shown["share_ci_low"], shown["share_ci_high"], strict=True)
        ]
        shown["serie"] = "Andel mellan skolorna"
        chart = interval_chart(
            shown,
            category="år",
            value="between_school_share_pct",
            low="share_ci_low",
            high="share_ci_high",
            colour="serie",
            colour_title="",
            value_title="Andel av variationen mellan skolor (%)",
            category_title="År (vårterminen)",
            colours={"Andel mellan skolorna": KOMMUN_COLOUR},
            horizontal=False,
            tooltip=[
                alt.Tooltip("år:N", title="År"),
                alt.Tooltip("andel_text:N", title="Andel mellan skolorna"),
                alt.Tooltip("ci_text:N", title="95 % konfidensintervall"),
            ],
        )
        st.altair_chart(localised(chart), width="stretch")
    st.dataframe(
        pd.DataFrame(
            {
                "Läsår": rows["year"].map(school_year_text),
                "Andel mellan skolorna": [
                    data.format_value(v, s, "procent")
                    for v, s in zip(rows["between_school_share_pct"], rows["status"], strict=True)
                ],
                "95 % konfidensintervall": [
                    s
                    or (
                        f"{data.format_value(lo, '', 'procent')} till {data.format_value(hi, '', 'procent')}"
                        if pd.notna(lo) and pd.notna(hi)
                        else "."
                    )
                    for lo, hi, s in zip(rows["share_ci_low"], rows["share_ci_high"], rows["status"], strict=True)
                ],
                "Elever": [data.format_count(v, s) for v, s in zip(rows["n"], rows["status"], strict=True)],
                "Skolor": [data.format_count(v, s) for v, s in zip(rows["n_schools"], rows["status"], strict=True)],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(
        "Hur stor del av skillnaderna i meritvärde mellan kommunens elever i årskurs 9 som ligger mellan "
        "skolorna (resten finns mellan elever på samma skola). 0 % betyder att alla skolor har samma "
        "genomsnitt; ju högre andel, desto mer spelar det roll vilken skola eleven går på."
    )
    if (rows["status"] == "..").any():
        st.caption(data.SUPPRESSED_TEXT)


def _position(own, low, q1, median, q3, high) -> str:
    if own is None or pd.isna(own):
        return "."
    if own < low:
        return "lägre än alla liknande skolenheter"
    if own > high:
        return "högre än alla liknande skolenheter"
    if own < q1:
        return "i den lägsta fjärdedelen"
    if own > q3:
        return "i den högsta fjärdedelen"
    return "under medianen" if own < median else ("över medianen" if own > median else "vid medianen")


def similar_section(outcome: str) -> None:
    st.subheader("Liknande skolenheter")
    similar = data.similar_units()
    if similar.empty:
        st.info(data.NO_DATA_YET)
        return
    similar = similar.assign(status=statuses(similar), enhet=unit_labels(similar))
    schools = similar.drop_duplicates("unit_code").sort_values("enhet")
    labels = dict(zip(schools["unit_code"].astype(str), schools["enhet"], strict=True))
    code = st.selectbox("Skolenhet", list(labels), format_func=labels.get, key="similar_school")
    own = similar[similar["unit_code"].astype(str) == code]
    first = own.iloc[0]
    if first["status"] == "..":
        st.write(f"{labels[code]}: ..")
        st.caption(data.SUPPRESSED_TEXT)
        return
    a, b, c = st.columns(3)
    a.metric(f"Elever i årskurs 9 ({first['school_year']})", data.format_count(first["n"]))
    b.metric("Föräldrarnas utbildning (1–3)", data.format_value(first["parents_education"], "", ""))
    c.metric("Andel pojkar", data.format_value(first["share_boys"], "", "procent"))
    neighbours = own.dropna(subset=["similar_unit_code"]).sort_values("rank")
    results_year = neighbours["results_school_year"].dropna()
    places = neighbours["rank"].map(lambda r: f"{int(r)}")
    st.markdown("**De mest liknande skolenheterna och deras bakgrund**")
    st.dataframe(
        pd.DataFrame(
            {
                "Plats": places,
                "Skolenhet": neighbours["similar_unit_name"],
                "Kommun": neighbours["kommun"],
                "Huvudman": neighbours["organiser_type"].fillna("."),
                "Föräldrarnas utbildning": neighbours["similar_parents_education"].map(
                    lambda v: data.format_value(v, "", "")
                ),
                "Andel pojkar": neighbours["similar_share_boys"].map(lambda v: data.format_value(v, "", "procent")),
                "Elever åk 9": neighbours["similar_pupils"].map(data.format_count),
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(
        "Plats 1 = mest lik i föräldrarnas utbildning (genomsnitt 1–3: förgymnasial, gymnasial, eftergymnasial), "
        "andel pojkar och antal elever i årskurs 9."
    )
    published = f", läsåret {results_year.iloc[0]}" if len(results_year) else ""
    st.markdown(f"**Deras publicerade resultat{published}**")
    st.dataframe(
        pd.DataFrame(
            {
                "Plats": places,
                "Skolenhet": neighbours["similar_unit_name"],
                "Meritvärde": neighbours["meritvarde"].map(lambda v: data.format_value(v, "", "")),
                "Alla ämnen godkända": neighbours["alla_amnen"].map(lambda v: data.format_value(v, "", "procent")),
                "Behörig till yrkesprogram": neighbours["behorighet_yrkes"].map(
                    lambda v: data.format_value(v, "", "procent")
                ),
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption("Källa: Skolverket. '.' = inte publicerat.")

    comparison = data.similar_units_comparison()
    if comparison.empty:
        return
    rows = comparison[(comparison["unit_code"].astype(str) == code) & (comparison["outcome"] == outcome)].copy()
    if rows.empty:
        st.info(f"Inga publicerade jämförelsevärden för {OUTCOMES[outcome].lower()}.")
        return
    rows = rows.sort_values("year")
    fmt = VALUE_UNIT[outcome]
    rows["år"] = rows["year"].astype(int).astype(str)
    rows["läge"] = [
        _position(*r)
        for r in zip(
            rows["own_value"],
            rows["group_min"],
            rows["group_q1"],
            rows["group_median"],
            rows["group_q3"],
            rows["group_max"],
            strict=True,
        )
    ]
    latest = rows.dropna(subset=["own_value"]).tail(1)
    if not latest.empty:
        r = latest.iloc[0]
        st.markdown(
            f"**{labels[code]} {r['school_year']}: {OUTCOMES[outcome].lower()} "
            f"{data.format_value(r['own_value'], '', fmt)}, {r['läge']}** "
            f"(median bland liknande skolenheter {data.format_value(r['group_median'], '', fmt)})."
        )
    scale_title = f"{OUTCOMES[outcome]}{' (%)' if fmt == 'procent' else ''}"
    base = alt.Chart(rows).encode(x=alt.X("år:N", title="År (vårterminen)", axis=alt.Axis(labelAngle=0)))
    span = base.mark_rule(color="#9e9e9e", strokeWidth=2).encode(
        y=alt.Y("group_min:Q", title=scale_title, scale=alt.Scale(zero=False)), y2="group_max:Q"
    )
    box = base.mark_bar(size=30, color="#c6d7ec").encode(y="group_q1:Q", y2="group_q3:Q")
    median = base.mark_tick(color="#1f5fa6", thickness=3, size=30).encode(y="group_median:Q")
    own_points = (
        alt.Chart(rows.dropna(subset=["own_value"]).assign(serie=labels[code]))
        .mark_point(filled=True, size=120, color="#e07b00", shape="diamond", opacity=1)
        .encode(
            x="år:N",
            y="own_value:Q",
            tooltip=[alt.Tooltip("år:N", title="År"), alt.Tooltip("läge:N", title="Läge")],
        )
    )
    st.altair_chart(localised(alt.layer(span, box, median, own_points).properties(height=260)), width="stretch")
    st.caption(
        f"Grå linje: lägsta till högsta värdet bland de liknande skolenheterna; ljusblå ruta: mittersta hälften "
        f"(första till tredje kvartilen); blått streck: medianen; orange romb: {labels[code]}."
    )
    st.dataframe(
        pd.DataFrame(
            {
                "Läsår": rows["school_year"],
                labels[code]: rows["own_value"].map(lambda v: data.format_value(v, "", fmt)),
                "Lägst": rows["group_min"].map(lambda v: data.format_value(v, "", fmt)),
                "Nedre kvartil": rows["group_q1"].map(lambda v: data.format_value(v, "", fmt)),
                "Median": rows["group_median"].map(lambda v: data.format_value(v, "", fmt)),
                "Övre kvartil": rows["group_q3"].map(lambda v: data.format_value(v, "", fmt)),
                "Högst": rows["group_max"].map(lambda v: data.format_value(v, "", fmt)),
                "Antal liknande": rows["group_n"].map(data.format_count),
                "Var skolan ligger": rows["läge"],
                "Källa": rows["own_source"].map({"skolverket": "Skolverket", "local": "egen beräkning"}).fillna("."),
            }
        ),
        hide_index=True,
        width="stretch",
    )


# --- the page ---------------------------------------------------------------------------------------------

st.title(pages.LIKVARDIGHET.title)
st.caption(
    "Skillnader i resultat i årskurs 9 mellan flickor och pojkar, mellan elever med och utan föräldrar med "
    "eftergymnasial utbildning och mellan nyanlända och övriga — i kommunen och på varje skolenhet, alltid med "
    "osäkerheten utsatt. År = kalenderåret då läsåret slutar."
)

data.require_snapshot()

left, right = st.columns([1, 2])
outcome = left.selectbox("Utfall", list(OUTCOMES), format_func=OUTCOMES.get)
dimension = right.radio("Skillnad", list(DIMENSIONS), format_func=DIMENSIONS.get, horizontal=True)
explanation()
decomposition = data.equity_decomposition()
gaps_section(outcome, dimension)
decomposition_section(outcome, dimension, decomposition)
variance_section(decomposition)
similar_section(outcome)
