"""skolanalys/quick_exit.py: a command's process ends with its exit status after every exit handler has run,
without the interpreter's teardown; a process never given a status ends the ordinary way."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.dbt_command import dbt_executable

SCRIPT = """
import atexit, logging, sys
from pathlib import Path
from skolanalys import quick_exit

out, status, quick_ = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "quick"
quick = quick_exit.arm()  # first, as the commands do


class FreedAtTeardown:
    def __del__(self):
        (out / "teardown").touch()


kept = FreedAtTeardown()  # a module's object: freed only by the interpreter's teardown
atexit.register((out / "handler").touch)  # registered after: runs before the quick exit's handler
logging.basicConfig(filename=out / "log.txt", level=logging.INFO)
logging.info("loggad rad")
sys.stdout.write("utskrift utan radslut")  # still in the buffer at exit
if quick_:
    quick.at(status)
sys.exit(status)
"""


@pytest.mark.parametrize("status", [0, 1, 3])
def test_the_status_every_exit_handler_and_the_output_are_kept_and_the_teardown_is_left_out(tmp_path, status):
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path), str(status), "quick"], capture_output=True, text=True
    )
    assert done.returncode == status
    assert done.stdout == "utskrift utan radslut"
    assert (tmp_path / "handler").exists()
    assert "loggad rad" in (tmp_path / "log.txt").read_text(encoding="utf-8")
    assert not (tmp_path / "teardown").exists()


def test_without_a_status_the_process_ends_the_ordinary_way(tmp_path):
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path), "1", "ordinary"], capture_output=True)
    assert done.returncode == 1
    assert (tmp_path / "handler").exists() and (tmp_path / "teardown").exists()


def test_skolanalys_dbt_ends_with_dbts_own_exit_status(tmp_path):
    done = subprocess.run(
        [dbt_executable(), "build", "--project-dir", str(tmp_path / "inget-projekt")],
        capture_output=True,
        text=True,
        env={"PATH": str(Path(sys.executable).parent), "HOME": str(tmp_path)},
    )
    assert done.returncode == 2, done.stdout + done.stderr  # click's status for a bad option
    assert "inget-projekt" in done.stdout + done.stderr
