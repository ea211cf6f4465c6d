"""`skolanalys`: the command line of the warehouse.

skolanalys demo       generate the synthetic municipality, run everything, serve the dashboard
skolanalys generate   write a synthetic landing folder (presets liten, kavlinge, storstad)
skolanalys run        materialise every asset once against the landing folder
skolanalys serve      start the dashboard on the current serving snapshot
skolanalys ui         open the Dagster UI (assets, checks, runs, schedules)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from skolanalys.settings import REPO_ROOT, Settings, SettingsError, load_settings


class UserError(Exception):
    """A mistake the user can fix: printed as one clear line, never as a stack trace."""


def _prepare_dagster_home(settings: Settings) -> None:
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")


def cmd_generate(args: argparse.Namespace, settings: Settings) -> int:
    from skolanalys.synth import PRESETS, generate

    if args.scale not in PRESETS:
        raise UserError(f"okänd skala {args.scale!r}; välj en av {', '.join(PRESETS)}")
    out = Path(args.out).resolve() if args.out else settings.landing_dir
    truth = Path(args.truth).resolve() if args.truth else out.parent / "ground_truth.json"
    if truth.resolve().is_relative_to(out):
        raise UserError("facit-filen (--truth) får inte ligga i landningsmappen")
    if args.clean and out.exists():
        shutil.rmtree(out)
    summary = generate(args.scale, args.seed, out, truth, kommunkod=settings.kommunkod)
    print(f"Syntetisk kommun '{args.scale}' (seed {args.seed}) skriven till {out}")
    for name, value in summary.items():
        print(f"  {name}: {value}")
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from skolanalys.runner import run_everything

    if not settings.landing_dir.is_dir():
        raise UserError(
            f"landningsmappen {settings.landing_dir} finns inte: sätt SKOLANALYS_LANDING_DIR eller kör "
            "`skolanalys generate` först"
        )
    _prepare_dagster_home(settings)
    return 0 if run_everything(settings) else 1


def _streamlit_command(settings: Settings, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(REPO_ROOT / "dashboards" / "app.py"),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
    ]


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.serving_path.exists():
        raise UserError(f"ingen serveringsfil {settings.serving_path}: kör `skolanalys run` först")
    settings.export_environment()
    print(f"Instrumentpanelen: http://localhost:{args.port}  (Ctrl+C avslutar)", flush=True)
    return subprocess.call(_streamlit_command(settings, args.port))


def _drop_published_national_files(landing: Path) -> None:
    """As a data engineer would: put the downloaded SIRIS exports and Skolenkäten report in the landing folder."""
    reference = REPO_ROOT / "sources" / "reference"
    for folder, pattern, source in (("siris", "*.csv", "siris"), ("skolenkaten", "*.xlsx", "skolinspektionen")):
        (landing / folder).mkdir(parents=True, exist_ok=True)
        for path in (reference / source).glob(pattern):
            shutil.copyfile(path, landing / folder / path.name)


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    # The demo runs offline on the real national data shipped in sources/reference.
    os.environ.setdefault("SKOLANALYS_OFFLINE", "1")
    landing = settings.landing_dir
    if args.regenerate or not any(landing.glob("*/*")):
        gen = argparse.Namespace(scale=args.scale, seed=args.seed, out=str(landing), truth=None, clean=True)
        cmd_generate(gen, settings)
        _drop_published_national_files(landing)
    if cmd_run(args, settings) != 0:
        return 1
    return cmd_serve(args, settings)


def cmd_ui(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines.assets.dbt import ensure_manifest

    settings.export_environment()
    _prepare_dagster_home(settings)
    ensure_manifest()
    print(f"Dagster: http://localhost:{args.port}  (Ctrl+C avslutar)", flush=True)
    dagster = Path(sys.executable).with_name("dagster")
    return subprocess.call([str(dagster), "dev", "-m", "pipelines.definitions", "-p", str(args.port)], cwd=REPO_ROOT)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="skolanalys", description="Skolanalys — datalager för skolans kvalitetsarbete"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="skriv en syntetisk kommuns exportfiler till landningsmappen")
    gen.add_argument("--scale", default="liten", help="liten, kavlinge eller storstad")
    gen.add_argument("--seed", type=int, default=1)
    gen.add_argument("--out", help="landningsmapp (standard: SKOLANALYS_LANDING_DIR)")
    gen.add_argument("--truth", help="facit med planterade skoleffekter (standard: bredvid landningsmappen)")
    gen.add_argument("--clean", action="store_true", help="töm landningsmappen först")
    gen.set_defaults(func=cmd_generate)

    run = sub.add_parser("run", help="materialisera alla tillgångar en gång")
    run.set_defaults(func=cmd_run)

    serve = sub.add_parser("serve", help="starta instrumentpanelen")
    serve.add_argument("--port", type=int, default=8501)
    serve.set_defaults(func=cmd_serve)

    demo = sub.add_parser("demo", help="generera, kör allt och starta instrumentpanelen")
    demo.add_argument("--scale", default="kavlinge")
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--port", type=int, default=8501)
    demo.add_argument("--regenerate", action="store_true", help="generera landningsmappen på nytt")
    demo.set_defaults(func=cmd_demo)

    ui = sub.add_parser("ui", help="öppna Dagsters webbgränssnitt")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(func=cmd_ui)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    try:
        settings = load_settings()
        return args.func(args, settings)
    except (UserError, SettingsError) as exc:
        print(f"skolanalys: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
