"""Exports of the serving snapshot: xlsx, csv and parquet, each archived as published (docs/exports.md)."""
