"""Årshjul — årets uppföljningar i det systematiska kvalitetsarbetet månad för månad: vad varje uppföljning
behöver för uppgifter, var de kommer ifrån, om de finns inne (inne / gammal / saknas), när de lästes in och
vilken sida som visar dem. Hjulet och reglerna står i dashboards/arshjul.py; uppgifterna kommer från data.py."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import arshjul, data, inventory, pages, presentation

STATUS_LOOK = presentation.HOLDING_STATUS
keep_together = presentation.keep_together

st.title(pages.ARSHJUL.title)
st.caption(
    "Årets uppföljningar i det systematiska kvalitetsarbetet, månad för månad med läsårets början först: vilka "
    "uppgifter varje uppföljning behöver, var de kommer ifrån, om de finns inne och vilken sida som visar dem. "
    "Statusen gäller uppföljningens senaste tillfälle — den här månaden eller tidigare."
)

data.require_snapshot()


day = arshjul.today()
found, loaded = inventory.evidence()
rows = arshjul.evaluate(day, found, loaded)

counts = pd.Series([r.status for r in rows]).value_counts()
for column, (word, (_, _, symbol)) in zip(st.columns(3), STATUS_LOOK.items(), strict=True):
    column.metric(f"{symbol} {word}", int(counts.get(word, 0)))
st.caption(
    f"Läget {arshjul.swedish_date(day)}. {data.published_text()}. **inne**: uppgifterna som uppföljningen behöver "
    "finns publicerade; **gammal**: bara äldre uppgifter finns (ett tidigare läsår eller en tidigare period); "
    "**saknas**: inga uppgifter alls. Underlaget kommer från en mapp i landningsmappen (till exempel `franvaro/`) "
    "eller från en nationell källa; inläst = när en fil i mappen senast lästes in, för Kolada när uppgifterna "
    "hämtades."
)

now = [r for r in rows if r.month == day.month]
if now:
    st.markdown(
        f"**Den här månaden ({arshjul.month_name(day.month)}):** "
        + " · ".join(f"{r.follow_up.title} — {STATUS_LOOK[r.status][2]} {r.status}" for r in now)
    )
if data.can_see_data_quality():
    st.page_link(
        pages.DATAKVALITET.path,
        label=pages.DATAKVALITET.link_label("Landningsmappens filer, karantänen och avstämningen"),
        icon=pages.DATAKVALITET.icon,
    )

st.subheader("Vad finns inne och vad saknas")
held = inventory.holdings(everything=False)
st.table(presentation.holdings_table(held, "Senast inne", "Inläst"))
missing = [h.title for h in held if h.status == "saknas"]
st.caption(
    ("Saknas helt: " + ", ".join(missing) + ". " if missing else "Alla källor i årshjulet har uppgifter inne. ")
    + "Om de är nya nog för varje uppföljning står under månaderna nedan. "
    + "Senast inne = det nyaste läsåret (och perioden eller terminen) som serveringsfilen innehåller."
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
            for page in item.follow_up.pages:
                links.page_link(page.path, label=page.link_label(), icon=":material/arrow_forward:")
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
        "senast hämtades och vilket datum de gäller (demon hämtar inget: där står *demodata från* datumet för de "
        "uppgifter som följer med Skolanalys). Enkäterna och målen läses in hela vid varje körning.\n"
        "- Hjulet — månader, uppgifter och sidor — står i `dashboards/arshjul.py` och ändras där."
    )
