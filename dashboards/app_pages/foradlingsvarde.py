"""Förädlingsvärde: each school unit's contribution to its pupils' results compared with the municipality's
pupils with similar prior results (and background), always with its 95 % interval — a funnel plot, shrunk
beside raw estimates, the official SALSA beside the own model, who the pupils are, and the cohort's path
from åk 1 to åk 9."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st
from scipy import stats

from dashboards import data, pages, presentation
from dashboards.intervals import interval_chart, localised, statuses, unit_labels
from skolanalys.dbt_vars import dbt_vars
from skolanalys.disclosure import pupils_text
from skolanalys.school_year import school_year_text
from skolanalys.value_added_stages import stage as value_added_stage
from skolanalys.value_added_stages import stages

STAGES = {s.name: s.label for s in stages()}
MODELS = {"contextual": "Kontextuellt", "prior": "Tidigare resultat"}
OUTCOMES = {"meritvarde": "Meritvärde", "alla_amnen": "Alla ämnen godkända"}
OUTCOME_UNIT = {"meritvarde": "meritvärdespoäng", "alla_amnen": "procentenheter"}
WELL = {"meritvarde": "20 meritvärdespoäng", "alla_amnen": "10 procentenheter"}
GENDERS = {"T": "Totalt", "K": "Flickor", "M": "Pojkar"}
BANDS = {
    "well_above": "mycket över",
    "above": "över",
    "average": "genomsnitt",
    "below": "under",
    "well_below": "mycket under",
}
BAND_COLOURS = {
    "mycket över": "#1b5e20",
    "över": "#66bb6a",
    "genomsnitt": "#8d8d8d",
    "under": "#ef8f00",
    "mycket under": "#b71c1c",
}
ATTRIBUTION = {
    "most_years": "den skolenhet där eleven gick flest läsår under stadiet",
    "last": "den skolenhet där eleven gick sist under stadiet",
}
SUBJECTS = {"SV": "Svenska / svenska som andraspråk", "MA": "Matematik", "EN": "Engelska"}
KINDS = {
    "bedomning": "Lärarens bedömning",
    "np": "Nationellt prov",
    "terminsbetyg": "Terminsbetyg",
    "slutbetyg": "Slutbetyg",
}
OCCASIONS = {"oktober": (0, "okt"), "HT": (1, "HT"), "mars": (2, "mars"), "VT": (3, "VT")}
Z_95, Z_998 = stats.norm.ppf(0.975), stats.norm.ppf(0.999)


def _band_sv(frame: pd.DataFrame) -> pd.Series:
    if "band_sv" in frame.columns:
        return frame["band_sv"].fillna(frame["band"].map(BANDS))
    return frame["band"].map(BANDS)


def _signed(value, status: str = "") -> str:
    return status or data.format_change(value) or "."


def _same_cohort(frame: pd.DataFrame, cohort) -> pd.DataFrame:
    return frame[frame["cohort"].isna()] if cohort is None else frame[frame["cohort"] == cohort]


def explanation(attribution: str | None) -> None:
    rule = ATTRIBUTION.get(attribution or "", "den skolenhet eleven räknas till")
    with st.expander("Så läser du siffrorna", icon=":material/help:"):
        st.markdown(
            f"""
**Vad förädlingsvärdet är.** Skolenhetens bidrag till elevernas resultat: hur mycket bättre eller sämre
skolans elever lyckades än kommunens elever med **liknande tidigare resultat** (i årskurs 6 för stadiet
6 → 9, i årskurs 3 för stadiet 3 → 6) och, i den kontextuella modellen, **liknande bakgrund** (kön,
föräldrarnas utbildning, modersmål, tid i Sverige). 0 betyder att eleverna nådde det som jämförbara elever
i kommunen brukar nå. +10 meritvärdespoäng betyder att skolans elever i genomsnitt fick 10 poäng mer än
jämförbara elever; för *Alla ämnen godkända* är enheten procentenheter.

