"""`skolanalys`: the command line of the warehouse.

skolanalys demo       generate the synthetic municipality, run everything, serve the dashboard
skolanalys generate   write a synthetic landing folder (presets liten, kavlinge, storstad)
skolanalys run        materialise every asset once against the landing folder
skolanalys serve      start the dashboard on the current serving snapshot
skolanalys ui         open the Dagster UI (assets, checks, runs, schedules)
skolanalys export     the served marts as xlsx/csv/parquet, archived as published (docs/exports.md)
skolanalys rapport    the kvalitetsrapport drafted as DOCX or PDF (docs/report.md)
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from skolanalys import quick_exit, start_gc
from skolanalys.auth_settings import ENV_SERVE_ADDRESS, SECRET_VARIABLES, load_oidc_settings, write_secrets_file
from skolanalys.dagster_home import prepare_dagster_home
from skolanalys.settings import REPO_ROOT, Settings, SettingsError, load_settings, require_pseudonym_key


class UserError(Exception):
    """A mistake the user can fix: printed as one clear line, never as a stack trace."""


def cmd_generate(args: argparse.Namespace, settings: Settings) -> int:
    from skolanalys.progress import GenerateProgress, duration, is_interactive, number, plural
    from skolanalys.synth import PRESETS, generate

    if args.scale not in PRESETS:
        raise UserError(f"okänd skala {args.scale!r}; välj en av {', '.join(PRESETS)}")
    out = Path(args.out).resolve() if args.out else settings.landing_dir
    truth = Path(args.truth).resolve() if args.truth else out.parent / "ground_truth.json"
    if truth.resolve().is_relative_to(out):
        raise UserError("facit-filen (--truth) får inte ligga i landningsmappen")
    if args.clean and out.exists():
        shutil.rmtree(out)
    print(f"Genererar den syntetiska kommunen '{args.scale}' (seed {args.seed}) i {out} …", flush=True)
    with GenerateProgress(sys.stdout, live=is_interactive(sys.stdout)) as shown:
        summary = generate(args.scale, args.seed, out, truth, kommunkod=settings.kommunkod, progress=shown.written)
    if not getattr(args, "brief", False):
        print("\n".join(shown.lines()))
    files = sum(count.files for count in shown.kinds.values())
    rows = sum(count.rows for count in shown.kinds.values())
    print(
        f"  ✓ {plural(files, 'fil', 'filer')}, {number(rows)} rader, {number(summary['bytes'] / 1e6)} MB på "
        f"{duration(summary['seconds'])}; facit (de planterade effekterna) i {truth}"
    )
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines.no_dbt_core import keep_dbt_core_out
    from skolanalys.runner import RunRefused, run_everything

    keep_dbt_core_out()  # dbt runs in its own process: ~1.7 s less before the run's first step

    warning = require_pseudonym_key(demo=getattr(args, "demo", False))
    if warning:
        print(warning, file=sys.stderr)
    if not settings.landing_dir.is_dir():
        raise UserError(
            f"landningsmappen {settings.landing_dir} finns inte: sätt SKOLANALYS_LANDING_DIR eller kör "
            "`skolanalys generate` först"
        )
    prepare_dagster_home(settings.dagster_home)
    try:
        succeeded = run_everything(
            settings,
            rotate_key=getattr(args, "rotate_key", False),
            always=getattr(args, "always", False),
            verbose=getattr(args, "verbose", False),
        )
        status = 0 if succeeded else 1
        quick_exit.at(status)  # every file of the run is closed: the process may end without the teardown
        return status
    except RunRefused as exc:
        raise UserError(str(exc)) from exc


LOOPBACK_ADDRESSES = ("127.0.0.1", "localhost", "::1")


# Streamlit's options for the dashboard, declared once: `serve` passes them on the command line and the tests'
# AppTest sets the runner's. No developer menu or Deploy button, no usage statistics, no file watching. Magic
# off: the pages write nothing by bare expressions, and magic parses each page with ast.parse, which CPython
# 3.11 can fail with "AST constructor recursion depth mismatch" when another thread parses at the same time.
# No full garbage collection after every page: it took ~0.3–0.5 s of CPU a page view at storstad (py-spy of
# the server under bench/bench_dashboard.py); Python's own generational collection still runs.
STREAMLIT_OPTIONS: dict[str, str | bool] = {
    "server.headless": True,
    "server.fileWatcherType": "none",
    "server.runOnSave": False,
    "client.toolbarMode": "minimal",
    "client.showErrorDetails": "none",
    "browser.gatherUsageStats": False,
    "runner.magicEnabled": False,
    "runner.postScriptGC": False,
    # The console stays Swedish: Streamlit's English welcome and its web server's info lines are left out (its
    # warnings and errors are still shown); `serve` says where the dashboard is.
    "logger.hideWelcomeMessage": True,
    "logger.level": "warning",
}


def _streamlit_command(
    settings: Settings, port: int, address: str = "127.0.0.1", secrets_file: Path | None = None
) -> list[str]:
    """`streamlit run` of the dashboard with STREAMLIT_OPTIONS, bound to `address`; with login, Streamlit's
    [auth] secrets come from `secrets_file` only."""
    command = [sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "dashboards" / "app.py")]
    options = {**STREAMLIT_OPTIONS, "server.address": address, "server.port": port}
    for name, value in options.items():
        command += [f"--{name}", str(value).lower() if isinstance(value, bool) else str(value)]
    if secrets_file is not None:
        command += ["--secrets.files", str(secrets_file)]
    return command


def _serve_environment() -> dict[str, str]:
    """The dashboard's environment: the client and cookie secrets stay out of it (they are in the secrets file)."""
    return {k: v for k, v in os.environ.items() if k not in SECRET_VARIABLES}


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.serving_path.exists():
        raise UserError(f"ingen serveringsfil {settings.serving_path}: kör `skolanalys run` först")
    address = getattr(args, "address", None) or os.environ.get(ENV_SERVE_ADDRESS) or "127.0.0.1"
    oidc = load_oidc_settings()
    if oidc is None and address not in LOOPBACK_ADDRESSES:
        raise UserError(
            f"utan inloggning lyssnar instrumentpanelen bara på 127.0.0.1, inte {address}: "
            "ställ in inloggningen först (docs/login.md)"
        )
    settings.export_environment()
    # SIGTERM (systemd, docker stop) ends the child and removes the secrets file like Ctrl+C does.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    secrets_file = write_secrets_file(oidc) if oidc is not None else None
    try:
        if oidc is None:
            print(f"Instrumentpanelen: http://{address}:{args.port}  (Ctrl+C avslutar)", flush=True)
            print("Öppet lokalt läge utan inloggning — bara för demo och egen dator", flush=True)
        else:
            print(
                f"Instrumentpanelen: {oidc.public_url} (lyssnar på {address}:{args.port}, inloggning krävs; "
                "Ctrl+C avslutar)",
                flush=True,
            )
        command = _streamlit_command(settings, args.port, address, secrets_file)
        return subprocess.call(command, env=_serve_environment())
    finally:
        if secrets_file is not None:
            secrets_file.unlink(missing_ok=True)


