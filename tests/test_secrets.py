"""The pseudonym key: required outside the demo, never stored, and a changed key never mixes pupil keys."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from skolanalys.settings import DEMO_PSEUDONYM_KEY, PSEUDONYM_KEY_ENV
from sources import key_check
from tests.conftest import TEST_KEY, run_skolanalys, skolanalys_env


@pytest.fixture
def env(tmp_path):
    (tmp_path / "landing" / "elever").mkdir(parents=True)
    return skolanalys_env(tmp_path / "data", tmp_path / "landing")


@pytest.mark.parametrize(
    ("key", "words"),
    [(None, "är inte satt"), ("", "är inte satt"), ("kort", "för kort"), (DEMO_PSEUDONYM_KEY, "demonyckeln")],
)
def test_run_refuses_to_start_without_a_proper_key(env, key, words):
    if key is None:
        env.pop(PSEUDONYM_KEY_ENV)
    else:
        env[PSEUDONYM_KEY_ENV] = key
    result = run_skolanalys(["run"], env, timeout=60)
    assert result.returncode == 2
    assert words in result.stderr and "secrets.token_urlsafe" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (Path(env["SKOLANALYS_DATA_DIR"]) / "warehouse.duckdb").exists()


def test_a_run_with_another_key_than_the_warehouse_was_built_with_is_refused(env, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    con = duckdb.connect(str(data / "warehouse.duckdb"))
    assert key_check.check_key(con, b"den-forsta-nyckeln-0123456789") == key_check.NEW
    con.close()
    result = run_skolanalys(["run"], env, timeout=60)  # env carries TEST_KEY
    assert result.returncode == 2
    assert "--byt-nyckel" in result.stderr and "Traceback" not in result.stderr


def test_the_fingerprint_recognises_the_key_and_rotation_empties_the_pupil_tables(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    first, second = TEST_KEY.encode(), b"en-helt-annan-nyckel-123456"
    assert key_check.check_key(con, first) == key_check.NEW
    assert key_check.check_key(con, first) == key_check.SAME
    con.execute("create table raw.grades as select 'a' as pupil_key")
    con.execute("create table raw.attendance_pupils as select 'a' as pupil_key, 'K' as pupil_gender")
    con.execute("create table raw.loaded_files as select 'betyg' as kind, 'h' as file_hash")
    con.execute("insert into raw.loaded_files values ('enkater', 'h2')")
    with pytest.raises(key_check.KeyChanged):
        key_check.check_key(con, second)
    assert con.execute("select count(*) from raw.grades").fetchall()[0][0] == 1  # untouched
    assert key_check.check_key(con, second, rotate=True) == key_check.ROTATED
    tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    assert "grades" not in tables and "attendance_pupils" not in tables
    assert con.execute("select kind from raw.loaded_files").fetchall() == [("enkater",)]  # surveys have no key
    assert key_check.check_key(con, second) == key_check.SAME
    stored = con.execute(f"select fingerprint from {key_check.KEY_CHECK_TABLE}").fetchall()[0][0]
    assert first.decode() not in stored and second.decode() not in stored
