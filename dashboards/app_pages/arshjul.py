"""Årshjul — årets uppföljningar i det systematiska kvalitetsarbetet månad för månad: vad varje uppföljning
behöver för uppgifter, var de kommer ifrån, om de finns inne (inne / gammal / saknas), när de lästes in och
vilken sida som visar dem. Hjulet och reglerna står i dashboards/arshjul.py; uppgifterna kommer från data.py."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import arshjul, data

# Status → (badge colour, icon, symbol): word + symbol + colour, readable without colour.
STATUS_LOOK = {
    "inne": ("green", ":material/check_circle:", "✔"),
    "gammal": ("orange", ":material/history:", "◐"),
    "saknas": ("red", ":material/cancel:", "✖"),
}

st.title("Årshjul")
st.caption(
    "Årets uppföljningar i det systematiska kvalitetsarbetet, månad för månad med läsårets början först: vilka "
    "uppgifter varje uppföljning behöver, var de kommer ifrån, om de finns inne och vilken sida som visar dem. "
    "Statusen gäller uppföljningens senaste tillfälle — den här månaden eller tidigare."
)

if not data.snapshot_available():
    st.warning("Ingen publicerad data ännu. Kör `skolanalys run` för att bygga serveringsfilen.")
    st.stop()


def _max_year(frame: pd.DataFrame, column: str = "year") -> int | None:
    years = frame[column].dropna() if not frame.empty and column in frame.columns else pd.Series(dtype=float)
    return int(years.max()) if len(years) else None


def _local_year(topic: str) -> int | None:
    """The newest year of the topic's own computations (the kommun's rows are there whenever any school's are)."""
    ids = tuple(data.indicators(topic)["indicator_id"])
    values = data.indicator_values(ids)
    return _max_year(values[values["source"] == "local"]) if len(values) else None


def evidence() -> tuple[dict[str, arshjul.Evidence], dict[str, str]]:
    """What the served tables say about each source of the wheel, and when its data came (in words)."""
    folders = data.landing_folders()
    found: dict[str, arshjul.Evidence] = {}
    loaded: dict[str, str] = {}
    for key, source in arshjul.SOURCES.items():
        rows = folders[folders["folder"].isin(source.folders)] if not folders.empty else folders
        files = int(rows["files_loaded"].sum()) if len(rows) else 0
        last = rows["last_loaded_at"].dropna().max() if len(rows) else None
        last = None if last is None or pd.isna(last) else pd.Timestamp(last).to_pydatetime()
        if source.folders:
            loaded[key] = data.format_time(last) if last else ("tid okänd" if files else "aldrig")
        found[key] = arshjul.Evidence(loaded_at=last, files=files)

    attendance = data.attendance_periods()
    if not attendance.empty:
        periods = attendance[attendance["period"].isin([1, 2, 3])]
        if len(periods):
            year, period = max(zip(periods["year"].astype(int), periods["period"].astype(int), strict=True))
            found["franvaro"] = arshjul.Evidence(year, f"P{period}", found["franvaro"].loaded_at)
    for key, topic in (("slutbetyg", "betyg_ak9"), ("nationella_prov", "nationella_prov")):
        year = _local_year(topic)
        if year is not None:
            found[key] = arshjul.Evidence(year, "VT", found[key].loaded_at)
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
        found["enkater"] = arshjul.Evidence(year, None, found["enkater"].loaded_at)
    goals = data.goal_results()
    year = _max_year(goals[goals["value"].notna()]) if not goals.empty else None
    if year is not None:
        found["mal"] = arshjul.Evidence(year, None, found["mal"].loaded_at)

    bench = data.benchmarking() if data.table_exists("benchmarking") else pd.DataFrame()
    fresh = data.freshness() if data.table_exists("data_freshness") else pd.DataFrame()
    kolada = fresh[fresh["source"] == "kolada"] if not fresh.empty else fresh
    fetched = None
    if len(kolada):
        row = kolada.iloc[0]
        fetched = row["last_successful_fetch"] if pd.notna(row["last_successful_fetch"]) else None
        as_of = f", data per {str(row['data_as_of'])[:10]}" if pd.notna(row["data_as_of"]) else ""
        worked = pd.notna(row["last_attempt_ok"]) and bool(row["last_attempt_ok"])
        failed = "" if worked else "; senaste försöket att hämta lyckades inte"
        loaded["kolada"] = (f"hämtad {data.format_time(fetched)}" if fetched else "aldrig hämtad") + as_of + failed
    year = _max_year(bench[bench["value"].notna()]) if not bench.empty else None
    if year is not None:
        found["kolada"] = arshjul.Evidence(year, None, fetched)
    return found, loaded


