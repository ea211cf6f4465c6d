"""The dashboard in a real browser: every page in open local mode, and login through an OIDC provider with
the roles rektor, förvaltningen and a user without a role. Screenshots land in tests/browser/screenshots/."""

from __future__ import annotations

import json
import os
import re
import stat
import time

import pytest
import werkzeug.serving
from oidc_provider_mock import User
from oidc_provider_mock import app as oidc_app

from tests.browser.conftest import drawn, free_port, serve, wait_for_http, wait_until_shown

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OPEN_WARNING = "Öppet lokalt läge utan inloggning — bara för demo och egen dator"
# Navigation title, url path, the page's heading, text the page must show.
PAGES = [
    (
        "Översikt",
        "",
        "Översikt",
        [
            "Var är vi?",
            "Alla elever ska nå minst betyget E i alla ämnen",
            "(inom osäkerheten)",
            "79,8\u00a0%",  # a % is kept with its number in the static tables
            "↑ förbättring sedan 2023",
            "Trygghetsvandringar med elevrådet",
        ],
    ),
    (
        "Skolor",
        "skolor",
        "Skolor",
        ["Ekbackeskolan", "Elever och bakgrund", "233,1", "229,7", "+12,5 (+6,9 till +18,1)", "Vallaskolan (Lund)"],
    ),
    (
        "Resultat",
        "resultat",
        "Resultat",
        [
            "Kommunen 2024",
            "229,7 poäng",
            "79,8 %",
            "färre än 10 elever",
            "riket 2024: 223,9",
            "Terminsbetyg i årskurs 6–9",
        ],
    ),
    (
        "Nationella prov",
        "nationella_prov",
        "Nationella prov",
        ["Kommunen 2024", "85,5 %", "proven ställdes in våren 2020 och 2021", "Provbetyg jämfört med betyg"],
    ),
    (
        "Frånvaro",
        "franvaro",
        "Frånvaro",
        ["Kävlinge (kommunen) 2023/24: hela läsåret", "8,6 %", "rapporteringsgrad 95,5 %", "Elever med över 50 %"],
    ),
    (
        "Enkäter",
        "enkater",
        "Enkäter",
        ["Elevenkät 2023/24", "84,6 %", "212 svarande", "Skolenkäten (Skolinspektionen)"],
    ),
    ("Jämförelser", "jamforelser", "Jämförelser", ["226,6", "180 av 290", "Kvartil 3", "Källa: Kolada (RKA)"]),
    (
        "Förädlingsvärde",
        "foradlingsvarde",
        "Förädlingsvärde",
        [
            "Så läser du siffrorna",
            "+12,5",
            "+6,9 till +18,1",
            "σ = 25,0",
            "färre än 10 elever",
            "Kohortens väg som tabell",
        ],
    ),
    (
        "Likvärdighet",
        "likvardighet",
        "Likvärdighet",
        [
            "Så läser du siffrorna",
            "+18,5",
            "skillnaden är statistiskt säkerställd",
            "8,4 %",
            "Vallaskolan",
            "egen beräkning",
        ],
    ),
    (
        "Årshjul",
        "arshjul",
        "Årshjul",
        ["December", "Frånvaro, period 1", "Lärarnas bedömningar", "saknas", "gammal", "Senaste tillfälle"],
    ),
    (
        "Datakvalitet",
        "datakvalitet",
        "Datakvalitet",
        ["Avstämning", "2026-11-23 kl. 02:30", "227,0", "+0,4", "elever_utf16.csv", "UTF-16", "17–940", "1\u00a0198"],
    ),
]
NO_DECIMALS = {"arshjul"}  # pages without decimal numbers (the Årshjul: months, dates and statuses)
TIMEOUT = 30_000
CHARTS_DRAWN = drawn(at_least_charts=1)
LONG_PAGES = ("foradlingsvarde", "likvardighet", "resultat", "nationella_prov", "franvaro", "enkater")


def _open(page, url: str, heading: str) -> None:
    page.goto(url)
    page.get_by_role("heading", name=heading, exact=True).wait_for(timeout=TIMEOUT)
    wait_until_shown(page, TIMEOUT)  # Streamlit renders client-side


