"""Every page on the demo municipality's own snapshot (kavlinge after `skolanalys run`, as `make demo`
serves it), in Debian's chromium: each renders without an error and shows data; the value-added and equity
pages show intervals. Screenshots: tests/browser/screenshots/demo-*.png."""

from __future__ import annotations

import pytest

from tests.browser.conftest import serve
from tests.browser.test_browser import PAGES, _close, _open, _wait_for_text

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Text each page must show on the demo's data (beyond its heading).
DEMO_TEXT = {
    "foradlingsvarde": ["Förädlingsvärde per skolenhet", " till ", "Så läser du siffrorna", "Vilka eleverna är"],
    "likvardighet": ["statistiskt säkerställd", "Liknande skolenheter"],
    "": ["Var är vi?"],
    "skolor": ["Elever och bakgrund", "Kommunen"],
    "arshjul": ["Frånvaro, period 1", "Lärarnas bedömningar", "Senaste tillfälle"],
}


def test_every_page_on_the_demo_municipality(browser, demo, screenshots):
    with serve(demo.data) as server:
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="sv-SE")
        page = context.new_page()
        try:
            for _, path, heading, _ in PAGES:
                _open(page, f"{server.url}/{path}", heading)
                text = _wait_for_text(page, *DEMO_TEXT.get(path, []))
                assert page.locator("[data-testid='stException']").count() == 0, (path, text[:2000])
                assert "Traceback" not in text and "Inga uppgifter ännu" not in text, path
                page.screenshot(path=str(screenshots / f"demo-{path or 'oversikt'}.png"), full_page=True)
        finally:
            _close(context, page)
        assert "Traceback" not in server.output()
