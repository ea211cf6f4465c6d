"""The kvalitetsrapport drafted from the serving snapshot, as DOCX and PDF (docs/report.md)."""