def _drop_published_national_files(landing: Path) -> None:
    """As a data engineer would: put the downloaded SIRIS exports and Skolenkäten report in the landing folder."""
    reference = REPO_ROOT / "sources" / "reference"
    for folder, pattern, source in (
        ("siris", "*.csv", "siris"),
        ("siris", "*.xlsx", "siris"),
        ("skolenkaten", "*.xlsx", "skolinspektionen"),
    ):
        (landing / folder).mkdir(parents=True, exist_ok=True)
        for path in (reference / source).glob(pattern):
            shutil.copyfile(path, landing / folder / path.name)


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    # The demo runs offline on the real national data shipped in sources/reference, with the demo key.
    os.environ.setdefault("SKOLANALYS_OFFLINE", "1")
    args.demo = True
    landing = settings.landing_dir
    generating = args.regenerate or not any(landing.glob("*/*"))
    if generating:
        print(
            "Skolanalys demo: genererar en syntetisk kommun, kör allt och startar instrumentpanelen (2–5 min).",
            flush=True,
        )
    else:
        print("Skolanalys demo: kör det som är nytt och startar instrumentpanelen.", flush=True)
    if generating:
        gen = argparse.Namespace(scale=args.scale, seed=args.seed, out=str(landing), truth=None, clean=True, brief=True)
        cmd_generate(gen, settings)
        _drop_published_national_files(landing)
    if cmd_run(args, settings) != 0:
        return 1
    return cmd_serve(args, settings)


