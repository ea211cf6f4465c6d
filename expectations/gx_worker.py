"""Great Expectations in a process of its own, started ahead of its check.

GX costs ~2.5–3 s of CPU to import. Imported in a thread of the run's process it takes turns with the run's own
Python at the interpreter's lock (the survey load, 1.1 s alone, took 3.4 s beside it); in a process of its own
it runs on the core the run's steps leave idle. `start` launches the worker when the rows of a GX-validated
table are being loaded; the worker imports GX and waits. `ask` hands it the frame and the expectations (by
reference) and reads back GX's results as plain values (expectations/gx_part.py `gx_results`). The worker
serves one request; it ends when asked, or when its input closes (the run's process ended without asking).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Callable

from skolanalys import start_gc

TIMEOUT = 120  # seconds for the answer; a worker that takes longer is stopped and GX runs in the run's process

_STARTED: dict[str, subprocess.Popen] = {}


def start(name: str) -> None:
    """A worker for the GX part `name`, unless one waits already."""
    # Imported here, not at the top: the worker's process (`main`) turns its collector off before pydantic is imported.
    from skolanalys.settings import PSEUDONYM_KEY_ENV

    if name in _STARTED and _STARTED[name].poll() is None:
        return
    _STARTED[name] = subprocess.Popen(
        [sys.executable, "-m", "expectations.gx_worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        # The run's environment without the pseudonym key: the worker sees no pupil and needs no secret.
        env={k: v for k, v in os.environ.items() if k != PSEUDONYM_KEY_ENV},
    )


def ask(name: str, frame, expectations: Callable) -> list[dict] | None:
    """GX's results from the worker started for `name`, or None: none was started, or it failed."""
    worker = _STARTED.pop(name, None)
    if worker is None:
        return None
    try:
        out, _ = worker.communicate(pickle.dumps((frame, expectations)), timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
        return None
    # A worker that ended before reading (a failed import) closed its pipe: communicate ignores that, and its
    # status says it failed.
    if worker.returncode != 0 or not out:
        return None
    return pickle.loads(out)


def main() -> None:
    # The worker answers once and exits: the collector's passes over GX's import (~0.6 s of its ~3.6 s of CPU, on
    # a core the run's steps want) would free nothing it keeps.
    start_gc.off_for_the_command()
    reply = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever GX prints goes with its errors, not into the reply
    # The point of the worker: GX, and the suites whose expectations it will be handed, imported while the run works.
    import expectations.suites  # noqa: F401
    from expectations.gx_part import gx_environment, gx_results

    gx_environment()
    import great_expectations  # noqa: F401

    try:
        frame, expectations = pickle.load(sys.stdin.buffer)
    except EOFError:  # the run ended without asking
        return
    pickle.dump(gx_results(frame, expectations), reply)
    reply.close()
    os._exit(0)  # the answer is out: tearing down GX's ~2,000 modules would only delay the run (~1 s)


if __name__ == "__main__":
    main()
