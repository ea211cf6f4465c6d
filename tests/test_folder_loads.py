"""What a folder's or shipped files' state covers (pipelines/folder_loads.py): the files, and the source of the
modules that read them with every project module those import, found in the source text alone."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

from dagster_duckdb import DuckDBResource

from pipelines import folder_loads
from sources.landing.outcomes import FileStatus, replace_folder, summary_lines


def _module(path: Path) -> ModuleType:
    module = ModuleType(path.stem)
    module.__file__ = str(path)
    return module


def _project(root: Path) -> dict[str, Path]:
    """A small project: a reader with a helper imported relatively, one imported inside a function, a
    constant from a module imported by name, and a module nothing imports."""
    files = {
        "pkg/__init__.py": "",
        "pkg/reader.py": (
            "from .helper import parse\nfrom pkg.names import COLUMNS\nimport json\n\n"
            "def read():\n    import pkg.lazy\n    return parse(json.dumps(COLUMNS)), pkg.lazy\n"
        ),
        "pkg/helper.py": "def parse(text):\n    return text\n",
        "pkg/names.py": "COLUMNS = ['a', 'b']\n",
        "pkg/lazy.py": "X = 1\n",
        "pkg/unused.py": "Y = 2\n",
    }
    paths = {}
    for name, text in files.items():
        paths[name] = root / name
        paths[name].parent.mkdir(parents=True, exist_ok=True)
        paths[name].write_text(text, encoding="utf-8")
    return paths


def test_a_readers_helpers_are_found_in_its_source_and_theirs(tmp_path, monkeypatch):
    monkeypatch.setattr(folder_loads, "PROJECT", tmp_path)
    paths = _project(tmp_path)
    found = folder_loads._source_files([_module(paths["pkg/reader.py"])])
    assert found == sorted(paths[n] for n in ("pkg/__init__.py", "pkg/reader.py", "pkg/helper.py", "pkg/names.py",
                                              "pkg/lazy.py"))  # fmt: skip


def test_a_helper_changes_the_state_and_an_unused_module_does_not(tmp_path, monkeypatch):
    monkeypatch.setattr(folder_loads, "PROJECT", tmp_path)
    paths = _project(tmp_path)
    data = tmp_path / "data.csv"
    data.write_text("a;b\n", encoding="utf-8")
    reader = _module(paths["pkg/reader.py"])
    before = folder_loads.files_fingerprint([data], reader)
    paths["pkg/unused.py"].write_text("Y = 3\n", encoding="utf-8")
    assert folder_loads.files_fingerprint([data], reader) == before
    paths["pkg/names.py"].write_text("COLUMNS = ['a', 'b', 'c']\n", encoding="utf-8")
    assert folder_loads.files_fingerprint([data], reader) != before


def test_the_state_is_the_same_whatever_else_the_process_has_loaded():
    """The pipeline's own process has the CLI and more loaded than a sensor's or a test's: the shipped Kolada
    files' readers are found in their source, without importing anything (the dashboard's Streamlit and dbt's
    CLI used to be imported to find them) and without following whatever else a package has loaded."""
    import pipelines.definitions  # noqa: F401 - loaded as in `skolanalys run`'s process, not read with
    import skolanalys.cli  # noqa: F401
    import skolanalys.runner  # noqa: F401
    from pipelines.assets import national

    loaded = set(sys.modules)
    files = [str(f.relative_to(folder_loads.PROJECT)) for f in folder_loads._source_files([national])]
    assert set(sys.modules) == loaded
    assert "pipelines/assets/national.py" in files and "sources/national/kolada_files.py" in files
    assert [f for f in files if f.startswith(("dashboards/", "skolanalys/synth/")) or f == "skolanalys/cli.py"] == []


def test_the_declarations_a_reader_reads_are_part_of_its_state():
    """The survey readers' keys are declared in dbt_project.yml (var landing_keys, read through
    skolanalys/dbt_vars.py): that file counts as their source, so a changed key reads enkater/ again."""
    from sources.landing import surveys

    files = [str(f.relative_to(folder_loads.PROJECT)) for f in folder_loads._source_files([surveys])]
    assert "skolanalys/dbt_vars.py" in files and "dbt/dbt_project.yml" in files


def test_the_declared_columns_a_reader_builds_its_tables_from_are_part_of_its_state():
    """The goals reader's tables take their columns from the dbt sources' declarations (read through
    skolanalys/dbt_sources.py): a changed declaration reads mal/ again."""
    from sources.landing import goals

    files = [str(f.relative_to(folder_loads.PROJECT)) for f in folder_loads._source_files([goals])]
    assert "skolanalys/dbt_sources.py" in files
    assert "dbt/models/staging/goals/_goals__sources.yml" in files


def test_a_folder_read_whole_and_unchanged_shows_the_files_it_loaded_as_already_loaded(tmp_path):
    """A pass that finds enkater/ as its last load left it does not read it again: the files that load read are
    already_loaded in this pass's outcomes, with their rows and the time they were read (the data-quality mart's
    loaded_at), so the run's summary does not say that they were loaded now. A rejected or ignored file keeps its
    outcome and reason, another folder is left alone, and a folder that changed is read again, its outcomes as
    they were until then."""
    warehouse = DuckDBResource(database=str(tmp_path / "warehouse.duckdb"))
    survey_files = [
        FileStatus("enkater", "a.csv", "loaded", None, "h1", 100, 10, 10, 0),
        FileStatus("enkater", "b.csv", "partly_quarantined", None, "h2", 100, 10, 8, 2),
        FileStatus("enkater", "c.csv", "rejected", "kolumnen svar saknas", "h3", 50),
        FileStatus("enkater", "d.txt", "ignored", "filtypen .txt tas inte emot", None, 5),
    ]
    query = "select file_name, outcome, reason, rows_loaded, rows_quarantined, checked_at from raw.landing_files"
    with warehouse.get_connection() as conn:
        replace_folder(conn, "enkater", survey_files)
        replace_folder(conn, "betyg", [FileStatus("betyg", "e.csv", "loaded", None, "h4", 100, 3, 3, 0)])
        conn.execute("create table raw.survey_table (x integer)")
        folder_loads.record_loaded(conn, "enkater", "state-1")
        before = conn.execute(f"{query} order by file_name").fetchall()
    context = SimpleNamespace(log=SimpleNamespace(info=lambda message: None))

    assert not folder_loads.unchanged(context, warehouse, "enkater", "state-2", "raw.survey_table")
    with warehouse.get_connection() as conn:
        assert conn.execute(f"{query} order by file_name").fetchall() == before

    assert folder_loads.unchanged(context, warehouse, "enkater", "state-1", "raw.survey_table")
    with warehouse.get_connection() as conn:
        after = conn.execute(f"{query} order by file_name").fetchall()
        lines = summary_lines(conn)
    read_at = {row[0]: row[5] for row in before}
    assert after == [
        ("a.csv", "already_loaded", None, 10, 0, read_at["a.csv"]),
        ("b.csv", "already_loaded", None, 8, 2, read_at["b.csv"]),
        ("c.csv", "rejected", "kolumnen svar saknas", None, None, read_at["c.csv"]),
        ("d.txt", "ignored", "filtypen .txt tas inte emot", None, None, read_at["d.txt"]),
        ("e.csv", "loaded", None, 3, 0, read_at["e.csv"]),
    ]
    surveys = next(line for line in lines if line.startswith("enkater/"))
    assert surveys == "enkater/: 4 filer — 2 redan inlästa, 1 avvisad, 1 ignorerad"
