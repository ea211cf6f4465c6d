"""One `ast.parse` at a time in a process with threads (skolanalys/ast_parse.py). Four threads parse the project's
sources while their garbage collections run finalizers, as a run's steps do: CPython 3.11 then fails a bare
`ast.parse` with "AST constructor recursion depth mismatch" within half a second here (a failing run's
`siris__unit_statistics` step, 2026-12-06); through the helper, never."""

from __future__ import annotations

import ast
import gc
import sys
import threading
import time
from pathlib import Path

import pytest

from skolanalys import ast_parse

REPO = Path(__file__).resolve().parent.parent
SOURCES = [p.read_text(encoding="utf-8") for folder in ("pipelines", "sources") for p in (REPO / folder).rglob("*.py")]


class _Finalised:
    """Cyclic garbage with a finalizer: a collection inside a parse runs Python code, and another thread may run."""

    def __del__(self):
        sum(range(50))


def _errors_when_parsing_with(parse, seconds: float) -> list[str]:
    errors: list[str] = []

    def work() -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end and not errors:
            for source in SOURCES:
                a, b = _Finalised(), _Finalised()
                a.other, b.other = b, a
                try:
                    parse(source)
                except SystemError as exc:
                    errors.append(str(exc))
                    return

    switch, threshold = sys.getswitchinterval(), gc.get_threshold()
    sys.setswitchinterval(1e-6)
    gc.set_threshold(50, 2, 2)
    try:
        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(switch)
        gc.set_threshold(*threshold)
    return errors


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="CPython 3.12 keeps the depth per parse")
def test_a_bare_parse_in_threads_fails_so_the_hazard_is_real():
    errors = _errors_when_parsing_with(ast.parse, seconds=6.0)
    assert errors and "recursion depth mismatch" in errors[0]


def test_the_helper_parses_one_at_a_time_and_never_fails():
    assert _errors_when_parsing_with(ast_parse.parse, seconds=1.0) == []
