"""Rules the dbt project declares as vars (dbt/dbt_project.yml) and the Python side reads: the disclosure
thresholds, which every text and guard reads (no number of pupils or respondents written again in the code, and
another declared value is what is said), and the value-added stages."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from skolanalys import dbt_vars as dbt_vars_module
from skolanalys import disclosure
from skolanalys.value_added import STAGES
from skolanalys.value_added_stages import stages

REPO = Path(__file__).resolve().parent.parent
# Where a threshold would be written again: a Swedish text with the number, a dbt var with a default of its own,
# or a guard comparing min_n with a number.
RESTATED = re.compile(
    r"färre än \d|minst \d+ (?:elever|svarande)|var\(\s*['\"]min_(?:pupils|respondents)['\"]\s*,|min_n\s*[<>]=?\s*\d"
    # a value-added stage's grades: ('6-9', 6, 9) in SQL, "Årskurs 6 → 9" as a label
    r"|\(\s*'\d-\d'\s*,\s*\d\s*,\s*\d\s*\)|Årskurs \d → \d|['\"]6-9['\"],\s*['\"]3-6['\"]"
    # the grade scale as a list: 'A', 'B', 'C'
    r"|['\"]A['\"],\s*['\"]B['\"],\s*['\"]C['\"]"
)
# sources/national/ and sources/reference/ are left out: the publishers' own codes (Skolverket's '..',
# Skolenkäten's '-') and files, whose thresholds are theirs, not the project's.
CODE = ("dashboards", "skolanalys", "pipelines", "sources", "expectations", "dbt/models", "dbt/macros", "dbt/seeds")
PUBLISHERS = {Path("sources/national"), Path("sources/reference")}


def restatements(root: Path) -> list[str]:
    found = []
    for folder in CODE:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix not in {".py", ".sql", ".csv", ".yml"} or PUBLISHERS & set(path.relative_to(root).parents):
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if RESTATED.search(line):
                    found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    return found


def test_no_threshold_is_written_again_in_the_code():
    assert restatements(REPO) == []


def test_the_scan_finds_a_threshold_written_again(tmp_path):
    (tmp_path / "dashboards").mkdir()
    (tmp_path / "dashboards" / "page.py").write_text('TEXT = "..: dolt, färre än 10 elever"\n', encoding="utf-8")
    (tmp_path / "dbt" / "models").mkdir(parents=True)
    (tmp_path / "dbt" / "models" / "m.sql").write_text("select {{ var('min_pupils', 10) }} as min_n\n")
    (tmp_path / "dbt" / "models" / "s.sql").write_text("select * from (values ('6-9', 6, 9)) as s(a, b, c)\n")
    assert len(restatements(tmp_path)) == 3


@pytest.fixture
def other_project(tmp_path, monkeypatch):
    """A copy of the dbt project's settings with other thresholds: 12 pupils, 7 respondents."""
    shutil.copy(REPO / "dbt" / "dbt_project.yml", tmp_path / "dbt_project.yml")
    text = (tmp_path / "dbt_project.yml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^  min_pupils: \d+$", "  min_pupils: 12", text)
    text = re.sub(r"(?m)^  min_respondents: \d+$", "  min_respondents: 7", text)
    (tmp_path / "dbt_project.yml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(dbt_vars_module, "DBT_PROJECT_DIR", tmp_path)
    dbt_vars_module.dbt_vars.cache_clear()
    disclosure.thresholds.cache_clear()
    yield
    dbt_vars_module.dbt_vars.cache_clear()
    disclosure.thresholds.cache_clear()


def test_the_declared_thresholds_are_the_published_ones():
    # domain.md: 10 pupils; Skolenkäten and the municipality's surveys: 5 respondents.
    assert disclosure.thresholds() == (10, 5)
    assert disclosure.pupils_text() == "färre än 10 elever"
    assert disclosure.respondents_text() == "färre än 5 svarande"


def test_another_declared_threshold_is_what_is_said(other_project):
    from skolanalys.exports import provenance

    assert disclosure.thresholds() == (12, 7)
    assert disclosure.pupils_text() == "färre än 12 elever"
    assert disclosure.respondents_text() == "färre än 7 svarande"

    class Empty:  # a snapshot with no cell to read the applied thresholds from
        def tables(self):
            return []

    assert provenance.thresholds(Empty()) == (12, 7)


def test_the_value_added_stages_are_the_documented_ones():
    # docs/value_added.md: 6 → 9 (prior in åk 6, outcome the final grades of åk 9) first, then 3 → 6.
    assert [(s.name, s.prior_grade, s.outcome_grade, s.label) for s in stages()] == [
        ("6-9", 6, 9, "Årskurs 6 → 9"),
        ("3-6", 3, 6, "Årskurs 3 → 6"),
    ]
    assert STAGES == ("6-9", "3-6")


def test_every_declared_source_column_has_a_type_the_writers_know():
    """The tables the Python assets write are declared once, as dbt sources with typed columns; each type is
    one the writers map to polars (skolanalys/dbt_sources.py), and the tables once written by hand in a
    dbt macro and in Python are all declared there."""
    from skolanalys.dbt_sources import POLARS_TYPES, declared_tables

    tables = declared_tables()
    for written in (
        "kolada.values",
        "kolada.kpi_config",
        "kolada.municipality_groups",
        "national.fetch_log",
        "skolverket.school_units",
        "skolverket.unit_statistics",
        "siris.unit_statistics",
        "national_units.school_units",
        "national_units.unit_values",
        "raw.goals",
        "raw.goal_indicators",
        "raw.goal_actions",
    ):
        assert written in tables, written
    unknown = {(t, c, k) for t, cols in tables.items() for c, k in cols.items() if k not in POLARS_TYPES}
    assert not unknown
