"""What a folder's or shipped files' state covers (pipelines/folder_loads.py): the files, and the source of the
modules that read them with every project module those import, found in the source text alone."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

from pipelines import folder_loads


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
