"""Skolverket's SIRIS exports: the report declarations (reports.py) and the one reader (reader.py)."""

from sources.national.siris.reader import (
    ROWS_SCHEMA,
    SUFFIXES,
    TABLE_SCHEMA,
    SirisFormatError,
    other_files,
    read_siris,
    siris_files,
)
from sources.national.siris.reports import GENDERS, IDENTITY, REPORTS, Report, find_report, normalise_header

__all__ = [
    "GENDERS",
    "IDENTITY",
    "REPORTS",
    "ROWS_SCHEMA",
    "SUFFIXES",
    "TABLE_SCHEMA",
    "Report",
    "SirisFormatError",
    "find_report",
    "normalise_header",
    "other_files",
    "read_siris",
    "siris_files",
]
