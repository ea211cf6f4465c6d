"""`skolanalys run`: materialise every asset once, in this process, and report in plain words."""

from __future__ import annotations

import sys

from skolanalys.settings import Settings


def _metadata_value(value) -> object:
    return getattr(value, "value", getattr(value, "text", value))


def run_everything(settings: Settings, instance=None) -> bool:
    """Run the nightly job now. Returns True on success; on failure the old serving snapshot stays.

    `instance` defaults to the persistent one in DAGSTER_HOME, so runs show in the Dagster UI.
    """
    settings.export_environment()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    import dagster as dg

    from pipelines.definitions import build_definitions

    job = build_definitions(settings).resolve_job_def("everything_job")
    result = job.execute_in_process(
        instance=instance or dg.DagsterInstance.get(),
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
    )
    for event in result.all_events:
        if event.is_step_materialization:
            mat = event.step_materialization_data.materialization
            meta = {k: _metadata_value(v) for k, v in mat.metadata.items()}
            rows = meta.get("dagster/row_count", meta.get("rows_indicator_values"))
            line = f"  ✓ {mat.asset_key.to_user_string()}"
            if rows is not None:
                line += f": {rows} rader"
            if meta.get("rows_quarantined"):
                line += f", {meta['rows_quarantined']} i karantän (se raw.quarantine)"
            print(line)
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if not evaluation.passed:
                print(f"  ✗ kontroll {evaluation.check_name} på {evaluation.asset_key.to_user_string()}:")
                print("    " + (evaluation.description or "").replace("\n", "\n    "))
    if result.success:
        print(f"Klart. Serveringsfilen: {settings.serving_path}")
        return True
    failed = [e for e in result.all_events if e.is_step_failure]
    print("Körningen misslyckades; den senaste godkända serveringsfilen ligger kvar.", file=sys.stderr)
    for event in failed:
        error = event.step_failure_data.error
        message = error.message.strip().splitlines()[-1] if error else "okänt fel"
        print(f"  steg {event.step_key}: {message}", file=sys.stderr)
    if not failed:
        print("  en blockerande kontroll stoppade körningen (se ovan)", file=sys.stderr)
    return False