def _follow_sidebar(page, title: str, path: str, heading: str) -> None:
    """The page reached as a user reaches it, by its link in the sidebar: Streamlit switches pages in the app
    already loaded, for half the browser's CPU of opening it by its address (the rektor's, förvaltningen's and
    nämnden's tests open theirs so)."""
    page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=title, exact=True).click()
    page.get_by_role("heading", name=heading, exact=True).wait_for(timeout=TIMEOUT)
    page.wait_for_url(re.compile(rf"^[^?#]*/{re.escape(path)}(\?.*)?$"), timeout=TIMEOUT)
    wait_until_shown(page, TIMEOUT)


def _reach(page, url: str, index: int, title: str, path: str, heading: str) -> None:
    """The page-by-page tests' way through PAGES: the first page by its address, every other by its sidebar link."""
    if index == 0:
        _open(page, f"{url}/{path}", heading)
    else:
        _follow_sidebar(page, title, path, heading)


def _text(page) -> str:
    """Everything the page shows, including the data grid's cells (drawn on canvas, mirrored for a11y)."""
    return page.inner_text("body") + "\n" + "\n".join(page.locator("[role='gridcell']").all_inner_texts())


def _wait_for_text(page, *snippets: str, timeout: float = 20) -> str:
    """The page's text once it shows every snippet (Streamlit keeps drawing after the heading appears)."""
    deadline = time.monotonic() + timeout
    while True:
        text = _text(page)
        missing = [s for s in snippets if s not in text]
        if not missing:
            return text
        if time.monotonic() > deadline:
            raise AssertionError(f"{page.url}: {missing} never appeared; the page showed:\n{text}")
        page.wait_for_timeout(250)


def test_every_page_in_open_local_mode(browser, snapshot_dir, screenshots):
    with serve(snapshot_dir) as server:
        assert "Öppet lokalt läge" in server.output()
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="sv-SE")
        nav = None
        for i, (title, path, heading, expected) in enumerate(PAGES):
            # A long page is opened in a window as tall as the page (Streamlit scrolls inside its own container):
            # drawn once, whole, its checks see every row and chart, and one screenshot shows all of it.
            page.set_viewport_size({"width": 1400, "height": 7000 if path in LONG_PAGES else 1000})
            _reach(page, server.url, i, title, path, heading)
            text = _wait_for_text(page, OPEN_WARNING, *expected)
            nav = page.locator("[data-testid='stSidebarNav']").inner_text()
            assert title in nav
            assert OPEN_WARNING in text, f"{title}: no open-mode warning"
            assert "Data publicerad 2026-11-23 kl. 03:00" in text  # Swedish time, not UTC
            for snippet in expected:
                assert snippet in text, f"{title}: {snippet!r} missing"
            assert path in NO_DECIMALS or re.search(r"\d,\d", text), f"{title}: no decimal comma"
            assert not re.search(r"\b\d{2,3}\.\d\b", text.replace("2023/24", "")), f"{title}: decimal point"
            assert "Deploy" not in text and "Logga ut" not in text
            assert not page.locator("[data-testid='stException']").count()
            if path == "resultat":  # the suppressed school is shown as '..', never as 0 or blank
                _wait_for_text(page, "Korsbackaskolan (33330003)", "..")
                cells = page.locator("[role='gridcell']").all_inner_texts()
                assert ".." in cells and "Korsbackaskolan (33330003)" in cells
            if path in LONG_PAGES:
                page.wait_for_function(CHARTS_DRAWN, timeout=TIMEOUT)
            page.screenshot(path=str(screenshots / f"oppet-{path or 'oversikt'}.png"), full_page=True)
        page.close()
        # The console in Swedish too: `serve`'s own lines, not Streamlit's English welcome or server log.
        console = server.output()
        assert "You can now view" not in console and "Uvicorn" not in console and "URL:" not in console
    views = [json.loads(line) for line in (snapshot_dir / "access_log.jsonl").read_text().splitlines()]
    assert {v["page"] for v in views} >= {p[0] for p in PAGES}
    assert {v["role"] for v in views} == {"oppet_lage"}


ROLES = """
users:
  forvaltare@kommun.se: forvaltning
  rektor.ekbacken@kommun.se:
    role: rektor
    skolenheter: ["11110001"]
groups:
  namndledamoter: namnd
"""


