"""A newcomer's first run: `skolanalys run` says what it does in a few plain lines and a short summary; Dagster's
and dbt's own logs go to a log file in the data folder, which the summary names."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from skolanalys import cli, progress

ANSI = re.compile(r"\x1b\[")
# A Python list or dict printed as it is: ['a', 'b'] or {'a': 1}.
REPR = re.compile(r"[\[{]['\"]")


def test_run_output_is_short_plain_and_names_the_log_file(handbuilt):
    """The shared hand-built run (every bad file of the door, failed checks, a national stand-in that answers
    429 and 500): its output, not a terminal, is a short summary without bars or colour codes."""
    out, err = handbuilt.stdout, handbuilt.stderr
    lines = out.splitlines()
    assert len(lines) <= 40, out
    assert not ANSI.search(out + err) and not REPR.search(out + err)
    # A line per phase, driven by Dagster's events, then the summary.
    assert "Kör allt: 29 steg" in out
    for phase in ("Landningsmappen", "Nationella uppgifter", "Kontroller", "Modellerna (dbt)", "Serveringsfilen"):
        assert any(line.startswith(f"  ✓ {phase}: ") for line in lines), phase
    assert "  ✓ Kontroller: " in out and "2 underkända, se nedan" in out
    assert any(line.startswith("  elever/: ") and "rader inlästa" in line for line in lines)
    assert "med problem: se sidan Datakvalitet i instrumentpanelen, eller tabellen raw.landing_files" in out
    assert lines[-1].startswith("Klart. Serveringsfilen: ")
    # Dagster's and dbt's own logs are in the log file the summary names, not on the console.
    found = re.search(r"^Loggen \(Dagster och dbt\): (.+)$", out, re.MULTILINE)
    assert found, out
    log = Path(found[1])
    assert log.parent == handbuilt.data / "logs" and log.is_file()
    text = log.read_text(encoding="utf-8")
    assert "Running with dbt" in text and "Done. PASS=" in text  # dbt's log
    assert 'STEP_SUCCESS: Finished execution of step "dbt_models"' in text  # Dagster's events
    assert "HTTP 429, retrying" in text  # the national client's retries
    assert not ANSI.search(text)
    for tool_line in ("Running with dbt", "START sql", "STEP_SUCCESS", "retrying"):
        assert tool_line not in out + err


def test_the_tools_output_goes_to_the_log_and_ours_to_the_console(tmp_path, capfd):
    log = tmp_path / "run.log"
    with progress.ToolOutput(log) as tools:
        print("egen rad", file=tools.console, flush=True)
        os.write(1, b"ett verktygs rad\n")  # as dagster-dbt writes dbt's log to sys.stdout, fd 1
        subprocess.run([sys.executable, "-c", "import sys; print('ett barns rad'); print('fel', file=sys.stderr)"])
        tools.write_line("12:00:00 DEBUG   steg STEP_START: en händelse")
    captured = capfd.readouterr()
    assert "egen rad" in captured.out
    assert "verktygs" not in captured.out + captured.err and "barns" not in captured.out + captured.err
    text = log.read_text(encoding="utf-8")
    assert "ett verktygs rad" in text and "ett barns rad" in text and "fel" in text and "en händelse" in text
    assert "egen rad" not in text
    print("efteråt", flush=True)  # the console is back
    assert "efteråt" in capfd.readouterr().out


def test_the_tools_output_is_shown_too_when_verbose(tmp_path, capfd):
    with progress.ToolOutput(tmp_path / "run.log", verbose=True):
        subprocess.run([sys.executable, "-c", "print('\\x1b[32mOK\\x1b[0m created sql table model marts.x')"])
    assert "OK created sql table model marts.x" in capfd.readouterr().out
    assert "\x1b" not in (tmp_path / "run.log").read_text(encoding="utf-8")


def test_generate_says_per_kind_what_it_wrote_in_a_few_lines(tmp_path, capsys):
    assert cli.main(["generate", "--scale", "liten", "--seed", "3", "--out", str(tmp_path / "landing")]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert len(lines) <= 12 and not REPR.search(out) and not ANSI.search(out)
    assert any(line.startswith("  elever/: ") and "rader" in line for line in lines)
    assert any(line.startswith("  franvaro/: ") for line in lines)
    assert lines[-1].startswith("  ✓ ") and "facit" in lines[-1]


def test_numbers_and_durations_are_written_the_swedish_way():
    assert progress.number(4127600) == "4 127 600"
    assert progress.duration(0.42) == "0,4 s" and progress.duration(12.3) == "12 s"
    assert progress.duration(95) == "1 min 35 s"
    assert progress.plural(1, "fil", "filer") == "1 fil" and progress.plural(1200, "fil", "filer") == "1 200 filer"


def test_a_run_that_cannot_be_prepared_says_so_and_where_its_log_is(tmp_path, monkeypatch, capsys):
    import dagster as dg

    from skolanalys import runner
    from skolanalys.settings import Settings
    from tests.conftest import TEST_KEY

    def broken(*_):
        raise RuntimeError("dbt kunde inte läsa projektet")

    monkeypatch.setattr(runner, "_prepare", broken)
    landing, data = tmp_path / "landing", tmp_path / "data"
    landing.mkdir()
    for name, value in {
        "SKOLANALYS_PSEUDONYM_KEY": TEST_KEY,
        "SKOLANALYS_LANDING_DIR": str(landing),
        "SKOLANALYS_DATA_DIR": str(data),
        "SKOLANALYS_WAREHOUSE_PATH": str(data / "warehouse.duckdb"),
        "SKOLANALYS_KOMMUNKOD": "1261",
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
    }.items():
        monkeypatch.setenv(name, value)  # run_everything exports them: restored after the test
    assert runner.run_everything(Settings(landing, data, "1261"), instance=dg.DagsterInstance.ephemeral()) is False
    err = capsys.readouterr().err
    assert "Körningen kunde inte förberedas (RuntimeError: dbt kunde inte läsa projektet)" in err
    log = Path(re.search(r"Loggen: (.+)", err)[1])
    assert log.parent == data / "logs" and "Traceback" in log.read_text(encoding="utf-8")
