"""One BLAS thread while the models are fitted.

The matrices are small (a cohort's pupils × about 25 columns), and OpenBLAS's worker threads on a busy
machine cost far more than they save: the whole estimation of `mellanstor` took 0.7 s with one thread and
5–7 s with two on the project's 2-core machines under load (measured 2026-12-01, load average 4.5).
OPENBLAS_NUM_THREADS is read only when the library is loaded, which in the dbt process has happened before
the Python model runs, so the OpenBLAS libraries already loaded (numpy's and scipy's) are told directly,
through their set/get_num_threads functions, and restored afterwards. Where none can be found (another
BLAS, another platform) nothing changes.
"""

from __future__ import annotations

import contextlib
import ctypes
from collections.abc import Iterator
from pathlib import Path

# (get, set) function names as OpenBLAS builds name them: numpy's 64-bit-integer scipy-openblas, scipy's,
# and a plain OpenBLAS.
_FUNCTIONS = (
    ("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
    ("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads"),
    ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
    ("openblas_get_num_threads", "openblas_set_num_threads"),
)


def _loaded_openblas() -> list[tuple[ctypes._CFuncPtr, ctypes._CFuncPtr]]:
    maps = Path("/proc/self/maps")
    if not maps.exists():
        return []
    paths = sorted({line.split()[-1] for line in maps.read_text().splitlines() if "openblas" in line.lower()})
    found = []
    for path in paths:
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for get_name, set_name in _FUNCTIONS:
            getter, setter = getattr(library, get_name, None), getattr(library, set_name, None)
            if getter is not None and setter is not None:
                found.append((getter, setter))
                break
    return found


@contextlib.contextmanager
def single_threaded() -> Iterator[None]:
    libraries = _loaded_openblas()
    before = [getter() for getter, _ in libraries]
    for _, setter in libraries:
        setter(1)
    try:
        yield
    finally:
        for (_, setter), threads in zip(libraries, before, strict=True):
            setter(threads)
