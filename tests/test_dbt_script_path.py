"""`skolanalys-dbt` imports nothing from the environment's bin/ (pipelines/dbt_command.py): daff, which dbt's test task
imports, installs a copy of itself there as daff.py, which a script's process would otherwise import and compile
from source every time."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from pipelines import dbt_command

BIN = Path(sys.executable).parent


def _path_as_a_script_starts(monkeypatch) -> None:
    """The script's folder first, and nowhere else (pytest, a script itself, has it on the path too)."""
    monkeypatch.setattr(sys, "path", [str(BIN), *(p for p in sys.path if p and Path(p).resolve() != BIN.resolve())])


def test_the_dbt_command_drops_its_scripts_folder_from_the_path(monkeypatch):
    script = BIN / "skolanalys-dbt"
    monkeypatch.setattr(sys, "argv", [str(script), "build"])
    _path_as_a_script_starts(monkeypatch)
    dbt_command._without_the_scripts_folder()
    assert str(BIN) not in sys.path
    daff = importlib.util.find_spec("daff")
    assert daff is not None and Path(daff.origin).parent.name == "daff", daff.origin  # the package, not bin/daff.py


def test_another_scripts_path_is_left_alone(monkeypatch):
    monkeypatch.setattr(sys, "argv", [str(BIN / "pytest")])
    _path_as_a_script_starts(monkeypatch)
    dbt_command._without_the_scripts_folder()
    assert sys.path[0] == str(BIN)
