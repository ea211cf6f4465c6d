"""Skolanalys dashboard: `skolanalys serve` starts it. Swedish for the skolanalysgrupp.

Open local mode (no login settings): everything, with a warning on every page. Login mode: nothing before
login but the login page; a user the roles file does not know sees only "ingen behörighet". Each page view
goes to the access log. Which rows a role sees is decided in data.py, not here.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

# Streamlit runs this file as a script: make the project importable without installing anything else.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboards import access, data, downloads  # noqa: E402
from dashboards import pages as dashboard_pages  # noqa: E402
from dashboards.presentation import wrap_labels  # noqa: E402

st.set_page_config(page_title="Skolanalys", page_icon="📊", layout="wide")


def login_page() -> None:
    st.title("Skolanalys")
    st.write("Underlag för skolans systematiska kvalitetsarbete. Logga in med ditt kommunkonto för att fortsätta.")
    st.button("Logga in", type="primary", on_click=st.login)


def no_access_page() -> None:
    st.title("Skolanalys")
    who = access.user_label() or "okänd användare"
    st.error(
        f"Ingen behörighet: du är inloggad som {who}, men ditt konto har ingen roll i Skolanalys. "
        "Be förvaltningen lägga till dig i behörighetsfilen."
    )
    st.button("Logga ut", on_click=st.logout)


def logout_button(current) -> None:
    with st.sidebar:
        st.caption(f"Inloggad som {current.user} ({access.ROLE_NAMES.get(current.role, current.role)})")
        st.button("Logga ut", on_click=st.logout)


if access.login_required() and not access.logged_in():
    st.navigation([st.Page(login_page, title="Logga in", url_path="logga-in")], position="hidden").run()
    st.stop()

current = access.current_access()
if current is None:
    navigation = st.navigation([st.Page(no_access_page, title="Ingen behörighet", url_path="ingen-behorighet")])
    access.log_view("Ingen behörighet", None)
    navigation.run()
    st.stop()

pages = [
    st.Page(p.path, title=p.title, icon=p.icon, url_path=p.url_path or None, default=p.default)
    for p in dashboard_pages.visible(current.data_quality)
]
navigation = st.navigation(pages)
access.log_view(navigation.title, current)

if not access.login_required():
    st.warning(access.OPEN_MODE_WARNING, icon=":material/lock_open:")
if data.snapshot_available() and data.is_demo():
    st.info(data.DEMO_BANNER, icon=":material/science:")
wrap_labels()

with st.sidebar:
    st.caption("Skolanalys — underlag för systematiskt kvalitetsarbete")
    if data.snapshot_available():
        st.caption(data.published_text())
if access.login_required():
    logout_button(current)
downloads.sidebar_section(navigation)  # before the page runs: a page that stops early keeps its buttons

navigation.run()