**Vad det inte är.** Inget mått på hela skolans kvalitet eller på enskilda lärare, och **ingen
rangordning**: två skolor vars intervall överlappar kan inte säkert skiljas åt. Jämförelsen gäller
kommunens egna elever, inte riket, och det som inte mäts (till exempel stöd hemifrån) kan ändå påverka.

**Osäkerhet.** Varje värde visas med sitt 95 % konfidensintervall (strecket). Nivån avgörs av intervallet:
*över* eller *under* när hela intervallet ligger över respektive under 0, *mycket över* eller *mycket
under* när dessutom värdet är minst {WELL["meritvarde"]} (meritvärde) eller {WELL["alla_amnen"]} (alla
ämnen), annars *genomsnitt*.

**Små grupper.** Få elever ger breda intervall och värden som hoppar mellan årskullarna. Titta hellre på
alla årskullar tillsammans, på trattdiagrammet och på den krympta skattningen, som drar osäkra värden mot 0.

**Vilka elever.** Bara elever med tidigare resultat ingår. En elev räknas till {rule}; hur många som
flyttat, kommit under stadiet, saknar tidigare resultat eller är nyanlända står i tabellen *Vilka eleverna
är*.

**..** betyder att värdet inte visas för att skydda enskilda elever (röjandekontroll): {pupils_text()},
eller dolt för att det inte ska kunna räknas fram ur de andra värdena.
"""
        )


def pupil_sd(schools: pd.DataFrame) -> float | None:
    """The pupil-level standard deviation implied by the schools' intervals: per school
    σ = (ci_high − ci_low) / (2·t(0.975, n − 1))·√n, pooled weighted by n (σ² averaged)."""
    usable = schools.dropna(subset=["ci_low", "ci_high", "n"])
    usable = usable[usable["n"] > 1]
    if usable.empty:
        return None
    n = usable["n"].astype(float).to_numpy()
    se = (usable["ci_high"] - usable["ci_low"]).to_numpy() / (2 * stats.t.ppf(0.975, n - 1))
    return float(np.sqrt(np.sum(n * (se * np.sqrt(n)) ** 2) / np.sum(n)))


def funnel(schools: pd.DataFrame, unit: str) -> None:
    st.subheader("Trattdiagram: förädlingsvärde mot antal elever")
    sigma = pupil_sd(schools)
    if sigma is None or len(schools) == 0:
        st.info("För få skolenheter med intervall för ett trattdiagram.")
        return
    smallest, largest = schools["n"].min(), schools["n"].max()
    grid = np.linspace(max(5.0, 0.5 * smallest), 1.1 * largest, 80)
    limits = []
    for z, name in ((Z_95, "95 %"), (Z_998, "99,8 %")):
        for sign, side in ((1, "övre"), (-1, "nedre")):
            limits += [
                {"n": x, "gräns": sign * z * sigma / np.sqrt(x), "kontrollgräns": name, "sida": side} for x in grid
            ]
    lines = (
        alt.Chart(pd.DataFrame(limits))
        .mark_line(color="#555555")
        .encode(
            x=alt.X("n:Q", title="Antal elever"),
            y=alt.Y("gräns:Q", title=f"Förädlingsvärde ({unit})"),
            strokeDash=alt.StrokeDash(
                "kontrollgräns:N",
                title="Kontrollgräns",
                scale=alt.Scale(domain=["95 %", "99,8 %"], range=[[6, 3], [1, 0]]),
                legend=alt.Legend(orient="bottom"),
            ),
            detail=["kontrollgräns:N", "sida:N"],
        )
    )
    points = (
        alt.Chart(schools)
        .mark_point(filled=True, size=90, opacity=1)
        .encode(
            x="n:Q",
            y="va:Q",
            color=alt.Color(
                "nivå:N",
                title="Nivå",
                scale=alt.Scale(domain=list(BAND_COLOURS), range=list(BAND_COLOURS.values())),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("enhet:N", title="Skolenhet"),
                alt.Tooltip("n:Q", title="Antal elever"),
                alt.Tooltip("va_text:N", title="Förädlingsvärde"),
                alt.Tooltip("ci_text:N", title="95 % konfidensintervall"),
            ],
        )
    )
    zero = alt.Chart(pd.DataFrame({"noll": [0.0]})).mark_rule(color="#999999").encode(y="noll:Q")
    st.altair_chart(localised(alt.layer(zero, lines, points).properties(height=320)), width="stretch")
    st.caption(
        "Varje punkt är en skolenhet. Linjerna är kontrollgränser kring 0 (jämförbara elever i kommunen): "
        f"0 ± 1,96·σ/√n (95 %) och 0 ± 3,09·σ/√n (99,8 %), där n är skolans antal elever och σ = "
        f"{data.format_value(sigma, '', '')} {unit} elevernas spridning i förädlingsvärde. σ räknas ur skolornas "
        "95 % konfidensintervall: för varje skola (övre − nedre gräns) / (2·t) · √n, där t är t-fördelningens "
        "97,5 %-punkt med n − 1 frihetsgrader, och sedan ett medelvärde av σ² vägt med antal elever. En skola "
        "utanför 95 %-gränserna hamnar där av slump ungefär en gång av 20, utanför 99,8 %-gränserna en gång av "
        "500. Små skolor har bredare gränser: deras värden varierar mer av en slump."
    )


def shrunk_beside_raw(schools: pd.DataFrame, order: list[str], unit: str) -> None:
    st.subheader("Krympt och okrympt skattning")
    if "va_shrunk" not in schools.columns or schools["va_shrunk"].isna().all():
        st.info(data.NO_DATA_YET)
        return
    long = pd.concat(
        [
            schools.assign(skattning="Okrympt, med 95 % konfidensintervall", värde=schools["va"]),
            schools.assign(skattning="Krympt mot 0", värde=schools["va_shrunk"], ci_low=np.nan, ci_high=np.nan),
        ]
    )
    long["värde_text"] = long["värde"].map(_signed)
    chart = interval_chart(
        long,
        category="enhet",
        value="värde",
        low="ci_low",
        high="ci_high",
        colour="skattning",
        colour_title="Skattning",
        value_title=f"Förädlingsvärde ({unit})",
        category_order=order,
        colours={"Okrympt, med 95 % konfidensintervall": "#1f5fa6", "Krympt mot 0": "#e07b00"},
        offset="skattning",
        tooltip=[
            alt.Tooltip("enhet:N", title="Skolenhet"),
            alt.Tooltip("skattning:N", title="Skattning"),
            alt.Tooltip("värde_text:N", title="Förädlingsvärde"),
            alt.Tooltip("n:Q", title="Antal elever"),
        ],
    )
    st.altair_chart(localised(chart), width="stretch")
    st.caption(
        "Den krympta skattningen (empirisk Bayes) drar varje skolas förädlingsvärde mot 0 i proportion till "
        "osäkerheten: en liten skola med brett intervall dras mycket, en stor skola nästan inte alls. Den är "
        "en bättre gissning om nästa årskull; den okrympta är vad som faktiskt hände med just de här eleverna."
    )


# SALSA's publication rule as the models apply it (dbt/dbt_project.yml), for the page's explanation.
SALSA_RULE = {name: dbt_vars()[name] for name in ("salsa_min_pupils", "salsa_min_coverage")}


def salsa_section(stage: str, outcome: str, cohort, unit: str) -> None:
    st.subheader("Förädlingsvärde och SALSA sida vid sida")
    if stage != "6-9":
        st.info("SALSA finns bara för årskurs 9: välj stadiet årskurs 6 → 9.")
        return
    salsa = data.salsa_comparison(outcome)
    contextual = data.value_added(stage, "contextual", outcome, "T")
    if salsa.empty and contextual.empty:
        st.info(data.NO_DATA_YET)
        return
    years = sorted(set(salsa["year"].dropna().astype(int)) if not salsa.empty else set(), reverse=True)
    if not years:
        st.info("Inga SALSA-värden ännu.")
        return
    year = st.selectbox(
        "År (slutbetyg)",
        years,
        index=years.index(cohort) if cohort in years else 0,
        format_func=lambda y: f"{y} (läsåret {school_year_text(y)})",
        key="salsa_year",
    )
    parts = []
    va = contextual[(contextual["level"] == "skolenhet") & (contextual["cohort"] == year)]
    if not va.empty:
        parts.append(
            pd.DataFrame(
                {
                    "unit_code": va["unit_code"].astype(str),
                    "enhet": unit_labels(va),
                    "källa": "Förädlingsvärde, kontextuell modell",
                    "värde": va["va"],
                    "ci_low": va["ci_low"],
                    "ci_high": va["ci_high"],
                    "faktiskt": np.nan,
                    "förväntat": np.nan,
                    "n": va["n"],
                    "status": statuses(va),
                }
            )
        )
    this_year = salsa[salsa["year"] == year]
    for source, label in (("egen_modell", "SALSA, egen modell"), ("skolverket", "SALSA, Skolverket")):
        rows = this_year[this_year["source"] == source]
        if rows.empty:
            continue
        parts.append(
            pd.DataFrame(
                {
                    "unit_code": rows["unit_code"].astype(str),
                    "enhet": unit_labels(rows),
                    "källa": label,
                    "värde": rows["deviation"],
                    "ci_low": rows["ci_low"],
                    "ci_high": rows["ci_high"],
                    "faktiskt": rows["actual"],
                    "förväntat": rows["expected"],
                    "n": rows["n"],
                    "status": statuses(rows),
                }
            )
        )
    if not parts:
        st.info("Inga värden för det året.")
        return
    long = pd.concat(parts, ignore_index=True)
    sources = ["Förädlingsvärde, kontextuell modell", "SALSA, egen modell", "SALSA, Skolverket"]
    long["ordning"] = long["källa"].map(sources.index)
    long = long.sort_values(["enhet", "ordning"])
    shown = long[(long["status"] == "") & long["värde"].notna()].copy()
    shown["värde_text"] = shown["värde"].map(_signed)
    shown["ci_text"] = [data.format_interval(lo, hi) for lo, hi in zip(shown["ci_low"], shown["ci_high"], strict=True)]
    if not shown.empty:
        chart = interval_chart(
            shown,
            category="enhet",
            value="värde",
            low="ci_low",
            high="ci_high",
            colour="källa",
            colour_title="Mått",
            value_title=f"Avvikelse från förväntat ({unit})",
            category_order=sorted(shown["enhet"].unique()),
            colours={
                "Förädlingsvärde, kontextuell modell": "#1f5fa6",
                "SALSA, egen modell": "#7b3fa0",
                "SALSA, Skolverket": "#e07b00",
            },
            offset="källa",
            tooltip=[
                alt.Tooltip("enhet:N", title="Skolenhet"),
                alt.Tooltip("källa:N", title="Mått"),
                alt.Tooltip("värde_text:N", title="Avvikelse"),
                alt.Tooltip("ci_text:N", title="95 % konfidensintervall"),
            ],
        )
        st.altair_chart(localised(chart), width="stretch")
    fmt = lambda v: data.format_value(v, "", "procent" if outcome == "alla_amnen" else "")  # noqa: E731
    table = pd.DataFrame(
        {
            "Skolenhet": long["enhet"],
            "Mått": long["källa"],
            "Avvikelse": [_signed(v, s) for v, s in zip(long["värde"], long["status"], strict=True)],
            "95 % konfidensintervall": [
                s or (data.format_interval(lo, hi) if pd.notna(lo) else "inget intervall")
                for lo, hi, s in zip(long["ci_low"], long["ci_high"], long["status"], strict=True)
            ],
            "Faktiskt resultat": [s or fmt(v) for v, s in zip(long["faktiskt"], long["status"], strict=True)],
            "Förväntat resultat": [s or fmt(v) for v, s in zip(long["förväntat"], long["status"], strict=True)],
            "Antal elever": [data.format_count(v, s) for v, s in zip(long["n"], long["status"], strict=True)],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption(
        "Förädlingsvärdet jämför elevernas slutbetyg med vad kommunens elever med liknande resultat i årskurs 6 "
        "och liknande bakgrund nådde. SALSA jämför skolans resultat med vad som kan förväntas av elevernas "
        "bakgrund (föräldrarnas utbildning, kön, nyanlända) utan hänsyn till tidigare resultat: den egna "
        "modellen med kommunens elever, Skolverkets med hela landet. Skolverket redovisar inga intervall. "
        "Mått som pekar åt olika håll är en anledning att fråga varför, inte att välja det som passar bäst."
    )
    presentation.explain_codes(
        presentation.codes_in(table),
        missing_text=".: uppgift saknas — förädlingsvärdet redovisar bara avvikelsen (inget faktiskt och förväntat "
        "resultat), och SALSA har inget värde för en skolenhet som inte finns i underlaget det året. Den egna "
        f"SALSA-modellen visar, som Skolverket, förväntat resultat bara för skolenheter med minst "
        f"{SALSA_RULE['salsa_min_pupils']} elever i årskurs 9 och föräldrarnas utbildning känd för minst "
        f"{SALSA_RULE['salsa_min_coverage'] * 100:.0f} % av dem.",
    )


def population_section(stage: str, gender: str, cohort) -> None:
    st.subheader("Vilka eleverna är")
    pop = data.value_added_population(stage, gender)
    if pop.empty:
        st.info(data.NO_DATA_YET)
        return
    if cohort is not None:
        pop = pop[pop["cohort"] == cohort]
    if pop.empty:
        st.info("Inga uppgifter för den årskullen.")
        return
    pop = pop.assign(enhet=unit_labels(pop), status=statuses(pop), kommun=pop["level"] != "kommun")
    pop = pop.sort_values(["kommun", "enhet", "cohort"])
    columns = {
        "n": "Elever",
        "n_no_prior": "Utan tidigare resultat",
        "n_movers": "Flyttat inom kommunen",
        "n_arrived": "Kom under stadiet",
        "n_newly_arrived": "Nyanlända",
        "n_left": "Lämnade under stadiet",
    }
    table = {"Enhet": pop["enhet"], "Årskull": pop["cohort"].map(lambda c: f"{int(c)}" if pd.notna(c) else "")}
    for column, title in columns.items():
        if column in pop.columns:
            table[title] = [data.format_count(v, s) for v, s in zip(pop[column], pop["status"], strict=True)]
    st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch")
    grades = value_added_stage(stage)
    st.caption(
        f"Elever = eleverna med betyg i slutet av stadiet (årskurs {grades.outcome_grade}) som räknas till enheten. "
        f"Bara de med tidigare resultat (årskurs {grades.prior_grade}) har ett förädlingsvärde: Elever minus Utan "
        "tidigare resultat. Flyttat inom kommunen: gått på mer än en av kommunens skolenheter under stadiet. "
        "Kom under stadiet: började i kommunen efter stadiets första årskurs. Nyanlända: i Sverige kortare tid "
        "än fyra år. Lämnade under stadiet: gick på enheten men fick inga betyg i kommunen i slutet av stadiet "
        "(flyttat eller saknar betyg); de ingår inte i Elever."
    )
    if (pop["status"] == "..").any():
        st.caption(data.SUPPRESSED_TEXT)


def progression_section(stage: str, gender: str, cohort) -> None:
    st.subheader("Kohortens väg genom grundskolan")
    prog = data.cohort_progression(gender)
    if prog.empty:
        st.info(data.NO_DATA_YET)
        return
    prog = prog.assign(enhet=unit_labels(prog), status=statuses(prog))
    schools = prog[prog["level"] == "skolenhet"].drop_duplicates("unit_code").sort_values("enhet")
    if schools.empty:
        st.info("Inga skolenheter med uppgifter om kohortens väg.")
        return
    labels = dict(zip(schools["unit_code"].astype(str), schools["enhet"], strict=True))
    left, right = st.columns([2, 3])
    school = left.selectbox("Skolenhet", list(labels), format_func=labels.get, key="progression_school")
    subject = right.radio("Ämne", list(SUBJECTS), format_func=SUBJECTS.get, horizontal=True, key="progression_subject")
    prog_cohort = None if cohort is None else cohort + (3 if stage == "3-6" else 0)
    cohorts = sorted(int(c) for c in prog["cohort"].dropna().unique())
    if prog_cohort in cohorts:
        chosen = [prog_cohort]
    else:  # all cohorts: one line each, the latest three to begin with (all at once are unreadable)
        chosen = presentation.multiselect(
            "Årskullar i diagrammet (året de fick slutbetyg)",
            cohorts,
            default=cohorts[-3:],
            key="progression_cohorts",
        )
    rows = prog[prog["unit_code"].astype(str).isin([school]) | (prog["level"] == "kommun")]
    rows = rows[rows["measure"].str.endswith(f"_{subject}") & rows["cohort"].isin(chosen)].copy()
    if rows.empty:
        st.info("Inga mätpunkter för det urvalet.")
        return
    rows["kind"] = rows["measure"].str.rsplit("_", n=1).str[0]
    rows["mätning"] = rows["kind"].map(KINDS).fillna(rows["kind"])
    rows["serie"] = np.where(rows["kind"].isin(["terminsbetyg", "slutbetyg"]), "betyg", rows["kind"])
    rank = rows["occasion"].map(lambda o: OCCASIONS.get(o, (9, o))[0])
    rows["punkt"] = [
        f"åk {int(g)} {OCCASIONS.get(o, (9, o))[1]}" for g, o in zip(rows["grade_level"], rows["occasion"], strict=True)
    ]
    rows["ordning"] = rows["grade_level"] * 10 + rank
    order = list(rows.sort_values("ordning")["punkt"].drop_duplicates())
    rows["årskull"] = rows["cohort"].astype(int).astype(str)
    rows["andel_text"] = [
        data.format_value(v, s, "procent") for v, s in zip(rows["share"], rows["status"], strict=True)
    ]
    shown = rows[(rows["status"] == "") & rows["share"].notna()]
    several = len(chosen) > 1
    encodings = {
        "x": alt.X(
            "punkt:N", sort=order, title="Årskurs och tillfälle", axis=alt.Axis(labelAngle=-90, labelOverlap=False)
        ),
        "y": alt.Y("share:Q", title="Andel med lägst godtagbara kunskaper / E (%)", scale=alt.Scale(zero=False)),
        "color": alt.Color(
            "årskull:N" if several else "enhet:N",
            title="Årskull" if several else "Enhet",
            scale=alt.Scale(scheme="tableau10"),
            legend=alt.Legend(orient="bottom", columns=6),
        ),
        "detail": ["enhet:N", "årskull:N", "serie:N"],
        "tooltip": [
            alt.Tooltip("enhet:N", title="Enhet"),
            alt.Tooltip("årskull:N", title="Årskull"),
            alt.Tooltip("mätning:N", title="Mätning"),
            alt.Tooltip("punkt:N", title="Tillfälle"),
            alt.Tooltip("andel_text:N", title="Andel"),
            alt.Tooltip("n:Q", title="Antal elever"),
        ],
    }
    base = alt.Chart(shown).encode(**encodings)
    # Lines join the teachers' assessments and the grades; the national tests (åk 3, 6, 9) are points only.
    line = base.transform_filter("datum.serie != 'np'").mark_line()
    if several:  # the school solid, the kommun dashed (on the lines only, so the legend shows the dashes)
        kommun_label = rows.loc[rows["level"] == "kommun", "enhet"].iloc[0] if (rows["level"] == "kommun").any() else ""
        line = line.encode(
            strokeDash=alt.StrokeDash(
                "enhet:N",
                title="Enhet",
                scale=alt.Scale(domain=[labels[school], kommun_label], range=[[1, 0], [5, 3]]),
                legend=alt.Legend(orient="bottom", direction="vertical"),
            )
        )
    chart = alt.layer(
        line,
        base.mark_point(filled=True, size=60).encode(
            shape=alt.Shape("mätning:N", title="Mätning", legend=alt.Legend(orient="bottom", columns=2))
        ),
    ).properties(height=320)
    st.altair_chart(localised(chart), width="stretch")
    cohort_text = (
        f"årskullen som fick slutbetyg {prog_cohort}"
        if prog_cohort in cohorts
        else "de valda årskullarna (efter året de fick slutbetyg i årskurs 9), en linje per årskull"
    )
    st.caption(
        f"Samma elever följda från årskurs 1 till 9: {cohort_text}, de som fick slutbetyg på "
        f"{labels[school]} jämförda med alla kommunens elever, var de än gick tidigare. Andel med lägst "
        "godtagbara kunskaper i lärarens bedömning (oktober och mars), lägst E i terminsbetyg och slutbetyg, "
        "provbetyget G i årskurs 3 och lägst E på de nationella proven i årskurs 6 och 9 (punkter utan linje)."
        + (" Heldragen linje: skolenheten, streckad: kommunen." if several else "")
        + (" Stadiet 3 → 6: årskull år X i årskurs 6 fick slutbetyg år X + 3." if stage == "3-6" else "")
    )
    with st.expander("Kohortens väg som tabell"):
        rows["kolumn"] = rows["enhet"] + (", " + rows["årskull"] if several else "")
        table = rows.pivot_table(
            index=["ordning", "punkt", "mätning"], columns="kolumn", values="andel_text", aggfunc="first"
        ).fillna("")
        table = table.reset_index().drop(columns="ordning").rename(columns={"punkt": "Tillfälle", "mätning": "Mätning"})
        st.dataframe(table, hide_index=True, width="stretch")
    if (rows["status"] == "..").any():
        st.caption("Punkter saknas i diagrammet där värdet är dolt (..). " + data.SUPPRESSED_TEXT)


# --- the page ---------------------------------------------------------------------------------------------

st.title(pages.FORADLINGSVARDE.title)
st.caption(
    "Hur mycket skolenhetens elever utvecklades jämfört med kommunens elever med liknande tidigare resultat "
    "och bakgrund — alltid med osäkerheten utsatt. Årskull = året eleverna fick betyg i slutet av stadiet "
    "(årskurs 9, eller årskurs 6 för stadiet 3 → 6)."
)

data.require_snapshot()

c1, c2, c3, c4, c5 = st.columns([2, 2, 2, 2, 3])
stage = c1.selectbox("Stadium", list(STAGES), format_func=STAGES.get)
model = c2.selectbox("Modell", list(MODELS), format_func=MODELS.get)
outcome = c3.selectbox("Utfall", list(OUTCOMES), format_func=OUTCOMES.get)
gender = c5.radio("Kön", list(GENDERS), format_func=GENDERS.get, horizontal=True)
va_all = data.value_added(stage, model, outcome, gender)
cohorts = sorted((int(c) for c in va_all["cohort"].dropna().unique()), reverse=True) if not va_all.empty else []
cohort = c4.selectbox("Årskull", [None, *cohorts], format_func=lambda c: "Alla årskullar" if c is None else str(c))
unit = OUTCOME_UNIT[outcome]
attribution = (
    va_all["attribution"].dropna().iloc[0] if "attribution" in va_all and va_all["attribution"].notna().any() else None
)
explanation(attribution)

st.subheader(f"Förädlingsvärde per skolenhet, {OUTCOMES[outcome].lower()}, med 95 % konfidensintervall")
if va_all.empty:
    st.info(data.NO_DATA_YET)
    schools = pd.DataFrame()
    order = []
else:
    rows = _same_cohort(va_all, cohort)
    rows = rows.assign(enhet=unit_labels(rows), status=statuses(rows), nivå=_band_sv(rows))
    if "va_shrunk" not in rows.columns:
        rows["va_shrunk"] = np.nan
    all_schools = rows[rows["level"] == "skolenhet"]
    schools = all_schools[(all_schools["status"] == "") & all_schools["va"].notna()].copy()
    schools["va_text"] = schools["va"].map(_signed)
    schools["ci_text"] = [
        data.format_interval(lo, hi) for lo, hi in zip(schools["ci_low"], schools["ci_high"], strict=True)
    ]
    sort = st.radio("Sortera efter", ["Skolenhetens namn", "Förädlingsvärde"], horizontal=True)
    order = (
        list(schools.sort_values("enhet")["enhet"])
        if sort == "Skolenhetens namn"
        else list(schools.sort_values("va", ascending=False)["enhet"])
    )
    if not schools.empty:
        chart = interval_chart(
            schools,
            category="enhet",
            value="va",
            low="ci_low",
            high="ci_high",
            colour="nivå",
            colour_title="Nivå",
            value_title=f"Förädlingsvärde ({unit})",
            category_order=order,
            colours=BAND_COLOURS,
            tooltip=[
                alt.Tooltip("enhet:N", title="Skolenhet"),
                alt.Tooltip("va_text:N", title="Förädlingsvärde"),
                alt.Tooltip("ci_text:N", title="95 % konfidensintervall"),
                alt.Tooltip("n:Q", title="Antal elever"),
                alt.Tooltip("nivå:N", title="Nivå"),
            ],
        )
        st.altair_chart(localised(chart), width="stretch")
        st.caption(
            "Punkten är skolenhetens förädlingsvärde, strecket dess 95 % konfidensintervall. Den streckade "
            "linjen vid 0 är vad jämförbara elever i kommunen nådde. Överlappande streck: skillnaden mellan "
            "skolorna kan vara slump."
        )
    kommun = rows[rows["level"] == "kommun"]
    table_rows = pd.concat([kommun, all_schools.sort_values("enhet")])
    is_reference = (table_rows["level"] == "kommun") & table_rows["ci_low"].isna() & (table_rows["status"] == "")
    st.dataframe(
        pd.DataFrame(
            {
                "Enhet": table_rows["enhet"],
                "Antal elever": [
                    data.format_count(v, s) for v, s in zip(table_rows["n"], table_rows["status"], strict=True)
                ],
                "Förädlingsvärde": [_signed(v, s) for v, s in zip(table_rows["va"], table_rows["status"], strict=True)],
                "95 % konfidensintervall": [
                    "referens" if ref else data.format_interval(lo, hi, s)
                    for lo, hi, s, ref in zip(
                        table_rows["ci_low"], table_rows["ci_high"], table_rows["status"], is_reference, strict=True
                    )
                ],
                "Krympt skattning": [
                    _signed(v, s) for v, s in zip(table_rows["va_shrunk"], table_rows["status"], strict=True)
                ],
                "Nivå": [
                    s or ("referens" if ref else (b if isinstance(b, str) else "."))
                    for b, s, ref in zip(table_rows["nivå"], table_rows["status"], is_reference, strict=True)
                ],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(
        f"Enhet: {unit}. Kommunen som helhet är jämförelsepunkten (0 för alla elever); för flickor och pojkar "
        "visar kommunens rad hur de i genomsnitt lyckas jämfört med jämförbara elever."
    )
    if (all_schools["status"] == "..").any():
        st.caption(data.SUPPRESSED_TEXT)
    if (table_rows["status"] == ".").any():
        st.caption(".: värdet kunde inte beräknas, till exempel för att årskullen har för få elever för modellen.")

if len(schools):
    funnel(schools, unit)
    shrunk_beside_raw(schools, order, unit)
salsa_section(stage, outcome, cohort, unit)
population_section(stage, gender, cohort)
progression_section(stage, gender, cohort)
