"""Skolanalys dashboard: `skolanalys serve` starts it. Swedish for the skolanalysgrupp."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

# Streamlit runs this file as a script: make the project importable without installing anything else.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboards import data  # noqa: E402

st.set_page_config(page_title="Skolanalys", page_icon="📊", layout="wide")

pages = [
    st.Page("app_pages/resultat.py", title="Resultat åk 9", icon=":material/school:", default=True),
    st.Page("app_pages/nationella_prov.py", title="Nationella prov", icon=":material/edit_note:"),
    st.Page("app_pages/franvaro.py", title="Frånvaro", icon=":material/event_busy:"),
    st.Page("app_pages/enkater.py", title="Enkäter", icon=":material/forum:"),
    st.Page("app_pages/jamforelser.py", title="Jämförelser", icon=":material/leaderboard:"),
]
navigation = st.navigation(pages)

with st.sidebar:
    st.caption("Skolanalys — underlag för systematiskt kvalitetsarbete")
    if data.snapshot_available():
        info = data.snapshot_info()
        st.caption(f"Data publicerad {str(info.get('published_at', ''))[:16].replace('T', ' ')} UTC")

navigation.run()
