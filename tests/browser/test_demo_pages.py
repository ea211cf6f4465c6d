"""Every page on the demo municipality's own snapshot (kavlinge after `skolanalys run`, as `make demo`
serves it), in Debian's chromium: each renders without an error, shows data, says it is synthetic, speaks
only Swedish and cuts no label; the value-added and equity pages show intervals; Årshjul and Datakvalitet
show what is in and what is missing; the offline national data are called demodata, never an error.
Screenshots (each page whole): tests/browser/screenshots/demo-*.png."""

from __future__ import annotations

import re
import time

import pytest

from tests.browser.conftest import CHART, SCRIPT_FINISHED, serve, wait_until_shown
from tests.browser.test_browser import PAGES, _close, _reach, _text, _wait_for_text

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Text each page must show on the demo's data (beyond its heading).
DEMO_TEXT = {
    "foradlingsvarde": ["Förädlingsvärde per skolenhet", " till ", "Så läser du siffrorna", "Vilka eleverna är"],
    "likvardighet": ["statistiskt säkerställd", "Liknande skolenheter"],
    "": ["Var är vi?", "Nämndens mål"],
    "skolor": ["Elever och bakgrund", "Kommunen"],
    "resultat": ["Slutbetyg i årskurs 9", "Terminsbetyg i årskurs 6–9"],
    "nationella_prov": ["Provbetyg jämfört med betyg"],
    "franvaro": ["Rapporteringsgrad"],
    "enkater": ["Skolenkäten"],
    "jamforelser": ["Kolada: demodata från", "Rang"],
    "arshjul": [
        "Frånvaro, period 1",
        "Lärarnas bedömningar",
        "Senaste tillfälle",
        "Vad finns inne och vad saknas",
        "Senast inne",
    ],
    "datakvalitet": [
        "Vad finns inne och vad saknas",
        "Filer som inte lästes in",
        "Filer i landningsmappen",
        "Rader i karantän, per fil och orsak",
        "Nationella källor: uppgifternas ålder",
        "demodata från",
        "Rapporteringsgrad per skolenhet",
        "Avstämning",
        "Kommunen",
        "Skolenheterna",
    ],
}
DEMO_BANNER = "Syntetiska demodata"
# Streamlit's own English words, and English or Python leaking through: none may show (whole words, any case
# for the phrases; values such as None or NaN as they are printed).
ENGLISH = [
    "Select all",
    "Choose an option",
    "Choose options",
    "No results",
    "No options",
    "Deploy",
    "Rerun",
    "Running",
    "Made with Streamlit",
    "Download as CSV",
    "Search",
    "Fullscreen",
    "View fullscreen",
    "Clear all",
    "Press Enter",
    "Show more",
    "Show less",
    "Settings",
    "Record a screencast",
    "Loading",
    "Error",
    "Warning",
    "None",
    "nan",
    "NaN",
    "NaT",
    "True",
    "False",
    "null",
    "undefined",
    "Total",
    "Girls",
    "Boys",
    "Year",
    "School",
]
ENGLISH_PATTERN = re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in ENGLISH) + r")(?![\w-])")
# Elements that show data: tables, grids, tiles, charts.
DATA_ELEMENTS = f"[data-testid='stDataFrame'], [data-testid='stTable'], [data-testid='stMetric'], {CHART}"
# Text Streamlit cuts with '…' (tiles' labels, links, chips): every such element that overflows its box.
CUT_LABELS = """() => {
    const cut = [];
    for (const el of document.querySelectorAll("[data-testid='stMain'] *")) {
        if (el.offsetParent === null) continue;
        const style = getComputedStyle(el);
        const wide = style.textOverflow === "ellipsis" && el.scrollWidth > el.clientWidth + 1;
        const clamped = style.webkitLineClamp !== "none" && el.scrollHeight > el.clientHeight + 2;
        if (wide || clamped) cut.push(el.innerText.slice(0, 80));
    }
    return cut;
}"""
MAX_HEIGHT = 16_000  # pixels: a window taller than any page of the demo
CONTENT_HEIGHT = """() => {
    const block = document.querySelector("[data-testid='stMainBlockContainer']");
    return Math.ceil(block.getBoundingClientRect().bottom) + 40;
}"""


def _settled(page, timeout: float = 60) -> str:
    """The page's text once its script run has finished, its charts have drawn and its text stays the same
    over three reads 0.3 s apart (the data grids mirror their cells a moment after they draw)."""
    deadline = time.monotonic() + timeout
    wait_until_shown(page, timeout * 1000)
    last, same = _text(page), 0
    while time.monotonic() < deadline:
        page.wait_for_timeout(300)
        now = _text(page)
        same = same + 1 if now == last and page.locator(SCRIPT_FINISHED).count() else 0
        if same >= 2:
            return now
        last = now
    raise AssertionError(f"{page.url} never settled")


