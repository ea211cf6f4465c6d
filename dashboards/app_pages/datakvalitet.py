"""Datakvalitet (förvaltningen): vad som finns inne och vad som saknas per källa, varje landningsfils utfall,
filerna som inte lästes in och varför, karantänen per fil, de nationella källornas ålder, rapporteringsgraden
per skolenhet och avstämningen av kommunens egna beräkningar mot de officiella siffrorna — för kommunen och
per skolenhet."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import data, inventory, pages
from dashboards import presentation as ui

LOADED = ("loaded", "partly_quarantined")
NOT_LOADED = ("rejected", "ignored", "retry", "removed")  # sources/landing/outcomes.NEEDS_ATTENTION
LOW_REPORTING = 90.0  # a reporting rate below it: the absence is clearly underestimated
PERIOD_NAMES = {1: "Period 1", 2: "Period 2", 3: "Period 3", 0: "Hela läsåret"}
NO_SCHOOL_FIGURES = (
    "Inga officiella siffror per skolenhet i underlaget: lägg Skolverkets SIRIS-export per skolenhet (till "
    "exempel ”Slutbetyg årskurs 9, samtliga elever”) i landningsmappen `siris/` så stäms skolornas egna "
    "beräkningar av mot dem."
)

st.title(pages.DATAKVALITET.title)
st.caption(
    "För förvaltningen: vad som finns inne och vad som saknas, vad som hände med varje fil i landningsmappen vid "
    "senaste körningen, vilka rader som ligger i karantän, hur gamla uppgifterna är, hur fullständigt "
    "närvaron rapporteras och hur kommunens egna beräkningar stämmer mot de officiella siffrorna."
)

if not data.snapshot_available() or not data.can_see_data_quality():
    st.warning("Ingen datakvalitetsvy att visa.")
    st.stop()


def _count(value) -> str:
    return data.format_count(value) if pd.notna(value) else ""


def _folder(name: str) -> str:
    return "landningsmappen" if name == "." else f"{name}/"


def _paths(frame: pd.DataFrame) -> list[str]:
    """'enkater/elevenkat_2024.csv': the folder and the file in one column, so the table fits the page."""
    return [
        f"{'' if folder == '.' else folder + '/'}{name}"
        for folder, name in zip(frame["folder"], frame["file_name"], strict=True)
    ]


files = data.landing_files()
quarantine = data.quarantine_summary()

# --- In one line -------------------------------------------------------------------------------------------
loaded = files[files["outcome"].isin(LOADED)] if not files.empty else files
not_loaded = files[files["outcome"].isin(NOT_LOADED)] if not files.empty else files
with_quarantine = files[files["outcome"] == "partly_quarantined"] if not files.empty else files
a, b, c, d = st.columns(4)
a.metric("Filer inlästa", data.format_count(len(loaded)))
b.metric("Filer som inte lästes in", data.format_count(len(not_loaded)))
c.metric("Filer med rader i karantän", data.format_count(len(with_quarantine)))
d.metric("Rader i karantän", data.format_count(quarantine["rows_quarantined"].sum() if len(quarantine) else 0))

# --- What is in and what is missing ------------------------------------------------------------------------
st.subheader("Vad finns inne och vad saknas")
held = inventory.holdings(everything=True)
st.table(ui.holdings_table(held, "Senaste uppgifter", "Inläst eller hämtad"))
missing = [h.title for h in held if h.status == "saknas"]
st.caption(
    ("**Saknas:** " + ", ".join(missing) + ". " if missing else "Alla källor har uppgifter inne. ")
    + "Senaste uppgifter = det nyaste läsåret (för frånvaron perioden, för betygen terminen) som serveringsfilen "
    "innehåller; för de nationella källorna datumet för deras uppgifter och hur gamla de är. Tider i svensk tid."
)
if data.is_demo():
    st.caption(
        "Demon hämtar inget från de nationella källorna: den använder de publicerade uppgifter som följer med "
        "Skolanalys (*demodata från* datumet för uppgifterna). Källor utan medföljande uppgifter saknas i demon."
    )

# --- Files that were not read ------------------------------------------------------------------------------
st.subheader("Filer som inte lästes in")
if files.empty:
    st.info("Inga filer har lästs in ännu: landningsmappen är tom eller har inte lästs.")
elif not_loaded.empty:
    st.success("Alla filer i landningsmappen kändes igen och lästes in: inga avvisade eller ignorerade filer.")
else:
    files_word = "fil" if len(not_loaded) == 1 else "filer"
    st.warning(f"{len(not_loaded)} {files_word} lästes inte in: se orsaken och rätta filen eller flytta den.")
    ui.show_table(
        pd.DataFrame(
            {
                "Mapp": not_loaded["folder"].map(_folder),
                "Fil": not_loaded["file_name"],
                "Utfall": not_loaded["outcome_sv"],
                "Orsak": not_loaded["reason"].fillna(""),
            }
        ),
        hide_index=True,
    )
    st.caption(
        "Avvisad: filen kändes inte igen eller kunde inte läsas (se orsaken). Ignorerad: ingen fil som mappen tar "
        "emot (annan filtyp, okänd mapp, fil direkt i landningsmappen). Avvisade filer prövas igen vid nästa "
        "körning."
    )

# --- Every file, per folder --------------------------------------------------------------------------------
st.subheader("Filer i landningsmappen")
if files.empty:
    st.info("Inga filer har lästs in ännu.")
else:
    per_folder = (
        files.assign(
            inlasta=files["outcome"].isin(LOADED),
            ej_inlasta=files["outcome"].isin(NOT_LOADED),
            karantan=files["outcome"] == "partly_quarantined",
        )
        .groupby("folder", sort=True)
        .agg(
            filer=("file_name", "count"),
            inlasta=("inlasta", "sum"),
            karantan=("karantan", "sum"),
            ej_inlasta=("ej_inlasta", "sum"),
            rader=("rows_loaded", "sum"),
            rader_karantan=("rows_quarantined", "sum"),
            senast=("loaded_at", "max"),
        )
        .reset_index()
    )
    ui.show_table(
        pd.DataFrame(
            {
                "Mapp": per_folder["folder"].map(_folder),
                "Filer": per_folder["filer"].map(_count),
                "Inlästa": per_folder["inlasta"].map(_count),
                "Med rader i karantän": per_folder["karantan"].map(_count),
                "Inte inlästa": per_folder["ej_inlasta"].map(_count),
                "Rader inlästa": per_folder["rader"].map(_count),
                "Rader i karantän": per_folder["rader_karantan"].map(_count),
                "Senast inläst": [
                    inventory.loaded_text(None if pd.isna(last) else last, int(n), (folder,))
                    for last, n, folder in zip(
                        per_folder["senast"], per_folder["inlasta"], per_folder["folder"], strict=True
                    )
                ],
            }
        ),
        hide_index=True,
    )
    st.markdown(f"**Alla {data.format_count(len(files))} filer**")
    ui.show_table(
        pd.DataFrame(
            {
                "Fil": _paths(files),
                "Utfall": files["outcome_sv"],
                "Orsak": files["reason"].fillna(""),
                "Rader inlästa": files["rows_loaded"].map(_count),  # those in quarantine: the reason says how many
                "Inläst": [
                    inventory.loaded_text(None if pd.isna(at) else at, 1, (folder,)) if outcome in LOADED else ""
                    for at, folder, outcome in zip(files["loaded_at"], files["folder"], files["outcome"], strict=True)
                ],
            }
        ),
        hide_index=True,
        max_rows=12,
    )

# --- Quarantine ----------------------------------------------------------------------------------------------
st.subheader("Rader i karantän, per fil och orsak")
if quarantine.empty:
    st.write("Inga rader i karantän.")
else:
    ui.show_table(
        pd.DataFrame(
            {
                "Fil": _paths(quarantine),
                "Kolumn": quarantine["column_name"].fillna(""),
                "Orsak": quarantine["reason"],
                "Rader": quarantine["rows_quarantined"].map(_count),
                "Radnummer": [
                    f"{int(a)}" if a == b else f"{int(a)}–{int(b)}"
                    for a, b in zip(quarantine["first_line"], quarantine["last_line"], strict=True)
                ],
            }
        ),
        hide_index=True,
        max_rows=15,
    )
    st.caption(
        "Raderna själva ligger kvar i datalagret (raw.quarantine) med personnummer maskerade; resten av filen är "
        "inläst. Rätta raderna i källsystemet och lägg en ny fil i mappen."
    )

# --- National sources: the age of their data ----------------------------------------------------------------
st.subheader("Nationella källor: uppgifternas ålder")
states = inventory.national_states()
if not states:
    st.info("Inga nationella källor hämtade ännu.")
else:
    ui.show_table(
        pd.DataFrame(
            {
                "Källa": [s.title for s in states.values()],
                "Uppgifter per": [s.data_as_of or "inga uppgifter" for s in states.values()],
                "Ålder (dagar)": ["" if s.age_days is None else data.format_count(s.age_days) for s in states.values()],
                "Läge": [s.text for s in states.values()],
            }
        ),
        hide_index=True,
    )
    failed = [s.title for s in states.values() if s.failed]
    if failed:
        st.warning(
            "Senaste försöket att hämta misslyckades för "
            + ", ".join(failed)
            + ": datalagret behåller de uppgifter det hade (se åldern)."
        )

# --- Reporting rate per school ------------------------------------------------------------------------------
st.subheader("Rapporteringsgrad per skolenhet")
attendance = data.attendance_periods()
if attendance.empty:
    st.info("Ingen frånvaro publicerad: rapporteringsgraden kan inte visas.")
else:
    total = attendance[attendance["gender"] == "T"].copy()
    school_years = sorted(total["school_year"].unique(), reverse=True)
    school_year = ui.selectbox("Läsår", school_years, key="dk_lasar")
    shown = total[total["school_year"] == school_year].copy()
    shown["status"] = shown["status"].fillna("")
    shown["visat"] = ui.cell_texts(shown, "reporting_rate_pct", "procent")
    shown["enhet"] = [
        f"{name} (kommunen)" if level == "kommun" else f"{name} ({code})"
        for level, code, name in zip(shown["level"], shown["unit_code"], shown["unit_name"], strict=True)
    ]
    order = shown.assign(o=shown["level"] != "kommun").sort_values(["o", "unit_name"])["enhet"].drop_duplicates()
    present = set(shown["period"])
    periods = [p for p in (1, 2, 3, 0) if p in present]
    shown["periodnamn"] = shown["period"].map(PERIOD_NAMES)
    table = ui.text_table(
        shown,
        index="enhet",
        columns="periodnamn",
        index_order=list(order),
        column_order=[PERIOD_NAMES[p] for p in periods],
        index_name="Enhet",
    )
    ui.show_table(table)
    ui.explain_codes(ui.codes_in(table))
    year_rows = shown[(shown["period"] == 0) & (shown["level"] == "skolenhet")]
    low = year_rows[year_rows["reporting_rate_pct"] < LOW_REPORTING]
    low_text = (
        "Under 90 % hela läsåret: " + ", ".join(f"{r.enhet} {r.visat}" for r in low.itertuples()) + "."
        if len(low)
        else "Alla skolenheter rapporterar närvaron för minst 90 % av lektionerna hela läsåret."
    )
    st.caption(
        f"{low_text} Rapporteringsgrad: andelen lektioner där närvaron registrerats. En lektion utan registrering "
        "räknas som närvaro, så en låg rapporteringsgrad gör att frånvaron underskattas. Period 1 är juli–december, "
        "period 2 januari–mars, period 3 april–juni."
    )
    st.page_link(pages.FRANVARO.path, label=pages.FRANVARO.link_label("Frånvaron per period"), icon=pages.FRANVARO.icon)

# --- Reconciliation ------------------------------------------------------------------------------------------
st.subheader("Avstämning: kommunens egen beräkning mot den officiella siffran")
st.caption(
    "Samma nyckeltal två gånger: kommunens egen beräkning ur landningsmappens filer och den siffra Kolada eller "
    "Skolverket publicerat. Skillnad = egen beräkning − officiell. Små skillnader är väntade: urvalet (till "
    "exempel elever som flyttat), tidpunkten för uttaget och röjandekontrollen skiljer sig."
)
recon = data.reconciliation() if data.table_exists("reconciliation") else pd.DataFrame()
catalogue = data.indicator_catalogue()
titles = ui.short_titles(catalogue)  # whole, short labels: a table column never cuts them
units = dict(zip(catalogue["indicator_id"], catalogue["unit"], strict=True))
SOURCES_SV = {"kolada": "Kolada (RKA)", "skolverket": "Skolverket", "siris": "Skolverket, SIRIS"}


def reconciliation_table(rows: pd.DataFrame, unit_column: bool) -> pd.DataFrame:
    status = rows["local_status"].fillna("") if "local_status" in rows else pd.Series("", index=rows.index)
    official_status = rows["official_status"].fillna("") if "official_status" in rows else status.map(lambda _: "")
    sources = (
        rows["official_source_sv"].fillna(rows["official_source"].map(SOURCES_SV))
        if "official_source_sv" in rows
        else rows["official_source"].map(lambda s: SOURCES_SV.get(s, s))
    )
    table = {
        "Nyckeltal": [titles.get(i, i) for i in rows["indicator_id"]],
        "Enhet": [f"{n} ({c})" for n, c in zip(rows["unit_name"], rows["unit_code"], strict=True)],
        "År": rows["year"].astype(int).astype(str),
        "Kön": rows["gender"].map(lambda g: ui.GENDERS.get(g, g)),
        "Egen beräkning": [
            data.format_value(v, s, units.get(i, ""))
            for v, s, i in zip(rows["local_value"], status, rows["indicator_id"], strict=True)
        ],
        "Elever": [data.format_count(n, s) for n, s in zip(rows["local_n"], status, strict=True)],
        "Officiell": [
            data.format_value(v, s if s in (".", "..") else "", units.get(i, ""))
            for v, s, i in zip(rows["official_value"], official_status, rows["indicator_id"], strict=True)
        ],
        "Källa": sources,
        "Skillnad": rows["difference"].map(lambda v: data.format_change(v) or "."),
    }
    if not unit_column:
        del table["Enhet"]
    return pd.DataFrame(table)


def summary(rows: pd.DataFrame) -> str:
    """'36 jämförelser; skillnaden är i mitten (median) 1,2 och som mest 4,1 (Meritvärde …, 2023).'"""
    compared = rows.dropna(subset=["difference"])
    if compared.empty:
        return f"{data.format_count(len(rows))} jämförelser, ingen med båda siffrorna synliga."
    size = compared["difference"].abs()
    worst = compared.loc[size.idxmax()]
    median = data.format_value(size.median(), "", "")
    largest = data.format_change(worst["difference"])
    where = f"{titles.get(worst['indicator_id'], worst['indicator_id'])}, {int(worst['year'])}"
    if worst["level"] == "skolenhet":
        where = f"{worst['unit_name']}, {where}"
    return (
        f"{data.format_count(len(rows))} jämförelser; skillnaden är i mitten (median) {median} och som störst "
        f"{largest} ({where}, {ui.GENDERS.get(worst['gender'], worst['gender']).lower()})."
    )


def no_school_figures() -> str:
    """Why there is no reconciliation per skolenhet: no official figures per skolenhet at all, or official figures
    for other unit codes than the own ones (in the demo the schools are made up: Skolverket's real units never
    match)."""
    served = data.unit_sources()
    own = set(served.loc[served["source"] == "local", "unit_code"].astype(str))
    official = set(served.loc[served["source"].isin(["skolverket", "siris"]), "unit_code"].astype(str))
    if not official or official & own:
        return NO_SCHOOL_FIGURES
    units = "skolenhet" if len(official) == 1 else "skolenheter"
    why = " — i demon är skolenheterna påhittade." if data.is_demo() else ": stämmer skolenhetskoderna i exporterna?"
    return (
        "Inga officiella siffror per skolenhet i underlaget för kommunens egna skolenheter: Skolverkets siffror "
        f"finns för {data.format_count(len(official))} {units}, men ingen av dem har samma skolenhetskod som "
        f"kommunens egna beräkningar{why}"
    )


if recon.empty:
    st.write("Inga år där både egen beräkning och officiell siffra finns för samma nyckeltal.")
else:
    left, right = st.columns([3, 2])
    indicator_ids = list(dict.fromkeys(recon["indicator_id"]))
    every = "alla"
    choice = ui.selectbox(
        "Nyckeltal",
        [every, *indicator_ids],
        format_func=lambda i: "Alla nyckeltal" if i == every else titles.get(i, i),
        key="dk_nyckeltal",
        container=left,
    )
    chosen = indicator_ids if choice == every else [choice]
    gender = ui.gender_radio(key="dk_kon", container=right)
    selected = recon[recon["indicator_id"].isin(chosen) & (recon["gender"] == gender)]

    st.markdown("**Kommunen**")
    kommun = selected[selected["level"] == "kommun"].sort_values(["indicator_id", "year", "official_source"])
    if kommun.empty:
        st.write("Inga officiella siffror för kommunen med det urvalet.")
    else:
        st.caption(summary(kommun))
        table = reconciliation_table(kommun, unit_column=False)
        ui.show_table(table, hide_index=True, max_rows=15)
        ui.explain_codes(ui.codes_in(table))

    st.markdown("**Skolenheterna**")
    schools_all = recon[recon["level"] == "skolenhet"]
    schools = selected[selected["level"] == "skolenhet"].sort_values(["unit_name", "indicator_id", "year"])
    if schools_all.empty:
        st.info(no_school_figures())
    elif schools.empty:
        st.write(
            "Inga officiella siffror per skolenhet med det urvalet: Skolverket redovisar skolenheterna för "
            "totalt (båda könen)."
            if gender != "T"
            else "Inga officiella siffror per skolenhet för de valda nyckeltalen."
        )
    else:
        st.caption(summary(schools))
        table = reconciliation_table(schools, unit_column=True)
        ui.show_table(table, hide_index=True, max_rows=15)
        ui.explain_codes(ui.codes_in(table))
    st.caption(
        "Kolada och SIRIS redovisar kommunens egna skolor (huvudman kommunen), Skolverket skolenheterna. Där ett "
        "värde är dolt (..) eller saknas (.) kan skillnaden inte räknas."
    )
