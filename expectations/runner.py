"""Validating a table against a Great Expectations suite, through GX's pandas route.

GX's SQL route via duckdb-engine returns empty metrics here, so tables are handed over as pandas frames.
GX costs ~3 s to import: it is imported only when a validation runs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pandas as pd


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
    for expectation, _ in expectations:
        suite.add_expectation(expectation)
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(suite, result_format="SUMMARY")
    findings = []
    for r in result.results:
        if r.success:
            continue
        cfg = r.expectation_config
        column = cfg.kwargs.get("column")
        explanation = next(
            (
                text
                for exp, text in expectations
                if exp.expectation_type == cfg.type and getattr(exp, "column", None) == column
            ),
            "",
        )
        unexpected = r.result.get("unexpected_count", 0) or 0
        examples = [] if column in {"pupil_key"} else list(r.result.get("partial_unexpected_list", []))[:5]
        findings.append(Finding(cfg.type, column, int(unexpected), examples, explanation))
    return ValidationOutcome(suite_name, bool(result.success), len(result.results), findings)
