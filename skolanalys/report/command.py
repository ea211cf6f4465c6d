"""`skolanalys rapport`: the kvalitetsrapport drafted from the serving snapshot as DOCX and/or PDF
(docs/report.md). Options and entry point, wired into skolanalys/cli.py."""

from __future__ import annotations

import argparse
import sys
import unicodedata
from pathlib import Path

from skolanalys.settings import Settings

FORMATS = ("docx", "pdf")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--year",
        type=int,
        help="rapportens år: kalenderåret då läsåret slutar, t.ex. 2026 för 2025/26 (standard: det senaste året "
        "med kommunens egna uppgifter)",
    )
    parser.add_argument(
        "--skolenhet",
        help="en skolenhets rapport (skolenhetskod eller namn); utan: huvudmannens rapport med kommunen och alla "
        "skolenheter",
    )
    parser.add_argument(
        "--format",
        action="append",
        required=True,
        metavar="docx|pdf",
        help="docx (redigerbar) eller pdf (för publicering); båda: --format docx --format pdf eller --format docx,pdf",
    )
    parser.add_argument(
        "--out",
        help="fil (…/rapport.docx, …/rapport.pdf; med båda formaten får filerna samma namn med var sin ändelse) "
        "eller mapp (standard: den aktuella mappen)",
    )


def formats(values: list[str]) -> list[str]:
    """The formats asked for, in order, each once: ['docx', 'pdf'] from ['docx,pdf'] or ['docx', 'pdf']."""
    from skolanalys.cli import UserError

    chosen = []
    for value in values:
        for part in value.split(","):
            name = part.strip().lower().lstrip(".")
            if not name:
                continue
            if name not in FORMATS:
                raise UserError(f"okänt format {part.strip()!r}: välj docx eller pdf")
            if name not in chosen:
                chosen.append(name)
    if not chosen:
        raise UserError("ange minst ett format: --format docx eller --format pdf")
    return chosen


def slug(text: str) -> str:
    """A file name part: 'Kävlinge' → 'kavlinge', 'Strandvikskolan F-9' → 'strandvikskolan-f-9'."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = "".join(c.lower() if c.isalnum() else " " for c in plain).split()
    return "-".join(words) or "rapport"


def output_paths(out: str | None, chosen: list[str], stem: str) -> dict[str, Path]:
    """Where each format is written: `out` as a file (its name with each format's suffix) when it ends in
    .docx or .pdf, otherwise as a folder for the default names."""
    if out and Path(out).suffix.lower() in {f".{f}" for f in FORMATS}:
        target = Path(out).resolve()
        return {f: target.with_suffix(f".{f}") for f in chosen}
    folder = Path(out).resolve() if out else Path.cwd()
    return {f: folder / f"{stem}.{f}" for f in chosen}


def run(args: argparse.Namespace, settings: Settings) -> int:
    from skolanalys.cli import UserError

    chosen = formats(args.format)
    path = settings.serving_path
    if not path.is_file():
        raise UserError(f"ingen serveringsfil {path}: kör `skolanalys run` först")

    # Imported here: `skolanalys --help` and the other commands do not load Altair, Typst and the dashboard.
    from skolanalys.report import content

    try:
        snapshot = content.read_snapshot(path)
    except Exception as exc:  # a damaged or foreign file: say so in one line
        raise UserError(f"serveringsfilen {path} kan inte läsas: {exc}") from exc
    try:
        years = content.local_years(snapshot)
        year = args.year if args.year is not None else (years[-1] if years else 0)
        school = content.find_school(snapshot, args.skolenhet) if args.skolenhet else None
        whom = school.name if school else "huvudmannen"
        print(f"Skriver kvalitetsrapporten {year} för {whom} ur serveringsfilen …", flush=True)
        report = content.build(snapshot, year, school)
    except content.ReportError as exc:
        raise UserError(str(exc)) from exc

    name = school.name if school else content.kommun_unit(snapshot).name
    targets = output_paths(args.out, chosen, f"kvalitetsrapport-{year}-{slug(name)}")
    for fmt, target in targets.items():
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if fmt == "docx":
                from skolanalys.report import docx as renderer
            else:
                from skolanalys.report import pdf as renderer
            renderer.render(report, target)
        except OSError as exc:
            raise UserError(f"kan inte skriva {target}: {exc.strerror or exc}") from exc
        print(f"  ✓ {fmt.upper()}: {target}", flush=True)
    sys.stdout.flush()
    return 0
