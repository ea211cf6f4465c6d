"""`skolanalys rapport` (docs/report.md): the kvalitetsrapport drafted from the serving snapshot as DOCX and PDF.

Fast tests: the Typst escaping, the options, and one tiny hand-built document model through both renderers.
Slow tests (the shared demo run): the huvudman's and one school's report written by the command, read back —
the headings, the PDF's pages as images, numbers cell for cell against the snapshot, and suppression."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import docx
import duckdb
import numpy as np
import pandas as pd
import pytest
import vl_convert
from PIL import Image

from skolanalys.report import charts, command, model
from skolanalys.report import docx as docx_renderer
from skolanalys.report import pdf as pdf_renderer
from tests.conftest import run_skolanalys, skolanalys_env

QUESTIONS = ("Var är vi?", "Vart ska vi?", "Hur gör vi?", "Hur blev det?")
NASTY = 'Skolan "Å#ä*ö_" $x$ <a> @b [c] ~ \\ // inte en kommentar /* ej */ = ingen rubrik'


# --- fast: escaping, options, the renderers on a tiny model -----------------------------------------------------


def test_typst_string_escapes_quotes_backslashes_and_line_breaks():
    assert pdf_renderer.string('a"b\\c\nd\te') == '"a\\"b\\\\c\\nd\\te"'
    assert pdf_renderer.string("#set page(width: 1cm)") == '"#set page(width: 1cm)"'
    assert pdf_renderer.string("klockan\x07ringer") == '"klockanringer"'  # control characters dropped
    assert pdf_renderer.string("Åäö ✔ –") == '"Åäö ✔ –"'


def test_formats_and_output_paths(tmp_path):
    from skolanalys.cli import UserError

    assert command.formats(["docx,pdf"]) == ["docx", "pdf"]
    assert command.formats(["pdf", "docx", "PDF"]) == ["pdf", "docx"]
    with pytest.raises(UserError, match="okänt format"):
        command.formats(["odt"])
    assert command.slug("Kävlinge") == "kavlinge"
    assert command.slug("Strandvikskolan F-9") == "strandvikskolan-f-9"
    one = command.output_paths(str(tmp_path / "r.docx"), ["docx", "pdf"], "x")
    assert one == {"docx": tmp_path / "r.docx", "pdf": tmp_path / "r.pdf"}
    folder = command.output_paths(str(tmp_path / "ut"), ["pdf"], "kvalitetsrapport-2026-kavlinge")
    assert folder == {"pdf": tmp_path / "ut" / "kvalitetsrapport-2026-kavlinge.pdf"}


def tiny_report() -> model.Report:
    chart = charts.line_spec(
        pd.DataFrame({"year": [2024, 2025, 2026], "value": [81.25, None, 79.5], "series": "Kävlinge (kommunen)"}),
        years=[2024, 2025, 2026],
        unit="procent",
        series_order=["Kävlinge (kommunen)"],
    )
    blocks = (
        model.Contents(),
        model.Heading("Kävlinge kommun", 1),
        model.Heading("Var är vi?", 2),
        model.Paragraph((model.Run("Fet "), model.Run(NASTY, bold=True))),
        model.Table(
            "Lägst E i alla ämnen åk 9",
            ("Indikator", "2025", "2026"),
            (("Lägst E i alla ämnen åk 9", "..", "79,5\u00a0%"), (NASTY, ".", "1\u00a0204")),
            "Källa: kommunens egna uppgifter (betyg), data från 2026-12-01.",
            ("..: dolt",),
            fills=(("#d4f0e2", None, None), (None, None, None)),
        ),
        model.Figure("Andel med lägst E", chart, "Källa: Kolada (RKA), data från 2024-12-12."),
        model.Placeholder("Analys: årskurs 9", "Fylls i av skolan."),
        model.BulletList(("första", NASTY)),
        model.PageBreak(),
        model.Heading("Hur blev det?", 2),
        model.Paragraph.of("Sista stycket.", "note"),
    )
    return model.Report(
        "Kvalitetsrapport 2026",
        "Kävlinge – test",
        ("Läsåret 2025/26",),
        blocks,
        datetime(2026, 12, 1, 17, 44, tzinfo=UTC),
    )


def test_tiny_model_renders_as_docx_and_pdf_with_the_same_content(tmp_path):
    report = tiny_report()
    chart = report.blocks[5].chart
    # Rasterised from the SVG the PDF takes: what vl-convert draws from the spec itself.
    assert charts.png(chart) == vl_convert.vegalite_to_png(chart, scale=charts.SCALE)
    assert charts.png(chart).startswith(b"\x89PNG")
    # A NaN in a spec is drawn as vl-convert draws it from the spec itself (JSON text cannot hold it).
    gap = {**chart, "data": {"values": [{"year": 2024, "value": float("nan")}, {"year": 2025, "value": 80.0}]}}
    gap.pop("datasets", None)
    assert charts.svg(gap) == vl_convert.vegalite_to_svg(gap)
    assert charts.png(gap) == vl_convert.vegalite_to_png(gap, scale=charts.SCALE)
    source = pdf_renderer.markup(report, {5: "figur-5.svg"})
    assert '#set text(lang: "sv"' in source and source.count("#table(") == 1
    docx_path = docx_renderer.render(report, tmp_path / "r.docx")
    pdf_path = pdf_renderer.render(report, tmp_path / "r.pdf")

    document = docx.Document(str(docx_path))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [("Heading 1", "Kävlinge kommun"), ("Heading 2", "Var är vi?"), ("Heading 2", "Hur blev det?")]
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["Indikator", "2025", "2026"]
    assert [c.text for c in table.rows[2].cells] == [NASTY, ".", "1\u00a0204"]
    assert len(document.inline_shapes) == 1
    texts = "\n".join(p.text for p in document.paragraphs)
    assert "Tabell 1. Lägst E i alla ämnen åk 9" in texts and "Figur 1. Andel med lägst E" in texts
    assert "Källa: Kolada (RKA), data från 2024-12-12." in texts
    assert document.core_properties.language == "sv-SE"

    text = pdf_text(pdf_path)
    assert NASTY in text  # printed as written: nothing ran as Typst markup or code
    for needle in ("Var är vi?", "Hur blev det?", "Tabell 1. Lägst E i alla ämnen åk 9", "79,5 %", "Analys: årskurs 9"):
        assert needle in text
    assert "Andel (%)" in text and "Kävlinge (kommunen)" in text  # the chart, drawn as vector graphics
    # Deterministic: the same model gives the same bytes (no time of drafting in either file).
    assert docx_renderer.render(report, tmp_path / "again.docx").read_bytes() == docx_path.read_bytes()
    assert pdf_renderer.render(report, tmp_path / "again.pdf").read_bytes() == pdf_path.read_bytes()


# --- helpers ------------------------------------------------------------------------------------------------------


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return out.stdout.replace("\u00a0", " ")


def norm(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u00ad", "").strip()


def captioned_tables(document) -> list[tuple[str, list[list[str]]]]:
    """Every table of the DOCX with the caption written above it ('Tabell 3. …')."""
    out, caption = [], ""
    body = document.element.body
    for element in body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = "".join(t.text or "" for t in element.iter() if t.tag.endswith("}t"))
            if text.startswith("Tabell "):
                caption = text
        elif tag == "tbl":
            table = docx.table.Table(element, document)
            out.append((caption, [[norm(c.text) for c in row.cells] for row in table.rows]))
            caption = ""
    return out


def fmt(value, unit: str) -> str:
    """A served value as the report must show it, written out independently: one decimal, decimal comma."""
    text = f"{value:,.1f}".replace(",", " ").replace(".", ",")
    return text + (" %" if unit == "procent" else "")


# --- slow: the command on the demo municipality -------------------------------------------------------------------


@pytest.fixture(scope="module")
def snapshot(demo):
    con = duckdb.connect(str(demo.data / "serving.duckdb"), read_only=True)
    try:
        yield {
            name: con.execute(f"select * from {name}").df()
            for name in ("indicator_values", "indicators", "benchmarking", "snapshot_info", "attendance_by_period")
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def year(snapshot) -> int:
    values = snapshot["indicator_values"]
    return int(values.loc[values["source"] == "local", "year"].max())


@pytest.fixture(scope="module")
def school(snapshot, year) -> tuple[str, str]:
    """A school with åk 9 and a hidden cell in one of its tables: code and name."""
    v = snapshot["indicator_values"]
    with_ak9 = set(v[(v["indicator_id"] == "N15505") & (v["level"] == "skolenhet") & (v["year"] == year)]["unit_code"])
    hidden = v[
        (v["level"] == "skolenhet")
        & (v["status"] == "..")
        & (v["gender"] == "T")
        & v["year"].between(year - 4, year)
        & v["indicator_id"].str.startswith("SKA_")
        & v["unit_code"].isin(with_ak9)
    ]
    code = sorted(hidden["unit_code"].astype(str))[0]
    name = v.loc[v["unit_code"].astype(str) == code, "unit_name"].iloc[0]
    return code, name


@pytest.fixture(scope="module")
def reports(demo, school, tmp_path_factory):
    """The huvudman's report as DOCX and PDF in one call, and one school's (by its code) in another."""
    out = tmp_path_factory.mktemp("rapporter")
    env = skolanalys_env(demo.data, demo.landing)
    huvudman = run_skolanalys(["rapport", "--format", "docx,pdf", "--out", str(out)], env, timeout=900)
    assert huvudman.returncode == 0, huvudman.stdout + huvudman.stderr
    school_run = run_skolanalys(
        ["rapport", "--skolenhet", school[0], "--format", "docx", "--format", "pdf", "--out", str(out / "skola.pdf")],
        env,
        timeout=900,
    )
    assert school_run.returncode == 0, school_run.stdout + school_run.stderr
    assert "Traceback" not in huvudman.stderr + school_run.stderr
    found = {p.name: p for p in out.iterdir()}
    huvudman_docx = [p for n, p in found.items() if n.startswith("kvalitetsrapport-") and n.endswith(".docx")]
    assert len(huvudman_docx) == 1, sorted(found)
    return {
        "huvudman_docx": huvudman_docx[0],
        "huvudman_pdf": huvudman_docx[0].with_suffix(".pdf"),
        "school_docx": out / "skola.docx",
        "school_pdf": out / "skola.pdf",
        "out": out,
    }


def test_rapport_writes_docx_and_pdf_for_the_huvudman_and_a_school(reports, year):
    for key in ("huvudman_docx", "huvudman_pdf", "school_docx", "school_pdf"):
        assert reports[key].is_file() and reports[key].stat().st_size > 10_000, key
    assert reports["huvudman_docx"].name == f"kvalitetsrapport-{year}-kavlinge.docx"
    assert reports["huvudman_pdf"].read_bytes().startswith(b"%PDF")


def test_pdf_pages_render_with_tables_charts_and_swedish_text(reports, school):
    pages = reports["out"] / "sidor"
    pages.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(reports["school_pdf"]), str(pages / "skola")], check=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-l", "12", str(reports["huvudman_pdf"]), str(pages / "huvudman")],
        check=True,
    )
    images = sorted(pages.glob("*.png"))
    assert len(images) >= 20
    coloured_pages = 0
    for path in images:
        pixels = np.asarray(Image.open(path).convert("RGB")).astype(int)
        assert pixels.shape[1] > 400 and pixels.shape[0] > 600  # A4 at 60 dpi
        ink = (pixels.sum(axis=2) < 600).mean()
        assert ink > 0.002, f"{path.name} is almost blank"
        # chart lines and status colours: pixels that are clearly coloured, not grey
        coloured = ((pixels.max(axis=2) - pixels.min(axis=2)) > 80).mean()
        coloured_pages += coloured > 0.002
    assert coloured_pages >= 5

    text = pdf_text(reports["school_pdf"])
    # The charts are vector graphics (SVG): their axis titles are text, each alone on its line under its chart.
    assert sum(line.strip() == "År" for line in text.splitlines()) >= 4
    for needle in (*QUESTIONS, school[1], "Årskurs 9", "Frånvaro", "Förädlingsvärde", "Källa: Kolada (RKA)"):
        assert needle in text, needle
    assert "Källa: kommunens egna uppgifter" in text and "data från" in text
    assert {"å", "ä", "ö", "Å"} <= set(text)
    assert re.search(r"\d+,\d %", text)  # decimal comma
    huvudman = pdf_text(reports["huvudman_pdf"])
    assert all(q in huvudman for q in QUESTIONS) and "Skolorna i jämförelse" in huvudman


def test_docx_headings_follow_the_four_questions_per_part(reports, snapshot, school):
    document = docx.Document(str(reports["huvudman_docx"]))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    parts = [text for style, text in headings if style == "Heading 1"]
    schools = snapshot["indicator_values"].query("level == 'skolenhet'")["unit_name"].unique()
    assert parts[0] == "Om rapporten" and parts[1] == "Kävlinge kommun" and parts[-1] == "Om underlaget"
    assert sorted(parts[2:-1]) == sorted(schools)  # one part per school
    for question in QUESTIONS:
        assert sum(1 for style, text in headings if (style, text) == ("Heading 2", question)) == len(schools) + 1
    stages = [text for style, text in headings if style == "Heading 3"]
    assert {"Årskurs 3", "Årskurs 6", "Årskurs 9", "Frånvaro", "Skolorna i jämförelse"} <= set(stages)
    assert len(document.inline_shapes) >= 20

    own = docx.Document(str(reports["school_docx"]))
    own_headings = [(p.style.name, p.text) for p in own.paragraphs if p.style.name.startswith("Heading")]
    assert [t for s, t in own_headings if s == "Heading 1"] == ["Om rapporten", school[1], "Om underlaget"]
    assert [t for s, t in own_headings if s == "Heading 2" and t in QUESTIONS] == list(QUESTIONS)
    tables = captioned_tables(own)
    outcome = [rows for caption, rows in tables if "Förra årets förbättringsområden" in caption]
    assert outcome and len(outcome[0][0]) == 3 and outcome[0][0][1] == "Hur arbetet gick"
    other_schools = set(schools) - {school[1]}
    text = "\n".join(cell for _, rows in tables for row in rows for cell in row)
    assert not [name for name in other_schools if name in text]  # a school's report shows no other school
    assert "Analys: årskurs 9" in "\n".join(c.text for t in own.tables for row in t.rows for c in row.cells)


def expected_cell(values: pd.DataFrame, indicator_id: str, code: str, level: str, year: int, unit: str) -> str:
    """The cell as the report must show it, read independently: the own computation first, '..' hidden,
    '.' missing (a publisher's 'Missing' too)."""
    rows = values[
        (values["indicator_id"] == indicator_id)
        & (values["unit_code"].astype(str) == code)
        & (values["level"] == level)
        & (values["gender"] == "T")
        & (values["year"] == year)
    ]
    if rows.empty:
        return "."
    rank = {"local": 0, "skolverket": 1, "kolada": 2}
    row = rows.assign(r=rows["source"].map(rank)).sort_values("r").iloc[0]
    status = row["status"] if isinstance(row["status"], str) else ""
    if status in ("..", "Privacy"):
        return ".."
    if status or pd.isna(row["value"]):
        return "."
    return fmt(row["value"], unit)


def check_indicator_tables(path: Path, snapshot, unit_name: str, code: str, level: str) -> int:
    """Every year cell of the unit's indicator tables equals the snapshot's cell; returns the cells compared."""
    values, catalogue = snapshot["indicator_values"], snapshot["indicators"]
    titles = dict(
        zip(catalogue["short_title_sv"].fillna(catalogue["title_sv"]), catalogue["indicator_id"], strict=True)
    )
    units = dict(zip(catalogue["indicator_id"], catalogue["unit"], strict=True))
    compared = 0
    for caption, rows in captioned_tables(docx.Document(str(path))):
        if f", {unit_name} " not in caption or rows[0][0] != "Indikator" or "flickor och pojkar" in caption:
            continue
        header = rows[0]
        for row in rows[1:]:
            indicator_id = titles[row[0]]
            for column, text in zip(header, row, strict=True):
                if re.fullmatch(r"\d{4}", column):
                    assert text == expected_cell(values, indicator_id, code, level, int(column), units[indicator_id]), (
                        caption,
                        row[0],
                        column,
                    )
                    compared += 1
    return compared


def test_numbers_equal_the_snapshot_cell_for_cell(reports, snapshot, school, year):
    kommunkod = str(snapshot["snapshot_info"]["kommunkod"].iloc[0])
    assert check_indicator_tables(reports["huvudman_docx"], snapshot, "Kävlinge (kommunen)", kommunkod, "kommun") > 100
    assert check_indicator_tables(reports["school_docx"], snapshot, school[1], school[0], "skolenhet") > 100

    # A sample written out by hand: the kommun's meritvärde and its riket beside it (Kolada).
    tables = captioned_tables(docx.Document(str(reports["huvudman_docx"])))
    grades = next(
        rows
        for caption, rows in tables
        if caption.endswith(f"Slutbetyg i årskurs 9, Kävlinge (kommunen) {year - 4}–{year}")
    )
    merit = next(row for row in grades if row[0] == "Meritvärde åk 9")
    v = snapshot["indicator_values"]
    own = v[(v["indicator_id"] == "N15505") & (v["level"] == "kommun") & (v["source"] == "local")]
    own = own[(own["gender"] == "T") & (own["year"] == year)].iloc[0]
    assert merit[grades[0].index(str(year))] == fmt(own["value"], "poäng")
    assert merit[grades[0].index(f"Elever {year}")] == f"{int(own['n']):,}".replace(",", " ")
    # riket: Kolada's riket rows of indicator_values, and benchmarking's riket for the years they lack
    riket_rows = v[(v["indicator_id"] == "N15505") & (v["level"] == "riket") & (v["gender"] == "T")]
    riket_rows = riket_rows.dropna(subset=["value"])
    riket = dict(zip(riket_rows["year"], riket_rows["value"], strict=True))
    bench = snapshot["benchmarking"]
    bench = bench[(bench["kpi_id"] == "N15505") & (bench["gender"] == "T") & bench["riket_value"].notna()]
    for b in bench.itertuples():
        riket.setdefault(b.year, b.riket_value)
    latest = max(y for y in riket if y <= year)
    shown = fmt(riket[latest], "poäng") + ("" if latest == year else f" ({latest})")
    assert merit[grades[0].index("Riket")] == shown

    # Attendance: the school's absence the whole year, from attendance_by_period.
    a = snapshot["attendance_by_period"]
    row = a[(a["unit_code"].astype(str) == school[0]) & (a["period"] == 0) & (a["gender"] == "T")]
    row = row.sort_values("year").iloc[-1]
    own_tables = captioned_tables(docx.Document(str(reports["school_docx"])))
    absence = next(rows for caption, rows in own_tables if "Frånvaro läsåret" in caption)
    assert absence[1][:2] == ["Hela läsåret", fmt(row["absence_pct"], "procent")]


def test_suppressed_cells_show_dot_dot_and_no_hidden_value(reports, snapshot, school, year):
    v = snapshot["indicator_values"]
    mine = v[(v["unit_code"].astype(str) == school[0]) & (v["gender"] == "T") & v["year"].between(year - 4, year)]
    hidden = mine[mine["status"] == ".."]
    assert len(hidden), "the chosen school has hidden cells"
    # In the snapshot a hidden cell carries no value and no n: there is nothing the report could leak.
    assert hidden["value"].isna().all() and hidden["n"].isna().all()
    small = mine[(mine["source"] == "local") & mine["value"].notna()]
    assert (small["n"] >= small["min_n"]).all()

    catalogue = snapshot["indicators"]
    short = dict(zip(catalogue["indicator_id"], catalogue["short_title_sv"].fillna(catalogue["title_sv"]), strict=True))
    tables = captioned_tables(docx.Document(str(reports["school_docx"])))
    checked = 0
    for cell in hidden.itertuples():
        for caption, rows in tables:
            if rows[0][0] != "Indikator" or "flickor och pojkar" in caption or str(cell.year) not in rows[0]:
                continue
            for row in rows[1:]:
                if row[0] == short[cell.indicator_id]:
                    assert row[rows[0].index(str(cell.year))] == "..", (caption, row)
                    checked += 1
    assert checked >= 1
    document_text = "\n".join([p.text for p in docx.Document(str(reports["school_docx"])).paragraphs])
    assert "..: värdet visas inte för att skydda enskilda elever (röjandekontroll)" in document_text
    assert ".." in pdf_text(reports["school_pdf"])


def test_a_users_mistakes_are_one_swedish_line(demo, tmp_path):
    env = skolanalys_env(demo.data, demo.landing)
    cases = [
        (["rapport", "--format", "pdf", "--skolenhet", "99999999"], "skolenheten '99999999' finns inte"),
        (["rapport", "--format", "pdf", "--year", "1990"], "året 1990 finns inte"),
        (["rapport", "--format", "odt"], "okänt format"),
    ]
    empty = tmp_path / "tom"
    empty.mkdir()
    for args, message in cases:
        result = run_skolanalys([*args, "--out", str(tmp_path)], env, timeout=120)
        assert result.returncode == 2, result.stdout + result.stderr
        assert message in result.stderr and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    result = run_skolanalys(["rapport", "--format", "docx"], skolanalys_env(empty, empty), timeout=120)
    assert result.returncode == 2 and "ingen serveringsfil" in result.stderr and "Traceback" not in result.stderr
    assert not list(tmp_path.glob("*.pdf"))