def cmd_ui(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines.assets.dbt import ensure_manifest

    require_pseudonym_key()  # the UI's schedules and sensors load pupil files
    settings.export_environment()
    prepare_dagster_home(settings.dagster_home)
    ensure_manifest()
    print(f"Dagster: http://localhost:{args.port}  (Ctrl+C avslutar)", flush=True)
    dagster = Path(sys.executable).with_name("dagster")
    return subprocess.call([str(dagster), "dev", "-m", "pipelines.definitions", "-p", str(args.port)], cwd=REPO_ROOT)


VERBOSE_HELP = "visa även Dagsters och dbt:s egna loggar (de hamnar alltid i loggfilen i datamappen)"


def build_parser() -> argparse.ArgumentParser:
    from skolanalys import argparse_sv

    argparse_sv.install()
    parser = argparse.ArgumentParser(
        prog="skolanalys", description="Skolanalys — datalager för skolans kvalitetsarbete"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="kommando")

    gen = sub.add_parser("generate", help="skriv en syntetisk kommuns exportfiler till landningsmappen")
    gen.add_argument("--scale", default="liten", help="liten, kavlinge eller storstad")
    gen.add_argument("--seed", type=int, default=1)
    gen.add_argument("--out", help="landningsmapp (standard: SKOLANALYS_LANDING_DIR)")
    gen.add_argument("--truth", help="facit med planterade skoleffekter (standard: bredvid landningsmappen)")
    gen.add_argument("--clean", action="store_true", help="töm landningsmappen först")
    gen.set_defaults(func=cmd_generate)

    run = sub.add_parser("run", help="materialisera alla tillgångar en gång")
    run.add_argument(
        "--byt-nyckel",
        dest="rotate_key",
        action="store_true",
        help="ny pseudonymnyckel: bygg om elevtabellerna från filerna i landningsmappen",
    )
    run.add_argument(
        "--alltid",
        dest="always",
        action="store_true",
        help="kör även när inget är nytt sedan förra lyckade körningen",
    )
    run.add_argument("--verbose", "-v", action="store_true", help=VERBOSE_HELP)
    run.set_defaults(func=cmd_run)

    serve = sub.add_parser("serve", help="starta instrumentpanelen")
    serve.add_argument("--port", type=int, default=8501)
    serve.add_argument(
        "--address",
        help="adress att lyssna på (standard: SKOLANALYS_SERVE_ADDRESS eller 127.0.0.1; "
        "utan inloggning bara 127.0.0.1)",
    )
    serve.set_defaults(func=cmd_serve)

    demo = sub.add_parser("demo", help="generera, kör allt och starta instrumentpanelen")
    demo.add_argument("--scale", default="kavlinge")
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--port", type=int, default=8501)
    demo.add_argument("--regenerate", action="store_true", help="generera landningsmappen på nytt")
    demo.add_argument("--verbose", "-v", action="store_true", help=VERBOSE_HELP)
    demo.set_defaults(func=cmd_demo)

    ui = sub.add_parser("ui", help="öppna Dagsters webbgränssnitt")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(func=cmd_ui)

    # Each command's own options live beside its code: skolanalys/exports/command.py, skolanalys/report/command.py.
    from skolanalys.exports import command as export_command
    from skolanalys.report import command as report_command

    export = sub.add_parser("export", help="exportera serverade tabeller (xlsx, csv, parquet) till arkivet och fil")
    export_command.add_arguments(export)
    export.set_defaults(func=export_command.run)

    rapport = sub.add_parser("rapport", help="skriv ett utkast till kvalitetsrapport (docx eller pdf)")
    report_command.add_arguments(rapport)
    rapport.set_defaults(func=report_command.run)
    return parser


def console() -> None:
    """The `skolanalys` command (pyproject.toml [project.scripts]). A command whose files are all closed when
    it returns (`run`) ends the process without the interpreter's teardown (skolanalys/quick_exit.py)."""
    quick_exit.arm()  # first, so that its exit handler runs after every other one
    start_gc.pause()  # until the run's definitions are built (skolanalys/start_gc.py)
    sys.exit(main())


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.func is not cmd_run:  # only a run settles the collector itself, once its definitions are built
        start_gc.settle()
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
