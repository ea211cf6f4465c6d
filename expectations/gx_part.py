"""A Great Expectations suite as one part of a check, for what GX is good at: small frames.

GX's SQL route does not work with DuckDB here (empty metrics) and its pandas route copies the whole table,
so GX validates only small tables — the survey question catalogues — handed over as a pandas frame. GX
costs ~2.5–3 s of one core to import. When the table's new rows are being loaded (`prepare`), a worker
process imports it (expectations/gx_worker.py) on the core the run's steps in between leave idle, and
validates the frame when the part runs; without a worker, or if it failed, GX runs in this process.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from expectations import gx_worker
from expectations.rules import Part, _examples, _fingerprint
from expectations.runner import PERSONAL_COLUMNS, Finding, Scope

# GX's expectation types as the run summary names them.
EXPECTATION_SV = {
    "expect_column_values_to_not_be_null": "inte tom",
    "expect_column_values_to_be_in_set": "tillåtet värde",
    "expect_compound_columns_to_be_unique": "unik nyckel",
}


def gx_environment() -> None:
    """Before GX is imported: no usage reports to GX's servers."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


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
        if "great_expectations" not in sys.modules:
            gx_worker.start(self.name)

    def evaluate(self, conn: duckdb.DuckDBPyConnection, scope: Scope) -> tuple[list[Finding], int]:
        frame = conn.sql(self.sql).df()
        results = gx_worker.ask(self.name, frame, self.expectations)
        if results is None:  # no worker, or it failed: GX here (its errors then surface as they are)
            results = gx_results(frame, self.expectations)
        findings = []
        for r in results:
            note = r["note"]
            if r["raised"]:  # e.g. a column the table lacks: say so instead of reporting 0 rows
                note = f"{note} (kunde inte prövas: {r['raised'].splitlines()[0][:200]})"
            columns = r["columns"]
            examples = [] if PERSONAL_COLUMNS & set(columns) else _examples(r["partial"])
            what = EXPECTATION_SV.get(r["type"], r["type"])
            findings.append(Finding(what, ", ".join(columns) or None, r["unexpected"], examples, note))
        return findings, len(frame)


def gx_results(frame, expectations: Callable[[], list[tuple[object, str]]]) -> list[dict]:
    """GX's validation of `frame` against the expectations, as plain values (they may cross a process): each
    result's type, columns, unexpected count, partial list, error and note, in GX's order."""
    gx_environment()
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    batch = (
        context.data_sources.add_pandas("source")
        .add_dataframe_asset("asset")
        .add_batch_definition_whole_dataframe("batch")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    pairs = expectations()
    suite = gx.ExpectationSuite(name="suite")
    # GX returns results in its own order: the index in `meta` leads each back to its note.
    for index, (expectation, _) in enumerate(pairs):
        expectation.meta = {**(expectation.meta or {}), "index": index}
        suite.add_expectation(expectation)
    result = batch.validate(suite, result_format="SUMMARY")
    results = []
    for r in result.results:
        cfg = r.expectation_config
        results.append(
            {
                "type": cfg.type,
                "columns": _columns(cfg.kwargs),
                "unexpected": 0 if r.success else int(r.result.get("unexpected_count", 0) or 1),
                "partial": list(r.result.get("partial_unexpected_list") or []),
                "raised": _exception_message(r.exception_info),
                "note": pairs[cfg.meta["index"]][1],
            }
        )
    return results