@pytest.fixture(scope="module")
def oidc_provider():
    """oidc-provider-mock on 127.0.0.1 (it accepts any client id and lets the browser choose the user)."""
    previous = os.environ.get("AUTHLIB_INSECURE_TRANSPORT")
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # http on 127.0.0.1 only
    users = [User(sub="ledamot@kommun.se", claims={"email": "ledamot@kommun.se", "groups": ["Namndledamoter"]})]
    server = werkzeug.serving.make_server("127.0.0.1", free_port(), oidc_app(user_claims=users), threaded=True)
    import threading

    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        wait_for_http(f"{url}/.well-known/openid-configuration")
        yield url
    finally:
        server.shutdown()
        thread.join(5)
        if previous is None:
            os.environ.pop("AUTHLIB_INSECURE_TRANSPORT", None)
        else:
            os.environ["AUTHLIB_INSECURE_TRANSPORT"] = previous


@pytest.fixture(scope="module")
def login_server(snapshot_dir, oidc_provider):
    roles = snapshot_dir / "roller.yaml"
    roles.write_text(ROLES, encoding="utf-8")
    port_env = {
        "SKOLANALYS_OIDC_METADATA_URL": f"{oidc_provider}/.well-known/openid-configuration",
        "SKOLANALYS_OIDC_CLIENT_ID": "skolanalys-test",
        "SKOLANALYS_OIDC_CLIENT_SECRET": "inte-hemligt-i-test",
        "SKOLANALYS_ROLES_FILE": str(roles),
        "AUTHLIB_INSECURE_TRANSPORT": "1",
    }
    # The public URL must name the port serve listens on: serve picks it, so ask for one and pass it through.
    import tests.browser.conftest as c

    port = c.free_port()
    original = c.free_port
    c.free_port = lambda: port
    try:
        with serve(snapshot_dir, {**port_env, "SKOLANALYS_PUBLIC_URL": f"http://127.0.0.1:{port}"}) as server:
            secrets = list(server.tmp_dir.glob("skolanalys-auth-*.toml"))
            assert len(secrets) == 1 and stat.S_IMODE(secrets[0].stat().st_mode) == 0o600
            yield server
    finally:
        c.free_port = original
    assert not list(server.tmp_dir.glob("skolanalys-auth-*.toml")), "the secrets file outlived serve"


def _log_in(browser, server, sub: str | None, heading: str, name: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="sv-SE")
    page = context.new_page()
    page.goto(server.url)
    page.get_by_role("heading", name="Skolanalys").wait_for(timeout=TIMEOUT)
    text = _wait_for_text(page, "Logga in")  # the button is drawn after the heading
    assert "Kävlinge" not in text and OPEN_WARNING not in text
    page.screenshot(path=str(server.data_dir / f"{name}-fore.png"))
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(re.compile(r".*/oauth2/authorize.*"), timeout=TIMEOUT)
    if sub is None:  # a predefined user with a group claim
        page.get_by_role("button", name="ledamot@kommun.se").click()
    else:
        page.fill("input[name=sub]", sub)
        page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(re.compile(re.escape(server.url) + r"/?$"), timeout=TIMEOUT)
    page.get_by_role("heading", name=heading, exact=True).wait_for(timeout=TIMEOUT)
    wait_until_shown(page, TIMEOUT)
    return context, page


def _close(context, page) -> None:
    """Leave the app before closing: closing a context while Streamlit's websocket is open has hung here."""
    page.goto("about:blank", timeout=TIMEOUT)
    context.close()


