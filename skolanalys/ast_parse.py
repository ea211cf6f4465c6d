"""`ast.parse` for a process with threads. CPython 3.11 keeps the depth of the syntax tree it is turning into
Python objects in one counter for the whole interpreter: when a garbage collection inside one thread's parse lets
another thread run its own, the first fails with "SystemError: AST constructor recursion depth mismatch". A run's
steps are threads (pipelines/executor.py) and several read the project's sources (pipelines/folder_loads.py), so
one parse at a time in this process (tests/test_ast_parse.py makes the failure happen without the lock)."""

from __future__ import annotations

import ast
import threading

_LOCK = threading.Lock()


def parse(source: str) -> ast.Module:
    with _LOCK:
        return ast.parse(source)
