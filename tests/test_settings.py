"""The public configuration: defaults, absolute paths, and a wrong value explained in Swedish by its variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from skolanalys.settings import PSEUDONYM_KEY_ENV, REPO_ROOT, Settings, SettingsError, load_settings

VARIABLES = ("SKOLANALYS_DATA_DIR", "SKOLANALYS_LANDING_DIR", "SKOLANALYS_KOMMUNKOD")


@pytest.fixture(autouse=True)
def _clean(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_defaults_are_the_data_folder_of_the_repository_and_kavlinge():
    settings = load_settings()
    assert settings.data_dir == (REPO_ROOT / "data").resolve()
    assert settings.landing_dir == settings.data_dir / "landing"
    assert settings.kommunkod == "1261"
    assert settings.warehouse_path == settings.data_dir / "warehouse.duckdb"


def test_paths_come_from_the_environment_made_absolute_and_empty_means_unset(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SKOLANALYS_DATA_DIR", "data/../data2")
    monkeypatch.setenv("SKOLANALYS_LANDING_DIR", "")
    monkeypatch.setenv("SKOLANALYS_KOMMUNKOD", "0180")
    settings = load_settings()
    assert settings.data_dir == tmp_path / "data2" and settings.landing_dir == tmp_path / "data2" / "landing"
    assert settings.kommunkod == "0180"


@pytest.mark.parametrize("code", ["126", "12610", "12a1", " 1261"])
def test_a_wrong_kommunkod_is_a_settings_error_naming_the_variable(monkeypatch, code):
    monkeypatch.setenv("SKOLANALYS_KOMMUNKOD", code)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value) == f"SKOLANALYS_KOMMUNKOD måste vara fyra siffror, fick {code!r}"


def test_given_values_win_and_the_settings_are_frozen(monkeypatch, tmp_path):
    monkeypatch.setenv("SKOLANALYS_KOMMUNKOD", "0180")
    settings = Settings(tmp_path / "landing", tmp_path / "data", "1261")
    assert (settings.landing_dir, settings.data_dir, settings.kommunkod) == (
        tmp_path / "landing",
        tmp_path / "data",
        "1261",
    )
    with pytest.raises(ValueError):
        settings.kommunkod = "0180"
    with pytest.raises(SettingsError, match="SKOLANALYS_KOMMUNKOD"):
        Settings(Path("landing"), Path("data"), "1")


def test_the_pseudonym_key_is_never_part_of_the_settings(monkeypatch):
    monkeypatch.setenv(PSEUDONYM_KEY_ENV, "en-hemlig-nyckel-0123456789")
    settings = load_settings()
    assert "en-hemlig-nyckel" not in repr(settings) and "en-hemlig-nyckel" not in settings.model_dump_json()


def test_the_run_deadline_is_whole_seconds_and_a_wrong_one_is_named(monkeypatch):
    assert load_settings().run_deadline_seconds == 3 * 3600
    monkeypatch.setenv("SKOLANALYS_RUN_DEADLINE_SECONDS", "90")
    assert load_settings().run_deadline_seconds == 90
    for wrong in ("2h", "0", "-5", "1.5"):
        monkeypatch.setenv("SKOLANALYS_RUN_DEADLINE_SECONDS", wrong)
        with pytest.raises(SettingsError) as caught:
            load_settings()
        assert str(caught.value) == (
            f"SKOLANALYS_RUN_DEADLINE_SECONDS måste vara ett helt antal sekunder, större än 0, fick {wrong!r}"
        )
