"""`skolanalys export`: options and entry point (wired into skolanalys/cli.py; docs/exports.md).

skolanalys export --for arsbokslut [--year 2025] [--niva kommun|skolor|skolenhet --skolenhet KOD]
                  [--format xlsx|csv|parquet] [--out PATH]
skolanalys export --tabeller indicator_values,benchmarking [--year 2024/25|alla] [--period 1,2]
skolanalys export --list | --again ID [--out PATH] | --diff ID
"""

from __future__ import annotations

import argparse
import getpass
import os
from pathlib import Path

from skolanalys.exports.catalogue import FORMATS, LEVELS, NAMED_EXPORTS, ExportError
from skolanalys.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--for", dest="export_for", choices=list(NAMED_EXPORTS), help="namngiven export i årshjulet")
    what.add_argument("--tabeller", help="serverade tabeller, kommaseparerade (t.ex. indicator_values,benchmarking)")
    what.add_argument("--list", action="store_true", help="lista exportarkivet")
    what.add_argument("--again", metavar="ID", help="skriv en tidigare export på nytt, byte för byte")
    what.add_argument("--diff", metavar="ID", help="vad som reviderats sedan en tidigare export")
    parser.add_argument(
        "--year", help="kalenderår (2025) eller läsår (2024/25); 'alla' för alla år (standard: senaste)"
    )
    parser.add_argument("--period", help="frånvaroperioder: 1, 2, 3 eller 0 (hela läsåret), t.ex. 1,2")
    parser.add_argument("--niva", choices=list(LEVELS), help="kommun, skolor (alla skolenheter) eller skolenhet")
    parser.add_argument("--skolenhet", metavar="KOD", help="skolenhetskoden för --niva skolenhet")
    parser.add_argument("--format", choices=list(FORMATS), default="xlsx", help="standard: xlsx")
    parser.add_argument("--out", help="fil eller mapp att skriva till (standard: aktuell mapp)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        return _run(args, settings)
    except ExportError as exc:
        from skolanalys.cli import UserError  # lazily: cli imports this module

        raise UserError(str(exc)) from exc


def _who() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment (some containers)
        return os.environ.get("USER") or "okänd användare"


def _target(out: str | None, file_name: str) -> Path:
    if not out:
        return Path.cwd() / file_name
    path = Path(out).expanduser()
    if path.is_dir() or out.endswith(("/", os.sep)) or not path.suffix:  # a folder
        return path / file_name
    return path


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from skolanalys.exports.archive import Archive, archive_path

    archive = Archive(archive_path(settings.data_dir))
    if args.list:
        return _list(archive)
    if args.again:
        stored = archive.get(args.again)
        target = _target(args.out, stored.file_name)
        _write(target, stored.content)
        print(
            f"Skrev {target}: export {stored.export_id} ({stored.title}), {len(stored.content)} byte, "
            f"sha256 {stored.sha256}"
        )
        return 0
    if args.diff:
        return _diff(archive, args.diff, settings)
    return _export(archive, args, settings)


def _open(settings: Settings):
    from skolanalys.exports.snapshot import SnapshotMissing, open_snapshot

    try:
        return open_snapshot(settings.serving_path)
    except SnapshotMissing as exc:
        raise ExportError(f"ingen serveringsfil {settings.serving_path}: kör `skolanalys run` först") from exc


def _export(archive, args: argparse.Namespace, settings: Settings) -> int:
    from skolanalys.exports.build import build_export
    from skolanalys.exports.selection import resolve

    tables = [t.strip() for t in args.tabeller.split(",") if t.strip()] if args.tabeller else None
    if args.tabeller is not None and not tables:
        raise ExportError("--tabeller behöver minst en tabell, t.ex. --tabeller indicator_values")
    with _open(settings) as snapshot:
        selection = resolve(
            snapshot,
            export_for=args.export_for,
            tables=tables,
            year=args.year,
            level=args.niva,
            unit=args.skolenhet,
            period=args.period,
            # what the snapshot holds is what was served: publishing refuses any other table
            served=tuple(t for t in snapshot.tables() if t != "snapshot_info"),
        )
        export = build_export(snapshot, selection, args.format)
        _refuse_an_empty_year(snapshot, selection, export)
    from skolanalys.progress import plural

    export_id = archive.store(export, who=_who(), channel="kommandoraden")
    target = _target(args.out, export.file_name)
    _write(target, export.content)
    rows = sum(t.rows.num_rows for t in export.tables)
    print(f"Skrev {target}: {export.title}")
    print(
        f"  {plural(len(export.tables), 'tabell', 'tabeller')}, {plural(rows, 'rad', 'rader')}; "
        "ur serveringsfilen publicerad "
        f"{export.provenance.published_sv} (körning {export.provenance.info.run_id})"
    )
    print(
        f"  Arkiverad som export {export_id} — `skolanalys export --again {export_id}` skriver den igen, "
        f"`--diff {export_id}` visar vad som reviderats sedan."
    )
    return 0


def _refuse_an_empty_year(snapshot, selection, export) -> None:
    """A year the snapshot holds nothing of is a mistake (a typo, a year not yet in): say so, write nothing."""
    from skolanalys.exports.selection import latest_year, school_year
    from skolanalys.exports.tables import spec

    if selection.year is None:
        return
    dated = {p.table for p in selection.picks if p.years is not None and spec(p.table).year}
    if any(t.rows.num_rows for t in export.tables if t.name in dated) or not dated:
        return
    latest = latest_year(snapshot, selection.picks)
    hint = f"; det senaste året i dem är {latest}" if latest else ""
    raise ExportError(
        f"serveringsfilen har inga uppgifter för {selection.year} (läsår {school_year(selection.year)}) i de "
        f"valda tabellerna{hint}"
    )


def _list(archive) -> int:
    from skolanalys.exports.provenance import swedish_time

    rows = archive.listing()
    if not rows:
        print(f"Exportarkivet {archive.path} är tomt.")
        return 0
    header = ("Id", "Exporterad", "Av", "Gånger", "Export", "Format", "Data publicerad")
    table = [
        (
            r["export_id"],
            swedish_time(r["first_exported_at"]),
            r["first_exported_by"] or "",
            str(r["times"]),
            (r["title"] or "").removeprefix("Skolanalys: "),
            r["format"],
            swedish_time(r["published_at"]),
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(row[i]) for row in table)) for i, h in enumerate(header)]
    print(f"Exportarkivet {archive.path}: {len(rows)} exporter")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    for row in table:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    return 0


