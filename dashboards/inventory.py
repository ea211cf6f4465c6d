"""What the snapshot holds, per source of data: the newest school year (and period or term) it serves, when a
file of its landing folder was last loaded, and how the national sources stand (when fetched, the date of
their data; in the demo and offline, which data are used). The Årshjul judges its follow-ups by it
(dashboards/arshjul.py); the Datakvalitet page shows it as "vad finns inne och vad saknas".

Rows come from data.py only; the texts are Swedish, times in Swedish time.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboards import arshjul, data

# The national sources of data_freshness as the förvaltning knows them.
NATIONAL_SOURCES = {
    "kolada": "Kolada: kommunens nyckeltal, riket och liknande kommuner",
    "kolada_groups": "Kolada: grupperna av liknande kommuner",
    "kolada_oudata": "Kolada: skolenheternas nyckeltal",
    "planned_educations": "Skolverket: statistik per skolenhet (Planned Educations)",
    "skolenhetsregistret": "Skolverket: skolenhetsregistret",
}
# The national files a data engineer puts in the landing folder: landing folder → (title, served table).
NATIONAL_FILES = {
    "siris": ("SIRIS-rapporter från Skolverket", "siris_unit_statistics"),
    "skolenkaten": ("Skolenkäten från Skolinspektionen", "skolenkaten_results"),
}
RUN_TIME_FOLDERS = ("enkater", "mal")  # read whole at every run, not file by file through the ledger


def _max_year(frame: pd.DataFrame, column: str = "year") -> int | None:
    years = frame[column].dropna() if not frame.empty and column in frame.columns else pd.Series(dtype=float)
    return int(years.max()) if len(years) else None


def _local_year(topic: str) -> int | None:
    """The newest year of the topic's own computations (the kommun's rows are there whenever any school's are)."""
    ids = tuple(data.indicators(topic)["indicator_id"])
    values = data.indicator_values(ids)
    return _max_year(values[values["source"] == "local"]) if len(values) else None


def _timestamp(value):
    return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()


def loaded_text(last, files: int, folders: tuple[str, ...]) -> str:
    """When a source's files were last loaded, in words. A folder read whole at every run whose files carry no
    load time (a snapshot from before the time was served): the time the snapshot was published."""
    if last is not None:
        return data.format_time(last)
    if not files:
        return "aldrig"
    if set(folders) <= set(RUN_TIME_FOLDERS):
        return f"vid varje körning, senast {data.format_time(data.snapshot_info().get('published_at'))}"
    return "tid okänd"


@dataclass(frozen=True)
class NationalState:
    """How a national source stands: the date of its newest data, its age, and in words where the data come
    from (fetched, demodata, offline, or a failed attempt)."""

    source: str
    title: str
    data_as_of: str | None  # 'YYYY-MM-DD'
    age_days: int | None
    fetched: object  # the last successful fetch (a time), or None
    text: str  # 'hämtad 2026-11-23 kl. 03:00, data per 2026-11-20' / 'demodata från 2024-12-12' / …
    failed: bool  # the last attempt failed for another reason than the chosen offline mode


def _offline(message) -> bool:
    return isinstance(message, str) and ("offline-läge" in message or "offline mode" in message)


def national_state(row: pd.Series, demo: bool) -> NationalState:
    """One row of data_freshness in words. Offline by choice (the demo, or SKOLANALYS_OFFLINE) is no error: the
    demo says 'demodata från <date of its data>', an offline installation which data it keeps."""
    source = str(row["source"])
    as_of = str(row["data_as_of"])[:10] if pd.notna(row.get("data_as_of")) else None
    age = int(row["data_age_days"]) if pd.notna(row.get("data_age_days")) else None
    fetched = row["last_successful_fetch"] if pd.notna(row.get("last_successful_fetch")) else None
    ok = pd.notna(row.get("last_attempt_ok")) and bool(row["last_attempt_ok"])
    offline = not ok and _offline(row.get("last_attempt_message"))
    if offline and demo:
        text = f"demodata från {as_of}" if as_of else "hämtas inte i demon (inga medföljande uppgifter)"
    elif offline:
        text = (
            f"offlineläge: senast hämtade uppgifter, data per {as_of}" if as_of else "offlineläge: har aldrig hämtats"
        )
    else:
        text = (f"hämtad {data.format_time(fetched)}" if fetched else "aldrig hämtad") + (
            f", data per {as_of}" if as_of else ""
        )
        if not ok:
            text += "; senaste försöket att hämta lyckades inte"
    return NationalState(
        source, NATIONAL_SOURCES.get(source, source), as_of, age, fetched, text, not ok and not offline
    )


def national_states() -> dict[str, NationalState]:
    """Every national source of the snapshot's data_freshness (none in a snapshot without the table)."""
    fresh = data.freshness() if data.table_exists("data_freshness") else pd.DataFrame()
    demo = data.is_demo()
    return {str(r["source"]): national_state(r, demo) for _, r in fresh.iterrows()}


