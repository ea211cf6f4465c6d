"""What a load killed with kill -9 leaves behind, removed by the next load: DuckDB's spill files of the staged
rows (which hold personnummer) beside the warehouse. The files are made by a real DuckDB that runs out of memory
and is killed, so the test follows DuckDB's own naming of them. (The attendance files' scratch folders:
tests/test_attendance.py; the warm dbt process's: tests/test_dbt_warm.py.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date

import duckdb

from sources.landing.attendance import AttendanceLoader
from sources.landing.attendance.schema import COLUMNS
from sources.landing.folder import sync_folder
from tests.conftest import TEST_KEY, make_pnr, write_landing_csv

MARK = make_pnr(date(2011, 5, 17), 123, True, "12-dash")

# A process that holds more rows in memory than its limit allows (an attached in-memory database, as the
# attendance stage is), says so once DuckDB has spilled them, and waits to be killed.
SPILLER = """
import duckdb, os, sys, time
conn = duckdb.connect(sys.argv[1])
conn.execute("set memory_limit = '24MB'; set threads = 1")
conn.execute("attach ':memory:' as stage")
conn.execute(f"create table stage.t as select '{sys.argv[2]}' || (i % 1000) as pnr, i from range(2000000) r(i)")
folder = sys.argv[1] + ".tmp"
assert any(name.endswith(".tmp") for name in os.listdir(folder)), os.listdir(folder)
print("spilled", flush=True)
time.sleep(60)
"""


def test_spill_files_of_a_killed_load_go_with_the_next_load_and_a_live_ones_stay(tmp_path):
    database = tmp_path / "warehouse.duckdb"
    spiller = subprocess.Popen(
        [sys.executable, "-c", SPILLER, str(database), MARK], stdout=subprocess.PIPE, text=True, cwd=tmp_path
    )
    try:
        assert spiller.stdout.readline().strip() == "spilled"
    finally:
        os.kill(spiller.pid, signal.SIGKILL)
        spiller.wait()
    spill = database.with_name("warehouse.duckdb.tmp")
    dead = sorted(spill.glob(f"duckdb_temp_{spiller.pid}_*"))
    assert dead and any(MARK.encode() in p.read_bytes() for p in dead)  # personnummer, in the clear
    live = spill / f"duckdb_temp_{os.getppid()}_0_owner"  # a live process's (pytest's parent)
    live.touch()
    lesson = [
        make_pnr(date(2012, 1, 1), 501, True, "12-dash"),
        "11110001",
        "2024-09-02",
        "08:15",
        "MA",
        60,
        0,
        "",
        "ja",
    ]
    write_landing_csv(tmp_path / "franvaro" / "a.csv", list(COLUMNS), [lesson])
    conn = duckdb.connect(str(database))
    try:
        sync = sync_folder(conn, tmp_path / "franvaro", AttendanceLoader(TEST_KEY.encode()))
    finally:
        conn.close()
    assert sync.total("rows_in") == 1 and sync.total("rows_loaded") == 1
    assert not [p for p in dead if p.exists()]
    assert live.exists()
