"""A run whose blocking check fails stops before the marts and leaves the last good serving snapshot."""

from __future__ import annotations

import contextlib
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from skolanalys.runner import run_everything
from skolanalys.settings import Settings
from sources.landing.kind_loader import KindLoader
from tests.conftest import make_pnr, skolanalys_env, write_landing_csv


def _last_good_state(tmp_path, monkeypatch) -> tuple[Settings, Path]:
    """Twelve pupils' enrolments and grades, a serving file standing for the last good snapshot, and the
    environment of every test run (offline: without it the national steps waited 15 s each for a network these
    machines lack), restored after the test: run_everything exports it."""
    landing, data = tmp_path / "landing", tmp_path / "data"
    pupils = [make_pnr(date(2009, 4, 1 + i), 200 + i, i % 2 == 0) for i in range(12)]
    write_landing_csv(
        landing / "elever" / "e.csv",
        ["personnummer", "lasar", "skolenhetskod", "arskurs"],
        [[p, "2023/24", "11110001", "9"] for p in pupils],
    )
    write_landing_csv(
        landing / "betyg" / "b.csv",
        ["personnummer", "lasar", "termin", "skolenhetskod", "arskurs", "amne", "betyg", "betygstyp"],
        [[p, "2023/24", "VT", "11110001", 9, s, "C", "slutbetyg"] for p in pupils for s in ["SV", "EN", "MA"]],
    )
    data.mkdir()
    serving = data / "serving.duckdb"
    serving.write_bytes(b"the last good snapshot")
    for name, value in skolanalys_env(data, landing).items():
        monkeypatch.setenv(name, value)
    return Settings(landing, data, "1261"), serving


@pytest.mark.slow
def test_failed_blocking_check_keeps_the_last_good_snapshot(tmp_path, monkeypatch, capsys):
    settings, serving = _last_good_state(tmp_path, monkeypatch)
    # A loader with a bug: it writes a grade the door would never let through ('G'). The blocking check runs
    # the reader's own rules on the loaded rows and stops the run.
    write = KindLoader.write

    def buggy_write(self, conn, result, digest):
        outcome = write(self, conn, result, digest)
        if self.kind.table == "grades":
            conn.execute("update raw.grades set grade = 'G' where subject = 'MA' and source_file_hash = ?", [digest])
        return outcome

    monkeypatch.setattr(KindLoader, "write", buggy_write)

    assert run_everything(settings, instance=dg.DagsterInstance.ephemeral()) is False

    assert serving.read_bytes() == b"the last good snapshot"
    out = capsys.readouterr()
    assert "gx_grades" in out.out and "Betyg ska vara A–F" in out.out and "12 rader (t.ex. 'G')" in out.out
    assert "senaste godkända serveringsfilen ligger kvar" in out.err


@pytest.mark.slow
def test_a_deadline_whose_interrupt_a_duckdb_query_swallowed_still_stops_the_run(tmp_path, monkeypatch, capsys):
    """The deadline's Ctrl+C, landing inside a DuckDB query, becomes DuckDB's InterruptException: that step
    fails and Dagster goes on with the others (seen in CI: the run went on through dbt and published). The
    runner then stops the run at the next step's start, and the last good snapshot stays."""
    from skolanalys import runner

    settings, serving = _last_good_state(tmp_path, monkeypatch)

    @contextlib.contextmanager
    def passed_and_swallowed(seconds):
        with contextlib.suppress(KeyboardInterrupt):  # as _deadline does with its own interrupt
            yield [True]  # the deadline has passed; its interrupt never reached Python

    monkeypatch.setattr(runner, "_deadline", passed_and_swallowed)

    assert run_everything(settings, instance=dg.DagsterInstance.ephemeral()) is False

    assert serving.read_bytes() == b"the last good snapshot"
    err = capsys.readouterr().err
    assert "Körningen avbröts efter" in err and "senaste godkända serveringsfilen ligger kvar" in err


def test_a_failed_run_says_whether_a_last_good_snapshot_is_there(tmp_path):
    """Before the first published snapshot a failed run says none is there yet, not that the last one stays."""
    from skolanalys.runner import _failed_line

    settings = Settings(tmp_path / "landing", tmp_path / "data", "1261")
    assert _failed_line(settings).startswith("Körningen misslyckades; någon serveringsfil finns inte ännu")
    settings.serving_path.parent.mkdir(parents=True)
    settings.serving_path.write_bytes(b"the last good snapshot")
    assert _failed_line(settings) == "Körningen misslyckades; den senaste godkända serveringsfilen ligger kvar."
