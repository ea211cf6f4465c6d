"""Readers of the municipality's own exports in the landing folder (shared contract per kind)."""
