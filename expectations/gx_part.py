"""A Great Expectations suite as one part of a check, for what GX is good at: small frames.

GX's SQL route does not work with DuckDB here (empty metrics) and its pandas route copies the whole table,
so GX validates only small tables — the survey question catalogues — handed over as a pandas frame. GX
costs ~2.5 s of one core to import: it is imported when such a part first runs, or ahead of it, in a
background thread, when its table's new rows are being loaded (`prepare`): the run's steps in between
(other loads, SQL checks) leave a core idle part of the time.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from expectations.rules import Part, _examples, _fingerprint
from expectations.runner import PERSONAL_COLUMNS, Finding, Scope

# GX's expectation types as the run summary names them.
EXPECTATION_SV = {
    "expect_column_values_to_not_be_null": "inte tom",
    "expect_column_values_to_be_in_set": "tillåtet värde",
    "expect_compound_columns_to_be_unique": "unik nyckel",
}


# The background import, if one was started: a part's evaluation waits for it rather than import beside it.
_IMPORTING: list[threading.Thread] = []


def _gx_environment() -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


def _import_gx() -> None:
    with contextlib.suppress(Exception):  # a failing import is reported by the evaluation's own
        import great_expectations  # noqa: F401


def _columns(kwargs: dict) -> list[str]:
    """The column(s) an expectation is about: column or column_list."""
    if kwargs.get("column"):
        return [kwargs["column"]]
    return list(kwargs.get("column_list") or [])


def _exception_message(info: dict | None) -> str | None:
    """GX reports an error either flat or per metric: {metric: {raised_exception, exception_message}}."""
    if not info:
        return None
    entries = [info] if "raised_exception" in info else [v for v in info.values() if isinstance(v, dict)]
    return next((e.get("exception_message") for e in entries if e.get("raised_exception")), None)


@dataclass(frozen=True)
class GxSuite(Part):
    """`expectations()` gives (GX expectation, Swedish note) pairs; `sql` selects the (small) frame."""

    name: str
    sql: str
    expectations: Callable[[], list[tuple[object, str]]]
    # The declarations the expectations read (value sets, keys): a change re-validates. Building the
    # expectations themselves would import GX, which a check that has nothing new to do must not pay for.
    declarations: tuple = ()

    def version(self) -> str:
        return _fingerprint(self.name, self.sql, self.expectations.__qualname__, *map(repr, self.declarations))

    def prepare(self) -> None:
        if "great_expectations" in sys.modules or _IMPORTING:
            return
        _gx_environment()
        thread = threading.Thread(target=_import_gx, name="gx-import", daemon=True)
        _IMPORTING.append(thread)
        thread.start()

    def evaluate(self, conn: duckdb.DuckDBPyConnection, scope: Scope) -> tuple[list[Finding], int]:
        for thread in _IMPORTING:
            thread.join()
        _gx_environment()
        import great_expectations as gx

        frame = conn.sql(self.sql).df()
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = {"globally": False}
        batch = (
            context.data_sources.add_pandas(f"{self.name}_source")
            .add_dataframe_asset(f"{self.name}_asset")
            .add_batch_definition_whole_dataframe(f"{self.name}_batch")
            .get_batch(batch_parameters={"dataframe": frame})
        )
        pairs = self.expectations()
        suite = gx.ExpectationSuite(name=self.name)
        # GX returns results in its own order: the index in `meta` leads each back to its note.
        for index, (expectation, _) in enumerate(pairs):
            expectation.meta = {**(expectation.meta or {}), "index": index}
            suite.add_expectation(expectation)
        result = batch.validate(suite, result_format="SUMMARY")
        findings = []
        for r in result.results:
            cfg = r.expectation_config
            columns = _columns(cfg.kwargs)
            note = pairs[cfg.meta["index"]][1]
            raised = _exception_message(r.exception_info)
            if raised:  # e.g. a column the table lacks: say so instead of reporting 0 rows
                note = f"{note} (kunde inte prövas: {raised.splitlines()[0][:200]})"
            count = 0 if r.success else int(r.result.get("unexpected_count", 0) or 1)
            examples = [] if PERSONAL_COLUMNS & set(columns) else _examples(r.result.get("partial_unexpected_list"))
            what = EXPECTATION_SV.get(cfg.type, cfg.type)
            findings.append(Finding(what, ", ".join(columns) or None, count, examples, note))
        return findings, len(frame)
