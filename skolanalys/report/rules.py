"""The dashboard's presentation rules, as the report uses them: imported from dashboards/ (never re-declared),
so a suppressed cell, a decimal comma, an indicator's short title and a chart's axes look the same in both.

dashboards.data and dashboards.presentation import Streamlit; importing them outside a Streamlit server works
(their functions used here are pure) but makes Streamlit log "No runtime found" once per cached function. That
warning means nothing in a command, so its logger is quieted while the modules are imported, then restored."""

from __future__ import annotations

import logging

import pandas as pd
import streamlit  # noqa: F401  (creates the logger quieted below)

_NOISY = logging.getLogger("streamlit.runtime.caching.cache_data_api")
_level = _NOISY.level
_NOISY.setLevel(logging.ERROR)
try:
    from dashboards import data as _data
    from dashboards import indicator_page as _indicator_page
    from dashboards import presentation as _presentation
finally:
    _NOISY.setLevel(_level)

SUPPRESSED_TEXT = _data.SUPPRESSED_TEXT
MISSING_TEXT = _presentation.MISSING_TEXT
SURVEY_SUPPRESSED_TEXT = _presentation.SURVEY_SUPPRESSED_TEXT
NATIONAL_TESTS_MISSING_TEXT = _presentation.NATIONAL_TESTS_MISSING_TEXT
GAP_TEXT = _presentation.GAP_TEXT
GENDERS = _presentation.GENDERS
SUBJECTS = _presentation.SUBJECTS
PALETTE = _presentation.PALETTE
RIKET = _indicator_page.RIKET
SIMILAR = _indicator_page.SIMILAR
BENCHMARK_COLOURS = _indicator_page.BENCHMARK_COLOURS

format_value = _data.format_value
format_change = _data.format_change
format_count = _data.format_count
format_interval = _data.format_interval
format_time = _data.format_time
short_titles = _presentation.short_titles
change = _presentation.change
line_chart = _presentation.line_chart
unit_title = _presentation.unit_title
# a cell's status: '' shown, '..' hidden, '.' no value (Kolada's 'Missing' is '.', its 'Privacy' '..')
code_of = _presentation.code_of
GOAL_STATUS = _presentation.GOAL_STATUS
ACTION_STATUS = _presentation.ACTION_STATUS


def nowrap(text: str) -> str:
    """A figure that must not break over two lines in a narrow table cell: '79,8 %', '1 204'."""
    return text.replace(" ", "\u00a0") if isinstance(text, str) else text


def cell(value, status, unit: str) -> str:
    """A served cell as the dashboard shows it: one decimal with a decimal comma and the unit's sign, '..'
    when hidden, '.' when there is no value — never 0 or blank."""
    return code_of(status) or nowrap(format_value(value, "", unit))


def count(n, status="") -> str:
    """The n behind a cell: '1 204', '..' when the cell is hidden, '.' when there is none."""
    return nowrap(format_count(n, code_of(status)))


def is_shown(value, status) -> bool:
    return not code_of(status) and value is not None and not pd.isna(value)
