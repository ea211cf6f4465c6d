"""'Ladda ner underlaget': the served tables a page shows, as xlsx and csv, in the sidebar of every page.

Which tables each page shows is declared once, in PAGE_TABLES. The files are written by the same code as
`skolanalys export` (skolanalys/exports/) and hold exactly the rows the page shows the user: the dashboard's
own role filter (data.restrict) decides, with the access of the session that renders the button.

Streamlit reruns the page on every interaction, so nothing is built while the page renders: the buttons get
a callable that builds the file when it is clicked (cached per snapshot id, page, format and access), and
archives it then — in `SKOLANALYS_DATA_DIR/exports.duckdb`, with the logged-in user as who — so the archive
holds what was actually downloaded, once per content.
"""

from __future__ import annotations

import logging

import streamlit as st

from dashboards import access as access_module
from dashboards import data
from skolanalys.exports.catalogue import TablePick

RESULT_TOPICS = ("betyg_ak9", "betyg_termin")


def _every_year(*tables: str, topics: tuple[str, ...] | None = None) -> tuple[TablePick, ...]:
    """Served tables with every year: a page shows the whole series, and so does its download."""
    return tuple(TablePick(table, years=None, topics=topics) for table in tables)


# Page (its url path; the default page's is '') → the served tables it shows.
PAGE_TABLES: dict[str, tuple[TablePick, ...]] = {
    "oversikt": _every_year("goal_status", "goal_results", "goal_actions"),
    "skolor": _every_year(
        "indicators",
        "indicator_values",
        "benchmarking",
        "attendance_by_period",
        "equity_gaps",
        "value_added",
        "value_added_population",
        "similar_units",
        "similar_units_comparison",
    ),
    "resultat": (
        *_every_year("indicators", "indicator_values", topics=RESULT_TOPICS),
        *_every_year("benchmarking"),
    ),
    "nationella_prov": (
        *_every_year("indicators", "indicator_values", topics=("nationella_prov",)),
        *_every_year("grade_test_discrepancy"),
    ),
    "franvaro": _every_year("attendance_by_period"),
    "enkater": _every_year("survey_results", "skolenkaten_results"),
    "jamforelser": _every_year("benchmarking"),
    "foradlingsvarde": _every_year("value_added", "value_added_population", "cohort_progression", "salsa_comparison"),
    "likvardighet": _every_year("equity_gaps", "equity_decomposition", "similar_units", "similar_units_comparison"),
    "arshjul": _every_year("data_freshness"),
    "datakvalitet": _every_year("reconciliation", "data_freshness", "data_quality_files", "data_quality_quarantine"),
}
DEFAULT_PAGE = "oversikt"  # st.navigation gives the default page the url path ''
FORMATS = (("xlsx", "Excel (xlsx)"), ("csv", "CSV"))


def page_key(page) -> str:
    return getattr(page, "url_path", "") or DEFAULT_PAGE


def _picks(page: str, current) -> tuple[TablePick, ...]:
    """The page's tables the snapshot holds and the user may see."""
    from skolanalys.exports.tables import spec

    return tuple(
        p
        for p in PAGE_TABLES.get(page, ())
        if data.table_exists(p.table) and (current.data_quality or not spec(p.table).data_quality)
    )


def _selection(title: str, picks: tuple[TablePick, ...], current):
    """The page's export for `current`'s access; `title`: the page's title (in "Om underlaget" and the archive)."""
    from skolanalys.exports.selection import Selection

    units = tuple(sorted(current.units)) if current.units is not None else None
    return Selection(
        picks=picks,
        year=None,
        level="skolor",
        page=title,
        role=current.role,
        units=units,
        data_quality=current.data_quality,
    )


@st.cache_data(show_spinner=False, max_entries=64)
def _build(snapshot_id: str, selection_json: str, fmt: str):
    """The export of one page for one access, per snapshot (the key): built once, whoever clicks again."""
    from skolanalys.exports.build import build_export
    from skolanalys.exports.roles import access_of, role_filter
    from skolanalys.exports.selection import Selection
    from skolanalys.exports.snapshot import open_snapshot

    selection = Selection.from_json(selection_json)
    with open_snapshot(data.serving_path()) as snapshot:
        return build_export(snapshot, selection, fmt, role_filter(data.restrict, access_of(selection)))


def _producer(snapshot_id: str, selection_json: str, fmt: str, who: str):
    """What the button calls when clicked (on a thread of its own, without Streamlit commands): build (or take
    from the cache), archive, hand out the bytes."""

    def produce() -> bytes:
        from skolanalys.exports.archive import Archive, archive_path

        export = _build(snapshot_id, selection_json, fmt)
        try:
            Archive(archive_path(access_module.data_dir())).store(export, who=who, channel="instrumentpanelen")
        except Exception:  # the archive busy or unwritable must not cost the user the download
            logging.getLogger(__name__).exception("exporten %s kunde inte arkiveras", export.export_id)
        return export.content

    return produce


def sidebar_section(page) -> None:
    """The download buttons for `page` (a st.navigation page) in the sidebar; nothing when the page shows no
    served table or nothing may be shown."""
    from skolanalys.exports.writers import MIME

    current = data.current_access()
    if current is None or not data.snapshot_available():
        return
    key = page_key(page)
    picks = _picks(key, current)
    if not picks:
        return
    selection = _selection(getattr(page, "title", "") or key, picks, current)
    snapshot_id = data.snapshot_id()
    info = data.snapshot_info()
    day = str(info.get("published_at", ""))[:10]
    stem = f"skolanalys_{key}_{day}" if day else f"skolanalys_{key}"
    with st.sidebar:
        st.divider()
        st.markdown("**Ladda ner underlaget**")
        for fmt, label in FORMATS:
            extension = "csv" if fmt == "csv" and len(picks) == 1 else ("zip" if fmt == "csv" else "xlsx")
            st.download_button(
                label,
                data=_producer(snapshot_id, selection.to_json(), fmt, current.user),
                file_name=f"{stem}.{extension}",
                mime=MIME[extension],
                key=f"ladda_ner_{key}_{fmt}",
                on_click="ignore",
                icon=":material/download:",
                width="stretch",
            )
        st.caption(
            "Tabellerna sidan visar, alla år, de rader du har behörighet till; '..' och '.' förklaras på "
            "bladet Om underlaget. Varje nedladdning sparas i exportarkivet."
        )
