"""Every landing folder and the header signature of every kind: which folder a file belongs to.

The landing root holds the five local kinds' folders and the national files' folders, which other readers
take (sources/national: SIRIS exports, Skolenkäten reports; skolenheter/: the municipality's unit list), and
the board's goals (mal/, sources/landing/goals.py).
"""

from __future__ import annotations

from pathlib import Path

from sources.landing import attendance, goals
from sources.landing.attendance import SIGNATURE as ATTENDANCE_SIGNATURE
from sources.landing.door import IGNORED, display_name
from sources.landing.kinds import POLARS_KINDS
from sources.landing.outcomes import ROOT, FileStatus
from sources.landing.surveys import ANSWERS, QUESTIONS

KIND_SIGNATURES = [*POLARS_KINDS, ATTENDANCE_SIGNATURE, ANSWERS, QUESTIONS]
KIND_FOLDERS = tuple(dict.fromkeys(s.folder for s in KIND_SIGNATURES))
NATIONAL_FOLDERS = ("siris", "skolenkaten", "skolenheter")
KNOWN_FOLDERS = (*KIND_FOLDERS, goals.FOLDER, *NATIONAL_FOLDERS)
# The municipality's own folders, each read by its own assets (the landing sensors' folders): a run with
# news in these alone needs only their assets and what is downstream of them (skolanalys.preflight).
LOCAL_FOLDERS = (*KIND_FOLDERS, goals.FOLDER)
# The kinds loaded file by file through the ledger, whose rows carry pupil keys: raw table → landing folder.
LEDGER_TABLES = {**{f"raw.{k.table}": k.folder for k in POLARS_KINDS}, attendance.TABLE: attendance.FOLDER}
# Pupil-level tables a kind's loads write beside its raw table, which go with it (a new pseudonym key).
PUPIL_SIDE_TABLES = (attendance.PUPILS_TABLE,)


def root_statuses(root: Path) -> list[FileStatus]:
    """The landing root itself: files lying directly in it and unknown sub-folders are not read."""
    statuses = []
    for path in sorted(root.iterdir()) if root.is_dir() else []:
        name = display_name(path.name)
        if path.name.startswith("."):
            continue  # hidden (.DS_Store, editors' files): not the data engineer's concern
        if path.is_dir() and not path.is_symlink():
            if path.name not in KNOWN_FOLDERS:
                reason = f"okänd mapp: läses inte (landningsmappens mappar: {', '.join(KNOWN_FOLDERS)})"
                statuses.append(FileStatus(ROOT, f"{name}/", IGNORED, reason))
            continue
        reason = f"filer direkt i landningsmappen läses inte: lägg filen i sin mapp ({', '.join(KIND_FOLDERS)})"
        statuses.append(FileStatus(ROOT, name, IGNORED, reason))
    return statuses
