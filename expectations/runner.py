"""Validating a table against a Great Expectations suite, through GX's pandas route.

GX's SQL route via duckdb-engine returns empty metrics here, so tables are handed over as pandas frames.
GX costs ~3 s to import: it is imported only when a validation runs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pandas as pd

# Columns whose values never appear as examples in a check's description (pseudonyms, respondent ids).
PERSONAL_COLUMNS = {"pupil_key", "respondent_id"}


def _columns(kwargs: dict) -> list[str]:
    """The column(s) an expectation is about: column, column_A/column_B or column_list."""
    if kwargs.get("column"):
        return [kwargs["column"]]
    if kwargs.get("column_A"):
        return [kwargs["column_A"], kwargs["column_B"]]
    return list(kwargs.get("column_list") or [])


def _exception_message(info: dict | None) -> str | None:
    """GX reports an error either flat or per metric: {metric: {raised_exception, exception_message}}."""
    if not info:
        return None
    entries = [info] if "raised_exception" in info else [v for v in info.values() if isinstance(v, dict)]
    return next((e.get("exception_message") for e in entries if e.get("raised_exception")), None)


@dataclass(frozen=True)
class Finding:
    expectation: str
    column: str | None
    unexpected_count: int
    examples: list
    explanation_sv: str


@dataclass(frozen=True)
class ValidationOutcome:
    suite: str
    success: bool
    evaluated: int
    findings: list[Finding]

    def summary(self) -> str:
        if self.success:
            return f"{self.suite}: alla {self.evaluated} förväntningar uppfyllda"
        lines = [f"{self.suite}: {len(self.findings)} av {self.evaluated} förväntningar ej uppfyllda"]
        lines += [
            f"- {f.column or ''} {f.expectation}: {f.unexpected_count} rader. {f.explanation_sv}" for f in self.findings
        ]
        return "\n".join(lines)


def validate(frame: pd.DataFrame, suite_name: str, expectations: list[tuple[object, str]]) -> ValidationOutcome:
    """Run `expectations` — (GX expectation, Swedish explanation of what to do) pairs — on `frame`.

    Examples of unexpected values are only included for columns that hold no personal data.
    """
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    batch_definition = (
        context.data_sources.add_pandas(f"{suite_name}_source")
        .add_dataframe_asset(f"{suite_name}_asset")
        .add_batch_definition_whole_dataframe(f"{suite_name}_batch")
    )
    suite = gx.ExpectationSuite(name=suite_name)
    # GX returns results in its own order: the index in `meta` leads each back to its explanation.
    for index, (expectation, _) in enumerate(expectations):
        expectation.meta = {**(expectation.meta or {}), "index": index}
        suite.add_expectation(expectation)
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(suite, result_format="SUMMARY")
    findings = []
    for r in result.results:
        if r.success:
            continue
        cfg = r.expectation_config
        columns = _columns(cfg.kwargs)
        column = ", ".join(columns) or None
        explanation = expectations[cfg.meta["index"]][1]
        raised = _exception_message(r.exception_info)
        if raised:  # e.g. a column the table lacks: say so instead of reporting 0 rows
            explanation = f"{explanation} (kunde inte prövas: {raised.splitlines()[0][:200]})"
        unexpected = r.result.get("unexpected_count", 0) or 0
        personal = PERSONAL_COLUMNS & set(columns)
        examples = [] if personal else list(r.result.get("partial_unexpected_list", []))[:5]
        findings.append(Finding(cfg.type, column, int(unexpected), examples, explanation))
    return ValidationOutcome(suite_name, bool(result.success), len(result.results), findings)