def _whole_page_settled(page, tries: int = 3) -> str:
    """The window made as tall as the page — Streamlit scrolls inside its own container, so the checks see every
    row of its data grids and the screenshot the whole page — and the page's text once settled at that height
    (again, taller, if the page grew meanwhile)."""
    for _ in range(tries):
        height = min(page.evaluate(CONTENT_HEIGHT), MAX_HEIGHT)
        page.set_viewport_size({"width": 1400, "height": height})
        text = _settled(page)
        if height == MAX_HEIGHT or page.evaluate(CONTENT_HEIGHT) <= height:
            return text
    raise AssertionError(f"{page.url} kept growing past {height} px")


def english_words(text: str) -> list[str]:
    return sorted({m.group(1) for m in ENGLISH_PATTERN.finditer(text)})


def test_the_english_words_are_found_and_swedish_is_not():
    assert english_words("Select all · Välj en eller flera · None · 1,5 % · Running...") == [
        "None",
        "Running",
        "Select all",
    ]
    assert not english_words("Totalt · Flickor · Pojkar · Läsår 2023/24 · Skolenkäten · Nationella prov · Ogiltig")


def test_every_page_on_the_demo_municipality(browser, demo, screenshots):
    # The landing folder the demo was generated into: beside it lies the generator's truth file, by which
    # the dashboard knows it shows the synthetic demo.
    with serve(demo.data, {"SKOLANALYS_LANDING_DIR": str(demo.landing)}) as server:
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="sv-SE")
        page = context.new_page()
        try:
            for i, (title, path, heading, _) in enumerate(PAGES):
                name = path or "oversikt"
                page.set_viewport_size({"width": 1400, "height": 1000})
                _reach(page, server.url, i, title, path, heading)
                _wait_for_text(page, *DEMO_TEXT.get(path, []), timeout=60)
                # The first page after the server started can show its text before its tables and tiles.
                page.locator(DATA_ELEMENTS).first.wait_for(timeout=60_000)
                text = _whole_page_settled(page)
                # Renders without an exception, with data, in Swedish, saying it is synthetic.
                assert page.locator("[data-testid='stException']").count() == 0, (name, text[:2000])
                assert "Traceback" not in text and "Inga uppgifter ännu" not in text, name
                assert page.locator(DATA_ELEMENTS).count() > 0, f"{name}: no table, tile or chart"
                assert re.search(r"\d", text), f"{name}: no figures"
                assert DEMO_BANNER in text, f"{name}: no banner saying the data are synthetic"
                assert not english_words(text), f"{name}: English on the page: {english_words(text)}"
                assert "kunde inte nås" not in text, f"{name}: the offline demo shown as an error"
                assert "Deploy" not in text and not page.locator("[data-testid='stMainMenu']").count()
                assert not re.search(r"\b\d{2,3}\.\d\b", text.replace("2023/24", "")), f"{name}: decimal point"
                # No label cut with '…', where the browser can tell (not inside the data grids' canvas).
                assert page.evaluate(CUT_LABELS) == [], f"{name}: cut labels {page.evaluate(CUT_LABELS)}"
                page.screenshot(path=str(screenshots / f"demo-{name}.png"), full_page=True)
                if path == "arshjul":
                    _what_is_in_and_what_is_missing(text)
                if path == "datakvalitet":
                    _data_quality(text)
        finally:
            _close(context, page)
        assert "Traceback" not in server.output()


def _what_is_in_and_what_is_missing(text: str) -> None:
    """The Årshjul: each follow-up's status, the data it needs and when they came; each source in or missing."""
    for word in ("inne", "behövs:", "inläst:", "Se Frånvaro", "Se Resultat"):
        assert word in text, word
    assert "tid okänd" not in text  # the surveys and the goals have a load time
    assert "✔\u00a0inne" in text
    assert "Saknas helt:" in text or "Alla källor i årshjulet har uppgifter inne" in text
    assert "demodata från" in text  # Kolada, offline in the demo


def _data_quality(text: str) -> None:
    """Datakvalitet: files loaded, quarantine with reasons, files not read (or that all were), the age of every
    source, reporting rate per school, reconciliation at kommun and skolenhet level."""
    assert "Filer inlästa" in text and "Rader i karantän" in text
    assert "✔\u00a0inne" in text
    assert "**Saknas:**" not in text and ("Saknas:" in text or "Alla källor har uppgifter inne" in text)
    assert "Alla filer i landningsmappen kändes igen" in text or "lästes inte in: se orsaken" in text
    assert "Inga rader i karantän." in text or "Raderna själva ligger kvar i datalagret" in text
    assert "rapporterar närvaron" in text or "Under 90 % hela läsåret" in text
    assert "jämförelser; skillnaden är i mitten (median)" in text  # the kommun's reconciliation
    assert "Inga officiella siffror per skolenhet i underlaget" in text or text.count("jämförelser;") >= 2
