"""Datakvalitet (förvaltningen): varje landningsfils utfall, karantänen, de nationella källornas ålder och
avstämningen mot officiella siffror."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import data

st.title("Datakvalitet")
st.caption(
    "För förvaltningen: vad som hände med varje fil i landningsmappen vid senaste körningen, vilka rader som "
    "ligger i karantän, hur gamla de nationella uppgifterna är och hur kommunens egna beräkningar stämmer "
    "mot de officiella siffrorna med samma nyckeltal."
)

if not data.snapshot_available() or not data.can_see_data_quality():
    st.warning("Ingen datakvalitetsvy att visa.")
    st.stop()


def _count(value) -> str:
    return f"{int(value):,}".replace(",", "\u00a0") if pd.notna(value) else ""


st.subheader("Filer i landningsmappen")
files = data.landing_files()
if files.empty:
    st.info("Inga filer har lästs in ännu.")
else:
    attention = files[~files["outcome"].isin(["loaded", "partly_quarantined", "identical"])]
    if len(attention):
        files_word = "fil" if len(attention) == 1 else "filer"
        st.warning(f"{len(attention)} {files_word} lästes inte in: se orsaken i tabellen och rätta filen.")
    st.dataframe(
        pd.DataFrame(
            {
                "Mapp": files["folder"].map(lambda f: "landningsmappen" if f == "." else f"{f}/"),
                "Fil": files["file_name"],
                "Utfall": files["outcome_sv"],
                "Orsak": files["reason"].fillna(""),
                "Rader in": files["rows_in"].map(_count),
                "Inlästa": files["rows_loaded"].map(_count),
                "I karantän": files["rows_quarantined"].map(_count),
                "Inläst": files["loaded_at"].map(lambda v: data.format_time(v) if pd.notna(v) else ""),
            }
        ),
        hide_index=True,
        width="stretch",
    )

st.subheader("Rader i karantän")
quarantine = data.quarantine_summary()
if quarantine.empty:
    st.write("Inga rader i karantän.")
else:
    st.dataframe(
        pd.DataFrame(
            {
                "Mapp": quarantine["folder"].map(lambda f: f"{f}/"),
                "Fil": quarantine["file_name"],
                "Kolumn": quarantine["column_name"].fillna(""),
                "Orsak": quarantine["reason"],
                "Rader": quarantine["rows_quarantined"].map(_count),
                "Rad (första–sista)": [
                    f"{int(a)}" if a == b else f"{int(a)}–{int(b)}"
                    for a, b in zip(quarantine["first_line"], quarantine["last_line"], strict=True)
                ],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption("Raderna själva ligger kvar i datalagret (raw.quarantine) med personnummer maskerade.")

st.subheader("Nationella källor")
if data.table_exists("data_freshness"):
    fresh = data.freshness()
    if fresh.empty:
        st.info("Inga nationella källor hämtade ännu.")
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    "Källa": fresh["source"],
                    "Data per": fresh["data_as_of"].map(lambda v: str(v)[:10] if pd.notna(v) else "okänt"),
                    "Ålder (dagar)": fresh["data_age_days"].map(lambda v: f"{int(v)}" if pd.notna(v) else ""),
                    "Senaste lyckade hämtning": fresh["last_successful_fetch"].map(
                        lambda v: data.format_time(v) if pd.notna(v) else "aldrig"
                    ),
                    "Senaste försöket lyckades": fresh["last_attempt_ok"].map(lambda ok: "ja" if ok is True else "nej"),
                }
            ),
            hide_index=True,
            width="stretch",
        )

st.subheader("Avstämning: kommunens egen beräkning mot den officiella siffran")
recon = data.reconciliation() if data.table_exists("reconciliation") else pd.DataFrame()
if recon.empty:
    st.write("Inga år där både egen beräkning och officiell siffra finns för samma nyckeltal.")
else:
    fmt = lambda v: data.format_value(v, "", "") if pd.notna(v) else ""  # noqa: E731
    st.dataframe(
        pd.DataFrame(
            {
                "Nyckeltal": recon["indicator_id"],
                "Nivå": recon["level"],
                "Enhet": recon["unit_name"],
                "År": recon["year"].astype(str),
                "Kön": recon["gender"],
                "Egen beräkning": recon["local_value"].map(fmt),
                "Antal elever": recon["local_n"].map(lambda v: f"{int(v)}" if pd.notna(v) else ""),
                "Officiell": recon["official_value"].map(fmt),
                "Skillnad": recon["difference"].map(lambda v: data.format_change(v) or ""),
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(
        "Egen beräkning (källa: lokal) är inte Koladas siffra; skillnader kan bero på urval, "
        "tidpunkt för uttaget och sekretess."
    )
