"""The dashboard's pages, declared once: each page's script, title, icon and address. app.py builds the
navigation from PAGES, the Årshjul (dashboards/arshjul.py) and the pages' own links ("se Resultat") name a
page by its constant here, and each page takes its heading from it — so a page is renamed in one place.

No Streamlit calls at import: arshjul.py, which is pure, imports this module too.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    """One page of the dashboard."""

    path: str  # its script, relative to dashboards/ (as st.Page and st.page_link take it)
    title: str  # in the navigation, on every link to it and as its heading
    icon: str  # a Material icon
    url_path: str  # its address: http://…/<url_path> ('' for the page the dashboard opens on)
    data_quality: bool = False  # only for users who may see the data-quality view (förvaltningen, open mode)

    @property
    def default(self) -> bool:
        return self.url_path == ""

    def link_label(self, what: str | None = None) -> str:
        """A link's text: 'Se Resultat', or 'Meritvärde åk 9 – se Resultat'."""
        return f"{what} – se {self.title}" if what else f"Se {self.title}"


OVERSIKT = Page("app_pages/oversikt.py", "Översikt", ":material/flag:", "")
SKOLOR = Page("app_pages/skolor.py", "Skolor", ":material/apartment:", "skolor")
RESULTAT = Page("app_pages/resultat.py", "Resultat", ":material/school:", "resultat")
NATIONELLA_PROV = Page("app_pages/nationella_prov.py", "Nationella prov", ":material/edit_note:", "nationella_prov")
FRANVARO = Page("app_pages/franvaro.py", "Frånvaro", ":material/event_busy:", "franvaro")
ENKATER = Page("app_pages/enkater.py", "Enkäter", ":material/forum:", "enkater")
JAMFORELSER = Page("app_pages/jamforelser.py", "Jämförelser", ":material/leaderboard:", "jamforelser")
FORADLINGSVARDE = Page("app_pages/foradlingsvarde.py", "Förädlingsvärde", ":material/trending_up:", "foradlingsvarde")
LIKVARDIGHET = Page("app_pages/likvardighet.py", "Likvärdighet", ":material/balance:", "likvardighet")
ARSHJUL = Page("app_pages/arshjul.py", "Årshjul", ":material/event_repeat:", "arshjul")
DATAKVALITET = Page(
    "app_pages/datakvalitet.py", "Datakvalitet", ":material/fact_check:", "datakvalitet", data_quality=True
)

# In the navigation's order.
PAGES = (
    OVERSIKT,
    SKOLOR,
    RESULTAT,
    NATIONELLA_PROV,
    FRANVARO,
    ENKATER,
    JAMFORELSER,
    FORADLINGSVARDE,
    LIKVARDIGHET,
    ARSHJUL,
    DATAKVALITET,
)

# Which page shows an indicator of a topic (indicators.topic).
TOPIC_PAGES = {
    "betyg_ak9": RESULTAT,
    "betyg_termin": RESULTAT,
    "nationella_prov": NATIONELLA_PROV,
    "franvaro": FRANVARO,
    "enkater": ENKATER,
    "kolada": JAMFORELSER,
}


def visible(data_quality: bool) -> tuple[Page, ...]:
    """The pages a user sees in the navigation: the data-quality view only for those who may see it."""
    return tuple(p for p in PAGES if data_quality or not p.data_quality)