def evidence() -> tuple[dict[str, arshjul.Evidence], dict[str, str]]:
    """What the served tables say about each source of the wheel, and when its data came (in words)."""
    folders = data.landing_folders()
    found: dict[str, arshjul.Evidence] = {}
    loaded: dict[str, str] = {}
    for key, source in arshjul.SOURCES.items():
        rows = folders[folders["folder"].isin(source.folders)] if not folders.empty else folders
        files = int(rows["files_loaded"].sum()) if len(rows) else 0
        last = _timestamp(rows["last_loaded_at"].dropna().max()) if len(rows) else None
        if source.folders:
            loaded[key] = loaded_text(last, files, source.folders)
        found[key] = arshjul.Evidence(loaded_at=last, files=files)

    attendance = data.attendance_periods()
    if not attendance.empty:
        periods = attendance[attendance["period"].isin([1, 2, 3])]
        if len(periods):
            year, period = max(zip(periods["year"].astype(int), periods["period"].astype(int), strict=True))
            found["franvaro"] = arshjul.Evidence(
                year, f"P{period}", found["franvaro"].loaded_at, found["franvaro"].files
            )
    for key, topic in (("slutbetyg", "betyg_ak9"), ("nationella_prov", "nationella_prov")):
        year = _local_year(topic)
        if year is not None:
            found[key] = arshjul.Evidence(year, "VT", found[key].loaded_at, found[key].files)
    term = data.indicators("betyg_termin")  # terminsbetyg HT and VT per årskurs, where the snapshot has them
    if len(term):
        values = data.indicator_values(tuple(term["indicator_id"]))
        values = values[values["source"] == "local"] if len(values) else values
        terms = values["indicator_id"].str.rsplit("_", n=1).str[-1] if len(values) else pd.Series(dtype=str)
        pairs = zip(values["year"], terms, strict=True)
        held = [(int(y), arshjul.PARTS[t][0], t) for y, t in pairs if t in ("HT", "VT")]
        if held:
            year, _, term_part = max(held)
            found["terminsbetyg"] = arshjul.Evidence(year, term_part, found["terminsbetyg"].loaded_at, 1)
    surveys = data.survey_years()
    year = _max_year(surveys) if not surveys.empty else _local_year("enkater")
    if year is not None:
        found["enkater"] = arshjul.Evidence(year, None, found["enkater"].loaded_at, found["enkater"].files)
    goals = data.goal_results()
    year = _max_year(goals[goals["value"].notna()]) if not goals.empty else None
    if year is not None:
        found["mal"] = arshjul.Evidence(year, None, found["mal"].loaded_at, found["mal"].files)

    bench = data.benchmarking() if data.table_exists("benchmarking") else pd.DataFrame()
    kolada = national_states().get("kolada")
    if kolada is not None:
        loaded["kolada"] = kolada.text
    year = _max_year(bench[bench["value"].notna()]) if not bench.empty else None
    if year is not None:
        found["kolada"] = arshjul.Evidence(year, None, kolada.fetched if kolada else None)
    return found, loaded


@dataclass(frozen=True)
class Holding:
    """One source as the Datakvalitet page lists it."""

    title: str
    origin: str  # '`franvaro/`', 'Kolada (nationell källa)'
    latest: str  # the newest data, in words ('' when none)
    loaded: str  # when it came, in words
    status: str  # 'inne' or 'saknas'


def holdings(everything: bool = True) -> list[Holding]:
    """Every source of the wheel — the landing folders' kinds and Kolada — with the newest data it serves and
    when it came: what is in and what is missing; `everything` adds the national files (SIRIS, Skolenkäten)
    and the other national sources."""
    found, loaded = evidence()
    states = national_states()
    rows = []
    for key, source in arshjul.SOURCES.items():
        held = found.get(key, arshjul.Evidence())
        latest = arshjul.key_text(source, held.latest_year, held.latest_part) if held.latest_year else ""
        if source.national:
            state = states.get(source.national)
            status = "inne" if held.latest_year or (state and state.data_as_of) else "saknas"
            text = state.text if state else "aldrig hämtad"
            rows.append(Holding(source.title, source.origin, latest, text, status))
            continue
        if not latest and held.files:
            # Judged by when its files came (teachers' assessments: served per cohort that has left åk 9).
            latest = f"{data.format_count(held.files)} {'fil inläst' if held.files == 1 else 'filer inlästa'}"
        status = "inne" if held.latest_year or held.files else "saknas"
        rows.append(Holding(source.title, source.origin, latest, loaded.get(key, "aldrig"), status))
    if not everything:
        return rows
    for folder, (title, table) in NATIONAL_FILES.items():
        served = data.served_years(table)
        if not served:
            latest = ""
        elif table == "skolenkaten_results":
            latest = f"år {max(served)}"
        else:
            latest = f"läsår {arshjul.school_year_text(max(served))}"
        loaded_words = "läses in vid varje körning" if served else "ingen fil"
        rows.append(Holding(title, f"`{folder}/`", latest, loaded_words, "inne" if served else "saknas"))
    wheel = {s.national for s in arshjul.SOURCES.values() if s.national}
    for state in (s for key, s in states.items() if key not in wheel):
        latest = f"data per {state.data_as_of}" if state.data_as_of else ""
        if state.age_days is not None:
            latest += f" ({state.age_days} dagar gamla)"
        status = "inne" if state.data_as_of else "saknas"
        rows.append(Holding(state.title, "nationell källa", latest, state.text, status))
    return rows
