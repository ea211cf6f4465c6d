"""The tests' own läsår of a lesson (1 July–30 June), named by its autumn's year: written independently of the
project's (dbt's stg_raw__attendance derives it from the spring term's year)."""

LESSON_SCHOOL_YEAR = (
    "printf('%d/%02d', year(lesson_date) - (month(lesson_date) < 7)::int,"
    " (year(lesson_date) + 1 - (month(lesson_date) < 7)::int) % 100)"
)