def _diff(archive, text: str, settings: Settings) -> int:
    from skolanalys.exports import labels
    from skolanalys.exports.diff import diff_tables, value_text
    from skolanalys.exports.provenance import national_sources, swedish_time
    from skolanalys.exports.selection import read_selection

    stored = archive.get(text)
    then = archive.tables(stored.export_id)
    with _open(settings) as snapshot:
        selection = stored.selection
        row_filter = _role_filter(selection) if selection.role else None
        now = {t.name: t.rows for t in read_selection(snapshot, selection, row_filter)}
        info = snapshot.info
        sources = national_sources(snapshot)
    revisions = diff_tables(then, now)
    print(f"Export {stored.export_id}: {stored.title.removeprefix('Skolanalys: ')}")
    print(f"  då: serveringsfilen publicerad {swedish_time(stored.published_at)} (körning {stored.run_id})")
    print(f"  nu: serveringsfilen publicerad {swedish_time(info.published_at)} (körning {info.run_id})")
    for source in sources:
        old = stored.vintages.get(source.source)
        if old and (old.get("data_as_of"), old.get("last_fetch")) != (source.data_as_of, source.last_fetch):
            print(
                f"  {source.name}: data t.o.m. {old.get('data_as_of') or '–'}, hämtad {old.get('last_fetch') or '–'}"
                f" då; data t.o.m. {source.data_as_of or '–'}, hämtad {source.last_fetch or '–'} nu"
            )
    if not revisions:
        print("Inga ändringar: dagens serveringsfil har samma värden som exporten.")
        return 0
    print(f"{len(revisions)} ändrade celler:")
    header = ("Tabell", "Nyckel", "Kolumn", "Värde då", "Värde nu")
    rows = [
        (
            labels.sheet_name(r.table),
            r.key_text(),
            labels.column_label(r.table, r.column) if r.column else "",
            value_text(r.then),
            value_text(r.now),
        )
        for r in revisions
    ]
    widths = [min(max(len(h), *(len(row[i]) for row in rows)), 90) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    return 0


def _role_filter(selection):
    """For an export downloaded from the dashboard: the same rows the user's role saw (dashboards/data.py)."""
    from skolanalys.exports.roles import stored_role_filter

    return stored_role_filter(selection)