def _views(server) -> list[dict]:
    path = server.data_dir / "access_log.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_rektor_sees_own_school_and_the_municipality_never_another_school(browser, login_server, screenshots):
    context, page = _log_in(browser, login_server, "rektor.ekbacken@kommun.se", "Översikt", "rektor")
    _open(page, f"{login_server.url}/resultat", "Resultat")
    text = _wait_for_text(page, "Ekbackeskolan (11110001)", "Logga ut")
    assert "Ekbackeskolan (11110001)" in text and "Kävlinge (kommunen)" in text and "Riket" in text
    for other in ("Furulundsskolan", "22220002", "Korsbackaskolan", "33330003"):
        assert other not in page.content(), f"a rektor of Ekbackeskolan saw {other}"
    assert "Inloggad som rektor.ekbacken@kommun.se (rektor)" in text and "Logga ut" in text
    nav = page.locator("[data-testid='stSidebarNav']").inner_text()
    assert "Datakvalitet" not in nav and OPEN_WARNING not in text
    page.screenshot(path=str(screenshots / "rektor-resultat.png"), full_page=True)
    _open(page, f"{login_server.url}/franvaro", "Frånvaro")
    _wait_for_text(page, "Ekbackeskolan (11110001)")
    assert "Furulundsskolan" not in page.content()
    for path, heading in (("foradlingsvarde", "Förädlingsvärde"), ("likvardighet", "Likvärdighet")):
        _open(page, f"{login_server.url}/{path}", heading)
        _wait_for_text(page, "Ekbackeskolan", "Kävlinge (kommunen)", "Så läser du siffrorna")
        page.wait_for_function(CHARTS_DRAWN, timeout=TIMEOUT)
        for other in ("Furulundsskolan", "Korsbackaskolan"):
            assert other not in page.content(), f"a rektor of Ekbackeskolan saw {other} on {path}"
        page.screenshot(path=str(screenshots / f"rektor-{path}.png"), full_page=True)
    # The data-quality page is not there for a rektor, even by address.
    page.goto(f"{login_server.url}/datakvalitet")
    wait_until_shown(page, TIMEOUT)
    assert "Avstämning" not in _wait_for_text(page, "Inloggad som rektor.ekbacken@kommun.se")  # the app has drawn
    _close(context, page)
    views = [v for v in _views(login_server) if v["user"] == "rektor.ekbacken@kommun.se"]
    assert {"Resultat", "Frånvaro"} <= {v["page"] for v in views}
    assert {v["role"] for v in views} == {"rektor"} and all(v["granted"] for v in views)
    assert all(set(v) == {"time", "user", "role", "page", "granted"} for v in views)


def test_forvaltning_sees_everything_and_can_log_out(browser, login_server, screenshots):
    context, page = _log_in(browser, login_server, "forvaltare@kommun.se", "Översikt", "forvaltning")
    _open(page, f"{login_server.url}/resultat", "Resultat")
    _wait_for_text(page, "Korsbackaskolan (33330003)", "Logga ut")
    content = page.content()
    for school in ("Ekbackeskolan", "Furulundsskolan", "Korsbackaskolan"):
        assert school in content
    assert "Datakvalitet" in page.locator("[data-testid='stSidebarNav']").inner_text()
    page.screenshot(path=str(screenshots / "forvaltning-resultat.png"), full_page=True)
    _open(page, f"{login_server.url}/datakvalitet", "Datakvalitet")
    _wait_for_text(page, "Furulundsskolan", "Avstämning")
    page.screenshot(path=str(screenshots / "forvaltning-datakvalitet.png"), full_page=True)
    assert page.get_by_role("button", name="Logga ut").is_visible()
    _close(context, page)
    assert any(v["role"] == "forvaltning" and v["page"] == "Datakvalitet" for v in _views(login_server))


def test_a_group_claim_gives_the_namnd_role(browser, login_server):
    context, page = _log_in(browser, login_server, None, "Översikt", "namnd")
    _open(page, f"{login_server.url}/resultat", "Resultat")
    _wait_for_text(page, "Furulundsskolan (22220002)", "(nämnden)")
    assert "Furulundsskolan" in page.content() and "(nämnden)" in _text(page)
    assert "Datakvalitet" not in page.locator("[data-testid='stSidebarNav']").inner_text()
    _close(context, page)


def test_a_user_without_a_role_sees_only_ingen_behorighet(browser, login_server, screenshots):
    context, page = _log_in(browser, login_server, "okand@kommun.se", "Skolanalys", "okand")
    text = _wait_for_text(page, "Ingen behörighet", "Logga ut")
    assert "du är inloggad som okand@kommun.se" in text
    content = page.content()
    for data in ("Kävlinge", "Ekbackeskolan", "Resultat", "Meritvärde", "Jämförelser"):
        assert data not in content, f"a user without a role saw {data}"
    page.screenshot(path=str(screenshots / "ingen-behorighet.png"), full_page=True)
    _close(context, page)
    denied = [v for v in _views(login_server) if v["user"] == "okand@kommun.se"]
    assert denied and not any(v["granted"] for v in denied) and {v["role"] for v in denied} == {""}
