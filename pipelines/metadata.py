"""Metadata keys the assets report and the run's progress display and the serving snapshot read (no imports:
the CLI reads them before anything heavy is loaded)."""

# An asset a run reports without rebuilding it: current as it is.
UNCHANGED = "oförändrad"