day = arshjul.today()
found, loaded = evidence()
rows = arshjul.evaluate(day, found, loaded)

counts = pd.Series([r.status for r in rows]).value_counts()
for column, (word, (_, _, symbol)) in zip(st.columns(3), STATUS_LOOK.items(), strict=True):
    column.metric(f"{symbol} {word}", int(counts.get(word, 0)))
st.caption(
    f"Läget {arshjul.swedish_date(day)}. {data.published_text()}. **inne**: uppgifterna som uppföljningen behöver "
    "finns publicerade; **gammal**: bara äldre uppgifter finns (ett tidigare läsår eller en tidigare period); "
    "**saknas**: inga uppgifter alls. Underlaget kommer från en mapp i landningsmappen (till exempel `franvaro/`) "
    "eller från en nationell källa; inläst = när en fil i mappen senast lästes in."
)

now = [r for r in rows if r.month == day.month]
if now:
    st.markdown(
        f"**Den här månaden ({arshjul.month_name(day.month)}):** "
        + " · ".join(f"{r.follow_up.title} — {STATUS_LOOK[r.status][2]} {r.status}" for r in now)
    )
if data.can_see_data_quality():
    st.page_link(
        "app_pages/datakvalitet.py",
        label="Landningsmappens filer och deras utfall – se Datakvalitet",
        icon=":material/fact_check:",
    )


def need_line(state: arshjul.NeedState) -> str:
    """One need as a list item: status, source and origin; what is needed, what is in, when it came."""
    symbol = STATUS_LOOK[state.status][2]
    facts = [f"behövs: {state.asked}"]
    if state.latest:
        facts.append(f"senast inne: {state.latest}")
    facts.append(f"inläst: {state.loaded}")
    return f"- {symbol} {state.status} · **{state.source.title}** · {state.source.origin}  \n  " + " · ".join(facts)


empty_months = []
for month in arshjul.SCHOOL_YEAR_ORDER:
    items = [r for r in rows if r.month == month]
    if not items:
        empty_months.append(arshjul.month_name(month))
        continue
    with st.container(border=True):
        title = arshjul.month_name(month).capitalize()
        st.markdown(f"#### {title}" + (" · den här månaden" if month == day.month else ""))
        for item in items:
            left, middle, links = st.columns([2.4, 5.3, 2.3])
            left.markdown(f"**{item.follow_up.title}**")
            colour, icon, _ = STATUS_LOOK[item.status]
            left.badge(item.status, icon=icon, color=colour)
            left.caption(f"Senaste tillfälle: {arshjul.month_name(month)} {item.day.year}. {item.follow_up.what}")
            middle.markdown("\n".join(need_line(s) for s in item.needs))
            for page, page_title in item.follow_up.pages:
                links.page_link(page, label=f"Se {page_title}", icon=":material/arrow_forward:")
if empty_months:
    st.caption(f"Inga uppföljningar i årshjulet i {' och '.join(empty_months)}.")

with st.expander("Så bedöms uppgifterna"):
    st.markdown(
        "- **Läsår**: juli–juni, skrivet 2025/26. En uppföljning i december 2025 gäller läsåret 2025/26, en i "
        "mars 2026 också.\n"
        "- **Publicerade uppgifter** (frånvaro, slutbetyg, nationella prov, enkäter, målen, Kolada): det senaste "
        "läsåret (och för frånvaron perioden) som serveringsfilen innehåller jämförs med det uppföljningen "
        "behöver. Frånvarons period 1 är juli–december, period 2 januari–mars, period 3 april–juni; en period "
        "som pågår visar lektionerna hittills.\n"
        "- **Lärarnas bedömningar och höstterminens betyg** visas bara för årskullar som gått ut årskurs 9. De "
        "bedöms därför efter när en fil i landningsmappen senast lästes in: inne när en fil lästs in från den "
        "1:a i månaden då uppgifterna tas fram (oktober, mars; december för terminsbetygen).\n"
        "- **Inläst**: när en fil i landningsmappen senast lästes in (svensk tid); för Kolada när uppgifterna "
        "senast hämtades och vilket datum de gäller.\n"
        "- Hjulet — månader, uppgifter och sidor — står i `dashboards/arshjul.py` och ändras där."
    )
