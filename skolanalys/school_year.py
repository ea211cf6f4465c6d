"""The school year (läsår) as text, from the calendar year in which it ends (domain.md: läsår 2024/25 → 2025).
The one Python spelling; dbt's is the macro school_year_label (dbt/macros/school_year.sql)."""


def school_year_text(end_year: int) -> str:
    """The läsår ending in calendar year `end_year`: 2025 → '2024/25'."""
    end_year = int(end_year)
    return f"{end_year - 1}/{end_year % 100:02d}"
