"""The kvalitetsrapport assembled from the serving snapshot (docs/report.md): a part for the kommun (the
huvudman), then one part per school with the same tables and charts — or one school's part alone — each
ordered by the four questions of the systematic quality work: Var är vi? Vart ska vi? Hur gör vi? Hur blev det?

Every figure is a served, disclosure-controlled cell of the snapshot, formatted by the dashboard's rules
(report/rules.py): a hidden cell is '..', a missing one '.', both explained under the table that shows them.
Nothing is computed from hidden cells; the only arithmetic is a share of two served counts (as the Skolor page
does) and differences of shown values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from skolanalys.disclosure import thresholds
from skolanalys.exports.snapshot import SnapshotFrames as Snapshot
from skolanalys.exports.snapshot import read_frames
from skolanalys.report import charts, rules
from skolanalys.report.model import (
    Block,
    BulletList,
    Contents,
    Figure,
    Heading,
    PageBreak,
    Paragraph,
    Placeholder,
    Report,
    Table,
)
from skolanalys.school_year import school_year_text
from skolanalys.value_added_stages import stages

YEARS_SHOWN = 5  # the five-year series of published kvalitetsrapporter
SOURCE_ORDER = {"local": 0, "skolverket": 1, "kolada": 2}  # the own computation first, as the dashboard does

# Served table → the query the report runs (pipelines/serving_tables.py::SERVED_TABLES says what they hold).
QUERIES = {
    "indicators": "select * from indicators order by sort_order, indicator_id",
    "indicator_values": "select * from indicator_values order by indicator_id, level, unit_code, year, gender",
    "benchmarking": "select * from benchmarking order by kpi_position, kpi_id, year, gender",
    "data_freshness": "select * from data_freshness order by source",
    # when each landing folder was last loaded: the data date of the municipality's own figures
    "data_quality_files": "select folder, max(loaded_at) as last_loaded_at from data_quality_files group by folder"
    " order by folder",
    "goal_status": "select * from goal_status order by goal_sort_order, goal_id, year",
    "goal_results": "select * from goal_results order by goal_sort_order, goal_id, measure_no, level, unit_name,"
    " unit_code, gender, year",
    "goal_actions": "select * from goal_actions order by goal_sort_order, goal_id, action_no",
    "attendance_by_period": "select * from attendance_by_period order by level, unit_code, year, period, gender",
    "equity_gaps": "select * from equity_gaps order by level, unit_code, year, outcome, dimension",
    "salsa_comparison": "select * from salsa_comparison order by unit_code, year, outcome, source",
    "similar_units": "select * from similar_units order by unit_code, rank",
    "value_added": "select * from value_added where model = 'contextual' and gender = 'T'"
    " order by stage, outcome, level, unit_code, cohort nulls first",
    "value_added_population": "select * from value_added_population where gender = 'T'"
    " order by stage, level, unit_code, cohort",
}


def read_snapshot(path) -> Snapshot:
    """Every table the report needs from the snapshot at `path`, read at once in one read-only opening
    (skolanalys/exports/snapshot.py, the exports' reader); FileNotFoundError when there is none."""
    return read_frames(path, QUERIES)


# Indicators per stage (ids of the catalogue, `indicators`)
AK9_GRADES = ("N15505", "N15419", "N15436", "N15433", "N15434", "N15435")
AK9_CHARTS = ("N15505", "N15419")
AK9_GENDER = ("N15505", "N15419", "N15436")
AK9_TESTS = tuple(f"SKA_NP_AK9_{s}" for s in ("SV", "SVA", "EN", "MA", "BI", "FY", "KE", "GE", "HI", "RE", "SH"))
TERM_GRADES_7_9 = ("SKA_TB_AK7_HT", "SKA_TB_AK7_VT", "SKA_TB_AK8_HT", "SKA_TB_AK8_VT", "SKA_TB_AK9_HT")
AK6_TESTS = ("SKA_NP_AK6_SV", "SKA_NP_AK6_SVA", "SKA_NP_AK6_EN", "SKA_NP_AK6_MA")
AK6_GRADES = ("SKA_TB_AK6_HT", "SKA_TB_AK6_VT")
AK6_CHART = "SKA_TB_AK6_VT"
AK6_KOLADA = ("N15488", "N15482", "N15485")
AK3_KOLADA = ("N15452", "N15454")
SURVEYS = (
    "SKA_ENK_ELEV_TRYGGHET",
    "SKA_ENK_ELEV_STUDIERO",
    "SKA_ENK_ELEV_TRIVSEL",
    "SKA_ENK_ELEV_DELAKTIGHET",
    "SKA_ENK_ELEV_TRYGGHET_INDEX",
    "SKA_ENK_ELEV_STUDIERO_INDEX",
    "SKA_ENK_ELEV_TRIVSEL_INDEX",
    "SKA_ENK_ELEV_DELAKTIGHET_INDEX",
    "SKA_ENK_VH_TRYGGHET",
    "SKA_ENK_VH_STUDIERO",
    "SKA_ENK_VH_TRIVSEL",
    "SKA_ENK_VH_DELAKTIGHET",
)
SURVEY_CHART = ("SKA_ENK_ELEV_TRYGGHET", "SKA_ENK_ELEV_STUDIERO", "SKA_ENK_ELEV_TRIVSEL", "SKA_ENK_ELEV_DELAKTIGHET")
COMPARISON = (  # the kommun part's table of every school
    ("N15505", "Meritvärde åk 9"),
    ("N15419", "Lägst E alla ämnen åk 9"),
    ("N15436", "Behöriga yrkes\u00adprogram"),
    ("SKA_TB_AK6_VT", "Lägst E alla ämnen åk 6 VT"),
    ("SKA_ENK_ELEV_TRYGGHET", "Trygghet, elever"),
    ("SKA_FRV_TOTAL", "Frånvaro"),
    ("SKA_FRV_OVER15", "Över 15 % frånvaro"),
)
ATTENDANCE = (
    ("absence_pct", "Frånvaro totalt"),
    ("valid_absence_pct", "Giltig"),
    ("invalid_absence_pct", "Ogiltig"),
    ("above_15_pct", "Elever över 15 %"),
    ("above_50_pct", "Elever över 50 %"),
    ("reporting_rate_pct", "Rapporterings\u00adgrad"),
)
OUTCOMES = {  # equity_gaps / value_added / salsa outcome → (title, unit of the dashboard's format)
    "meritvarde": ("Meritvärde", "poäng"),
    "alla_amnen": ("Alla ämnen godkända", "procent"),
    "behorighet_yrkes": ("Behörig till yrkesprogram", "procent"),
}
# The report takes the stages in the order of the school years (3 → 6 before 6 → 9).
STAGES_VA = {s.name: s.label for s in sorted(stages(), key=lambda s: s.prior_grade)}

# Status → symbol and cell colour, as on the Översikt page (dashboards/presentation.py::GOAL_STATUS and
# ACTION_STATUS): word + symbol + colour, readable without colour.
GOAL_STATUS = {word: (symbol, tint) for word, (_, _, symbol, tint) in rules.GOAL_STATUS.items()}
ACTION_STATUS = rules.ACTION_STATUS
GENDER_NOTE = {"K": "flickor", "M": "pojkar"}

# Landing folders (data_quality_files.folder) → what the municipality's own data are called in a source line.
FOLDERS = {
    "betyg": "betyg",
    "nationella_prov": "nationella prov",
    "franvaro": "frånvaro",
    "enkater": "enkäter",
    "elever": "elevuppgifter",
    "bedomningar": "bedömningar",
    "mal": "nämndens mål",
}
TOPIC_FOLDER = {
    "betyg_ak9": "betyg",
    "betyg_termin": "betyg",
    "nationella_prov": "nationella_prov",
    "franvaro": "franvaro",
    "enkater": "enkater",
}
YEAR_TEXT = "År = kalenderåret då läsåret slutar (läsåret 2025/26 är 2026)."
ANALYSIS_PROMPT = (
    "Fylls i av {who}: Vad visar resultaten? Hur skiljer de sig mellan flickor och pojkar, mellan åren och mot "
    "jämförelserna? Vilka orsaker ser ni, och vad behöver utvecklas?"
)


@dataclass(frozen=True)
class Unit:
    level: str  # kommun | skolenhet
    code: str
    name: str

    @property
    def label(self) -> str:
        """The unit as a chart's legend and a caption name it."""
        return f"{self.name} (kommunen)" if self.level == "kommun" else self.name

    @property
    def who(self) -> str:
        return "förvaltningen" if self.level == "kommun" else "skolan"


class ReportError(ValueError):
    """A choice the snapshot cannot answer (unknown school, a year without data): the message says which."""


def schools(snapshot: Snapshot) -> list[Unit]:
    """The school units with served values, by name: the parts of the huvudman's report."""
    values = snapshot.table("indicator_values")
    if values.empty:
        return []
    rows = values[values["level"] == "skolenhet"].sort_values("year", ascending=False)
    rows = rows.assign(unit_code=rows["unit_code"].astype(str)).drop_duplicates("unit_code")
    units = [Unit("skolenhet", r.unit_code, str(r.unit_name)) for r in rows.itertuples()]
    return sorted(units, key=lambda u: (u.name, u.code))


def kommun_unit(snapshot: Snapshot) -> Unit:
    """The huvudman: the snapshot's kommun (snapshot_info.kommunkod), named as indicator_values names it."""
    kommunkod = str(snapshot.info.get("kommunkod") or "")
    values = snapshot.table("indicator_values")
    name = ""
    if not values.empty:
        rows = values[(values["level"] == "kommun") & (values["unit_code"].astype(str) == kommunkod)]
        rows = rows.sort_values("source", key=lambda s: s.map(SOURCE_ORDER).fillna(9), kind="stable")
        name = str(rows["unit_name"].iloc[0]) if len(rows) else ""
    return Unit("kommun", kommunkod, name or f"kommun {kommunkod}")


def local_years(snapshot: Snapshot) -> list[int]:
    """The years with the municipality's own figures: the years a report can be drafted for."""
    values = snapshot.table("indicator_values")
    if values.empty:
        return []
    return sorted({int(y) for y in values.loc[values["source"] == "local", "year"].dropna()})


def find_school(snapshot: Snapshot, wanted: str) -> Unit:
    """The school unit by its code or its name (any case); ReportError naming the choices otherwise."""
    units = schools(snapshot)
    for unit in units:
        if wanted.strip() == unit.code or wanted.strip().casefold() == unit.name.casefold():
            return unit
    choices = ", ".join(f"{u.code} {u.name}" for u in units)
    raise ReportError(f"skolenheten {wanted!r} finns inte i serveringsfilen; välj en av: {choices}")


def build(snapshot: Snapshot, year: int, school: Unit | None = None) -> Report:
    """The report for `year`: the huvudman's (kommun part, then every school) or, with `school`, that school's."""
    years = local_years(snapshot)
    if not years:
        raise ReportError("serveringsfilen innehåller inga av kommunens egna uppgifter att skriva en rapport om")
    if year not in years:
        raise ReportError(f"året {year} finns inte i serveringsfilen; välj ett år mellan {years[0]} och {years[-1]}")
    return _Builder(snapshot, year).report(school)


class _Builder:
    def __init__(self, snapshot: Snapshot, year: int):
        self.snap = snapshot
        self.year = year
        self.years = list(range(year - YEARS_SHOWN + 1, year + 1))
        catalogue = snapshot.table("indicators")
        self.catalogue = catalogue.set_index("indicator_id")
        self.short = rules.short_titles(catalogue)
        values = snapshot.table("indicator_values").copy()
        values["unit_code"] = values["unit_code"].astype(str)
        values["status"] = values["status"].fillna("")
        self.values = values
        # Each series (indicator, level, unit, gender) once, the own computation before a published figure for
        # the same year: looked up by key, not filtered out of the whole table for every cell.
        keys = ["indicator_id", "level", "unit_code", "gender"]
        ranked = values.assign(_order=values["source"].map(SOURCE_ORDER).fillna(9))
        ranked = ranked.sort_values("_order", kind="stable").drop_duplicates([*keys, "year"]).drop(columns="_order")
        # The rows of each series by position; a series' frame is made when the report first asks for it (the
        # report shows a few hundred of the thousands there are).
        self.ranked = ranked
        self.positions = ranked.groupby(keys, sort=False, dropna=False).indices
        self.series: dict[tuple, pd.DataFrame] = {}
        self.no_rows = values.iloc[0:0].set_index("year")
        self.kolada_cache: dict[tuple[str, str, str], pd.Series] = {}
        bench = snapshot.table("benchmarking")
        kommunkod = str(snapshot.info.get("kommunkod") or "")
        if not bench.empty:
            bench = bench[bench["municipality_code"].astype(str) == kommunkod]
        self.bench = bench
        self.kommun = kommun_unit(snapshot)
        # The report's läsår from the own figures: a Kolada KPI's year can stand for another (sources/kolada_kpis.yaml
        # `period`: teachers are counted the autumn after, costs by calendar year).
        school_year = values.loc[(values["year"] == year) & (values["source"] == "local"), "school_year"].dropna()
        self.school_year = str(school_year.iloc[0]) if len(school_year) else school_year_text(year)
        self.goal_rows: dict[tuple[str, str, int], pd.DataFrame] = {}
        self.goal_statuses: dict[tuple, pd.DataFrame] | None = None
        self.no_goal_status = pd.DataFrame()
        self.used: set[str] = set()  # indicators shown: their definitions go in the appendix
        self.blocks: list[Block] = []

    # --- the report -----------------------------------------------------------------------------------------

    def report(self, school: Unit | None) -> Report:
        published = rules.format_time(self.snap.info.get("published_at"))
        run_id = str(self.snap.info.get("run_id") or "okänd")
        if school is None:
            subtitle = f"Grundskolan i {self.kommun.name} kommun – huvudmannens rapport (utkast)"
        else:
            subtitle = f"{school.name}, {self.kommun.name} kommun – skolenhetens rapport (utkast)"
        meta = (
            f"Läsåret {self.school_year}. {YEAR_TEXT}",
            f"Underlag: serveringsfilen publicerad {published} (körning {run_id}, kommunkod {self.kommun.code}).",
            "Ett utkast ur Skolanalys: siffrorna är röjandekontrollerade som i instrumentpanelen. Rutorna märkta "
            "”Analys” och ”Fylls i” skriver skolan eller förvaltningen.",
        )
        self.add(Contents(), PageBreak())
        self._reading_guide(school)
        if school is None:
            self._part(self.kommun)
            for unit in schools(self.snap):
                self._part(unit)
        else:
            self._part(school)
        self._appendix()
        return Report(
            title=f"Kvalitetsrapport {self.year}",
            subtitle=subtitle,
            meta=meta,
            blocks=tuple(self.blocks),
            date=self.snap.published_at,
            keywords=("kvalitetsrapport", "systematiskt kvalitetsarbete", str(self.year)),
        )

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)

    def text(self, text: str, style: str = "body") -> None:
        self.add(Paragraph.of(text, style))

    def _reading_guide(self, school: Unit | None) -> None:
        self.add(Heading("Om rapporten", 1))
        whose = (
            "huvudmannens: först kommunen som helhet, sedan en del för varje skolenhet med samma tabeller och diagram"
            if school is None
            else f"skolenhetens {school.name}, med kommunen och riket som jämförelse"
        )
        self.text(
            f"Rapporten är ett utkast till kvalitetsrapporten {self.year} ({whose}). Varje del följer det "
            "systematiska kvalitetsarbetets fyra frågor: Var är vi? (resultat, trender, jämförelser, skillnader, "
            "frånvaro, enkäter och förädlingsvärde), Vart ska vi? (nämndens mål, deras status och "
            "utvecklingsområden), Hur gör vi? (aktiviteterna och deras status) och Hur blev det? (förra årets "
            "förbättringsområden, hur arbetet gick och årets resultat).",
            "lead",
        )
        self.text(
            "Resultaten visas per stadium (årskurs 3, 6 och 9) för de senaste fem åren, för flickor och pojkar och "
            "med riket och liknande kommuner bredvid där Kolada har samma nyckeltal. Efter varje avsnitt finns en "
            "markerad ruta för analys som skolan eller förvaltningen fyller i."
        )
        self.text(
            f"Så läses tabellerna: {YEAR_TEXT} {rules.SUPPRESSED_TEXT} {rules.MISSING_TEXT} Under varje tabell "
            "och diagram står källan och hur färska uppgifterna är; alla källor och definitioner finns sist i "
            "rapporten (Om underlaget)."
        )

    # --- one part: the kommun or a school ---------------------------------------------------------------------

    def _part(self, unit: Unit) -> None:
        self.add(PageBreak(), Heading(unit.name if unit.level == "skolenhet" else f"{unit.name} kommun", 1))
        if unit.level == "skolenhet":
            self.text(f"Skolenhetskod {unit.code} · {self.kommun.name} kommun · läsåret {self.school_year}", "note")
        else:
            self.text(f"Huvudmannen: grundskolan i {self.kommun.name} kommun, läsåret {self.school_year}", "note")
        self._context(unit)
        self.add(Heading("Var är vi?", 2))
        if unit.level == "kommun":
            self._schools_compared()
        ak6 = self._has(unit, AK6_TESTS + AK6_GRADES) or (unit.level == "kommun" and self._has(unit, AK6_KOLADA))
        ak9 = self._has(unit, AK9_GRADES)
        if ak6 or unit.level == "kommun":
            self._stage_3(unit)
        if ak6:
            self._stage_6(unit)
        if ak9:
            self._stage_9(unit)
        self._attendance(unit)
        self._surveys(unit)
        self._value_added(unit)
        if ak9:
            self._gaps(unit)
        self._goals(unit)
        self._actions(unit)
        self._outcome(unit)

    def _has(self, unit: Unit, ids: Sequence[str]) -> bool:
        v = self.values
        return bool(
            (
                (v["unit_code"] == unit.code)
                & (v["level"] == unit.level)
                & v["indicator_id"].isin(ids)
                & (v["year"] <= self.year)
            ).any()
        )

    # --- sources and data dates -------------------------------------------------------------------------------

    def _date(self, value) -> str | None:
        if value is None or pd.isna(value) or str(value) == "":
            return None
        return str(pd.Timestamp(value).date())

    def local_source(self, *folders: str, computed: bool = False) -> str:
        """'Källa: kommunens egna uppgifter (betyg, frånvaro), data från 2026-12-01.' — the date the newest
        file of those landing folders was loaded (the snapshot's date when unknown)."""
        files = self.snap.table("data_quality_files")
        dates = []
        if not files.empty:
            rows = files[files["folder"].isin(folders)]
            dates = [d for d in (self._date(v) for v in rows["last_loaded_at"]) if d]
        date = max(dates) if dates else str(self.snap.published_at.date())
        what = ", ".join(FOLDERS.get(f, f) for f in folders)
        how = "; beräkning i Skolanalys" if computed else ""
        return f"Källa: kommunens egna uppgifter ({what}{how}), data från {date}."

    def kolada_source(self) -> str:
        """'Källa: Kolada (RKA), data från 2024-12-12.' — Kolada's data date from data_freshness."""
        fresh = self.snap.table("data_freshness")
        date = None
        if not fresh.empty:
            rows = fresh[fresh["source"] == "kolada"]
            if len(rows):
                date = self._date(rows["data_as_of"].iloc[0]) or self._date(rows["last_successful_fetch"].iloc[0])
        return f"Källa: Kolada (RKA), data från {date or 'okänt datum'}."

    def source_for(self, ids: Sequence[str], *, kolada: bool = False) -> str:
        """The source line of a table or chart of `ids`: the landing folders of the local indicators, and Kolada
        when a Kolada value (an indicator of its own, riket or liknande kommuner) is shown."""
        folders = []
        for indicator_id in ids:
            topic = self.catalogue.loc[indicator_id, "topic"] if indicator_id in self.catalogue.index else None
            source = self.catalogue.loc[indicator_id, "source"] if indicator_id in self.catalogue.index else None
            if source == "kolada" and topic == "kolada":
                kolada = True
                continue
            folder = TOPIC_FOLDER.get(topic)
            if folder and folder not in folders:
                folders.append(folder)
        lines = [self.local_source(*folders)] if folders else []
        if kolada:
            lines.append(self.kolada_source())
        return " ".join(lines)

    # --- cells ---------------------------------------------------------------------------------------------------

    def rows(self, unit: Unit, indicator_id: str, gender: str = "T") -> pd.DataFrame:
        """One row per year of the unit's indicator: the own computation where there is one, else the
        published figure."""
        key = (indicator_id, unit.level, unit.code, gender)
        if key not in self.series:
            found = self.positions.get(key)
            self.series[key] = self.no_rows if found is None else self.ranked.iloc[found].set_index("year").sort_index()
        return self.series[key]

    def unit_of(self, indicator_id: str) -> str:
        return str(self.catalogue.loc[indicator_id, "unit"]) if indicator_id in self.catalogue.index else ""

    def cell(self, rows: pd.DataFrame, year: int, unit: str) -> str:
        if year not in rows.index:
            return "."
        r = rows.loc[year]
        return rules.cell(r["value"], r["status"], unit)

    def count_cell(self, rows: pd.DataFrame, year: int) -> str:
        if year not in rows.index:
            return "."
        r = rows.loc[year]
        return rules.count(r["n"], r["status"])

    def kolada(self, indicator_id: str, column: str, gender: str = "T") -> pd.Series:
        """Riket ('riket_value') or the liknande kommuner's mean ('similar_mean') by year, from Kolada."""
        key = (indicator_id, column, gender)
        if key not in self.kolada_cache:
            self.kolada_cache[key] = self._kolada(indicator_id, column, gender)
        return self.kolada_cache[key]

    def _kolada(self, indicator_id: str, column: str, gender: str) -> pd.Series:
        out = pd.Series(dtype=float)
        if column == "riket_value":
            v = self.values
            riket = v[(v["indicator_id"] == indicator_id) & (v["level"] == "riket") & (v["gender"] == gender)]
            riket = riket[riket["status"].map(rules.code_of) == ""]
            out = riket.set_index("year")["value"].dropna()
        if not self.bench.empty:
            rows = self.bench[(self.bench["kpi_id"] == indicator_id) & (self.bench["gender"] == gender)]
            found = rows.set_index("year")[column].dropna()
            out = pd.concat([out, found[~found.index.isin(out.index)]])
        return out.sort_index()

    def kolada_text(self, indicator_id: str, column: str, unit: str, latest: int) -> str:
        """Riket or liknande kommuner for the table's latest year, else its latest year before (with the year)."""
        series = self.kolada(indicator_id, column)
        series = series[series.index <= latest]
        if series.empty:
            return "."
        year = int(series.index[-1])
        text = rules.nowrap(rules.format_value(series.iloc[-1], "", unit))
        return text if year == latest else f"{text} ({year})"

    def trend(self, rows: pd.DataFrame, years: Sequence[int], indicator_id: str) -> str:
        """The latest shown value of the years against the first shown one, by the indicator's direction
        (dashboards/presentation.py::change): '↑ förbättring sedan 2022 (+3,5)'."""
        shown = [y for y in years if y in rows.index and rules.is_shown(rows.loc[y, "value"], rows.loc[y, "status"])]
        if len(shown) < 2:
            return ""
        first, last = shown[0], shown[-1]
        known = indicator_id in self.catalogue.index
        direction = self.catalogue.loc[indicator_id, "higher_is_better"] if known else None
        moved = rules.change(rows.loc[last, "value"], rows.loc[first, "value"], direction)
        if moved is None:
            return ""
        since = f"sedan {first}"
        if moved.arrow == "off":
            return f"→ oförändrad {since}"
        arrow = "↑" if moved.arrow == "up" else "↓"
        if moved.colour == "gray":
            word = "ökning" if moved.arrow == "up" else "minskning"
        else:
            word = "förbättring" if moved.colour == "green" else "försämring"
        return f"{arrow} {word} {since} ({moved.text})"

    def window(self, unit: Unit, ids: Sequence[str]) -> list[int]:
        """The years of a table: the five years up to the report's year, or — for a series that ends earlier
        (Kolada's) — its five latest years up to it."""
        v = self.values
        found = v[
            (v["level"] == unit.level)
            & (v["unit_code"] == unit.code)
            & v["indicator_id"].isin(ids)
            & (v["year"] <= self.year)
        ]
        in_window = found[found["year"].isin(self.years)]
        if len(in_window) and in_window["source"].eq("local").any():
            return self.years
        years = sorted({int(y) for y in found["year"]})
        return years[-YEARS_SHOWN:] if years else self.years

    # --- tables -----------------------------------------------------------------------------------------------

    def indicator_table(
        self,
        unit: Unit,
        ids: Sequence[str],
        caption: str,
        *,
        count_label: str = "Elever",
        suppressed_text: str = rules.SUPPRESSED_TEXT,
        missing_text: str = rules.MISSING_TEXT,
        comparisons: bool = True,
    ) -> list[int] | None:
        """The unit's indicators for five years, its n the latest year, the kommun beside a school, riket and
        liknande kommuner from Kolada, and the trend. None when the unit has none of `ids`."""
        present = [i for i in ids if i in self.catalogue.index and not self.rows(unit, i).empty]
        if not present:
            return None
        years = self.window(unit, present)
        # an indicator without a row in these years (a test no longer given) would be a row of '.' only
        present = [i for i in present if self.rows(unit, i).index.isin(years).any()]
        if not present:
            return None
        latest = years[-1]
        is_school = unit.level == "skolenhet"
        with_riket = comparisons and any(not self.kolada(i, "riket_value").empty for i in present)
        with_similar = comparisons and not is_school and any(not self.kolada(i, "similar_mean").empty for i in present)
        header = ["Indikator", *map(str, years), f"{count_label} {latest}"]
        header += [f"Kommunen {latest}"] if is_school else []
        header += ["Riket"] if with_riket else []
        header += ["Liknande kommuner"] if with_similar else []
        header += ["Trend"]
        body = []
        for indicator_id in present:
            unit_kind = self.unit_of(indicator_id)
            rows = self.rows(unit, indicator_id)
            row = [self.short[indicator_id], *(self.cell(rows, y, unit_kind) for y in years)]
            row.append(self.count_cell(rows, latest))
            if is_school:
                row.append(self.cell(self.rows(self.kommun, indicator_id), latest, unit_kind))
            if with_riket:
                row.append(self.kolada_text(indicator_id, "riket_value", unit_kind, latest))
            if with_similar:
                row.append(self.kolada_text(indicator_id, "similar_mean", unit_kind, latest))
            row.append(self.trend(rows, years, indicator_id))
            body.append(tuple(row))
            self.used.add(indicator_id)
        widths = [2.8, *(1.15 for _ in years), 1.1] + ([1.45] if is_school else [])
        widths += ([1.2] if with_riket else []) + ([1.3] if with_similar else []) + [2.0]
        counts = len(years) + 1
        if all(row[counts] == "." for row in body):  # a published figure without its n (Kolada's)
            header.pop(counts)
            widths.pop(counts)
            body = [row[:counts] + row[counts + 1 :] for row in body]
        numeric = (False, *(True for _ in range(len(header) - 2)), False)
        notes = self.code_notes(body, suppressed_text, missing_text)
        if with_riket or with_similar:
            notes.append(
                "Riket och liknande kommuner (medelvärdet av Koladas liknande kommuner för grundskolan): Koladas "
                "publicerade värden för kommunala skolor, för året eller det senaste året före (inom parentes). "
                "Trend: senaste värdet jämfört med det första i tabellen."
            )
        else:
            notes.append("Trend: senaste värdet jämfört med det första i tabellen.")
        self.add(
            Table(
                caption=f"{caption}, {unit.label} {years[0]}–{latest}",
                header=tuple(header),
                rows=tuple(body),
                source=self.source_for(present, kolada=with_riket or with_similar),
                notes=tuple(notes),
                widths=tuple(widths),
                numeric=numeric,
            )
        )
        return years

    def gender_table(self, unit: Unit, ids: Sequence[str], caption: str) -> None:
        """Flickor and pojkar per indicator for five years, with the latest year's difference."""
        present = [i for i in ids if i in self.catalogue.index and not self.rows(unit, i, "K").empty]
        if not present:
            return
        years = self.years
        body = []
        for indicator_id in present:
            unit_kind = self.unit_of(indicator_id)
            girls, boys = self.rows(unit, indicator_id, "K"), self.rows(unit, indicator_id, "M")
            for label, rows in (("flickor", girls), ("pojkar", boys)):
                body.append(
                    (
                        f"{self.short[indicator_id]}, {label}",
                        *(self.cell(rows, y, unit_kind) for y in years),
                        self.count_cell(rows, self.year),
                    )
                )
            self.used.add(indicator_id)
        header = ("Indikator", *map(str, years), f"Elever {self.year}")
        self.add(
            Table(
                caption=f"{caption}, {unit.label} {years[0]}–{self.year}",
                header=header,
                rows=tuple(body),
                source=self.source_for(present),
                notes=tuple(self.code_notes(body)),
                widths=(3.4, *(1.0 for _ in years), 1.1),
            )
        )

    def code_notes(
        self,
        body: Sequence[Sequence[str]],
        suppressed_text: str = rules.SUPPRESSED_TEXT,
        missing_text: str = rules.MISSING_TEXT,
    ) -> list[str]:
        """The explanation of every code a table shows, in the dashboard's words."""
        shown = {text for row in body for text in row}
        notes = []
        if ".." in shown:
            notes.append(suppressed_text)
        if "." in shown:
            notes.append(missing_text)
        return notes

    # --- charts -----------------------------------------------------------------------------------------------

    def trend_figure(self, unit: Unit, indicator_id: str, *, kolada_years: bool = False, alone: bool = False) -> None:
        """The unit's five-year series with the kommun beside a school, and riket and liknande kommuner dashed."""
        if indicator_id not in self.catalogue.index:
            return
        years = self.window(unit, [indicator_id]) if kolada_years else self.years
        unit_kind = self.unit_of(indicator_id)
        frames = [self._line(self.rows(unit, indicator_id), unit.label, years)]
        order = [unit.label]
        if unit.level == "skolenhet":
            frames.append(self._line(self.rows(self.kommun, indicator_id), self.kommun.label, years))
            order.append(self.kommun.label)
        with_kolada = False
        for name, column in ((rules.RIKET, "riket_value"), (rules.SIMILAR, "similar_mean")):
            if unit.level == "skolenhet" and column == "similar_mean":
                continue
            series = self.kolada(indicator_id, column)
            series = series[series.index.isin(years)]
            if len(series):
                frames.append(pd.DataFrame({"year": series.index.astype(int), "value": series.values, "series": name}))
                order.append(name)
                with_kolada = True
        if len(order) == 1 and not alone:  # the unit alone: its line is the Totalt of the gender chart after it
            return
        frame = pd.concat(frames, ignore_index=True)
        chart = charts.line_spec(
            frame,
            years=years,
            unit=unit_kind,
            series_order=order,
            colours={unit.label: rules.PALETTE[0]} | rules.BENCHMARK_COLOURS,
            dashed=(rules.RIKET, rules.SIMILAR),
        )
        if chart is None:
            return
        self.used.add(indicator_id)
        compared = " med kommunen" if unit.level == "skolenhet" else ""
        compared += " och riket" if with_kolada and unit.level == "skolenhet" else ""
        compared += ", riket och liknande kommuner" if with_kolada and unit.level == "kommun" else ""
        self.add(
            Figure(
                caption=f"{self.catalogue.loc[indicator_id, 'title_sv']}: {unit.label} {years[0]}–{years[-1]}"
                f"{compared}",
                chart=chart,
                source=self.source_for([indicator_id], kolada=with_kolada),
                notes=(rules.GAP_TEXT,),
            )
        )

    def gender_figure(self, unit: Unit, indicator_id: str) -> None:
        """Flickor, pojkar and totalt over five years."""
        if indicator_id not in self.catalogue.index:
            return
        frames, order = [], []
        for gender in ("K", "M", "T"):
            name = rules.GENDERS[gender]
            frames.append(self._line(self.rows(unit, indicator_id, gender), name, self.years))
            order.append(name)
        chart = charts.line_spec(
            pd.concat(frames, ignore_index=True),
            years=self.years,
            unit=self.unit_of(indicator_id),
            series_order=order,
            colours={"Flickor": "#7b3fa0", "Pojkar": "#00838f", "Totalt": "#555555"},
            dashed=("Totalt",),
        )
        if chart is None:
            return
        self.add(
            Figure(
                caption=f"{self.catalogue.loc[indicator_id, 'title_sv']}: flickor och pojkar, {unit.label} "
                f"{self.years[0]}–{self.year}",
                chart=chart,
                source=self.source_for([indicator_id]),
                notes=(rules.GAP_TEXT,),
            )
        )

    @staticmethod
    def _line(rows: pd.DataFrame, name: str, years: Sequence[int]) -> pd.DataFrame:
        """A series' points: shown values only (a hidden or missing year breaks the line)."""
        kept = [
            (int(y), float(r["value"]))
            for y, r in rows.iterrows()
            if int(y) in set(years) and rules.is_shown(r["value"], r["status"])
        ]
        return pd.DataFrame({"year": [y for y, _ in kept], "value": [v for _, v in kept], "series": name})

    def analysis(self, unit: Unit, what: str) -> None:
        self.add(Placeholder(f"Analys: {what}", ANALYSIS_PROMPT.format(who=unit.who)))

    # --- Var är vi? -----------------------------------------------------------------------------------------

    def _context(self, unit: Unit) -> None:
        """The unit's pupils and their background (socio-economic context), from served aggregates only."""
        rows: list[tuple[str, str]] = []
        folders = ["elever"]
        attendance = self.snap.table("attendance_by_period")
        if not attendance.empty:
            found = attendance[
                (attendance["unit_code"].astype(str) == unit.code)
                & (attendance["level"] == unit.level)
                & (attendance["period"] == 0)
                & (attendance["gender"] == "T")
                & (attendance["year"] <= self.year)
            ].sort_values("year")
            if len(found):
                r = found.iloc[-1]
                rows.append((f"Elever läsåret {r['school_year']}", rules.count(r["n"], r["status"])))
                folders.append("franvaro")
        grades = self.rows(unit, "N15419")
        if self.year in grades.index and grades.loc[self.year, "source"] == "local":
            rows.append((f"Elever i årskurs 9 (slutbetyg) {self.year}", self.count_cell(grades, self.year)))
            folders.append("betyg")
        gaps = self.snap.table("equity_gaps")
        for dimension, label, group in (
            ("foraldrars_utbildning", "Föräldrar med eftergymnasial utbildning, åk 9", "a"),
            ("nyanland", "Nyanlända (kortare tid än fyra år i Sverige), åk 9", "b"),
        ):
            if gaps.empty:
                break
            found = gaps[
                (gaps["unit_code"].astype(str) == unit.code)
                & (gaps["level"] == unit.level)
                & (gaps["outcome"] == "alla_amnen")
                & (gaps["dimension"] == dimension)
                & (gaps["year"] == self.year)
            ]
            if len(found):
                r = found.iloc[0]
                hidden = rules.code_of(r["status"])
                share = None
                if not hidden and pd.notna(r["n_a"]) and pd.notna(r["n_b"]) and (r["n_a"] + r["n_b"]):
                    share = 100.0 * float(r[f"n_{group}"]) / float(r["n_a"] + r["n_b"])
                rows.append((label, hidden or rules.nowrap(rules.format_value(share, "", "procent"))))
        if not any(label.startswith("Nyanlända") for label, _ in rows):
            rows += self._newly_arrived_6(unit)
        similar = self.snap.table("similar_units")
        if not similar.empty and unit.level == "skolenhet":
            found = similar[similar["unit_code"].astype(str) == unit.code]
            if len(found) and rules.is_shown(found.iloc[0]["parents_education"], found.iloc[0]["status"]):
                r = found.iloc[0]
                rows.append(
                    (
                        f"Föräldrarnas utbildningsnivå, åk 7–9 {r['school_year']} (1–3)",
                        rules.nowrap(rules.format_value(r["parents_education"], "", "")),
                    )
                )
        salsa_rows = self._salsa(unit)
        if not rows and not salsa_rows:
            return
        notes = []
        if salsa_rows:
            notes.append(
                "SALSA: elevernas resultat bredvid det resultat som kan förväntas av deras bakgrund (föräldrarnas "
                "utbildning, andelen pojkar, nyanlända); avvikelse = faktiskt − modellberäknat, med 95 % "
                "konfidensintervall för kommunens egen modell. Utbildningsnivå: 1 förgymnasial, 2 gymnasial, "
                "3 eftergymnasial."
            )
        body = [*rows, *salsa_rows]
        notes = self.code_notes(body) + notes
        self.add(
            Table(
                caption=f"Elever och förutsättningar, {unit.label}",
                header=("Uppgift", "Värde"),
                rows=tuple(body),
                source=self.local_source(*folders, computed=bool(salsa_rows))
                + (" Källa: Skolverket (SALSA)." if any("Skolverket" in r[0] for r in salsa_rows) else ""),
                notes=tuple(notes),
                widths=(3.0, 2.0),
            )
        )

    def _newly_arrived_6(self, unit: Unit) -> list[tuple[str, str]]:
        """A school without åk 9: its pupils with grades in åk 6 and the newly arrived among them (the value
        added's population of the stage 3 → 6, as the Skolor page shows it)."""
        population = self.snap.table("value_added_population")
        if population.empty:
            return []
        found = population[
            (population["stage"] == "3-6")
            & (population["unit_code"].astype(str) == unit.code)
            & (population["level"] == unit.level)
            & (population["cohort"] <= self.year)
        ].sort_values("cohort")
        if found.empty:
            return []
        r = found.iloc[-1]
        hidden = rules.code_of(r["status"])
        share = None
        if not hidden and pd.notna(r["n"]) and r["n"] and pd.notna(r["n_newly_arrived"]):
            share = 100.0 * float(r["n_newly_arrived"]) / float(r["n"])
        cohort = int(r["cohort"])
        return [
            (f"Elever med betyg i årskurs 6 {cohort}", rules.count(r["n"], r["status"])),
            (
                f"Nyanlända (kortare tid än fyra år i Sverige), åk 6 {cohort}",
                hidden or rules.nowrap(rules.format_value(share, "", "procent")),
            ),
        ]

    def _salsa(self, unit: Unit) -> list[tuple[str, str]]:
        salsa = self.snap.table("salsa_comparison")
        if salsa.empty or unit.level != "skolenhet":
            return []
        out = []
        mine = salsa[(salsa["unit_code"].astype(str) == unit.code) & (salsa["year"] <= self.year)]
        for outcome in ("meritvarde", "alla_amnen"):
            title, unit_kind = OUTCOMES[outcome]
            for source, publisher in (("egen_modell", "egen modell"), ("skolverket", "Skolverket")):
                found = mine[(mine["outcome"] == outcome) & (mine["source"] == source)].sort_values("year")
                if found.empty:
                    continue
                r = found.iloc[-1]
                hidden = rules.code_of(r["status"])

                def fmt(v, unit_kind=unit_kind):
                    return rules.nowrap(rules.format_value(v, "", unit_kind)) if pd.notna(v) else "."

                if hidden:
                    text = hidden
                else:
                    deviation = rules.format_change(r["deviation"]) or "."
                    text = f"{fmt(r['actual'])} / {fmt(r['expected'])} / {deviation}"
                    if pd.notna(r["ci_low"]) and pd.notna(r["ci_high"]):
                        text += f" ({rules.format_interval(r['ci_low'], r['ci_high'])})"
                out.append(
                    (
                        f"SALSA {title.lower()} {r['school_year']}, {publisher}: faktiskt / modellberäknat / avvikelse",
                        text,
                    )
                )
        return out

    def _schools_compared(self) -> None:
        """Every school's key figures the report's year, beside the kommun: the huvudman's overview."""
        units = [self.kommun, *schools(self.snap)]
        body = []
        present = [(i, label) for i, label in COMPARISON if i in self.catalogue.index]
        for unit in units:
            row = [unit.label]
            for indicator_id, _ in present:
                row.append(self.cell(self.rows(unit, indicator_id), self.year, self.unit_of(indicator_id)))
            body.append(tuple(row))
        if not body or not present:
            return
        self.used.update(i for i, _ in present)
        self.add(
            Heading("Skolorna i jämförelse", 3),
            Table(
                caption=f"Skolenheternas resultat {self.year}",
                header=("Enhet", *(label for _, label in present)),
                rows=tuple(body),
                source=self.source_for([i for i, _ in present]),
                notes=(
                    *self.code_notes(body),
                    "Meritvärde i poäng, övriga i procent. Varje skolas tabeller och diagram finns i dess del.",
                ),
                widths=(2.6, *(1.0 for _ in present)),
            ),
        )

    def _stage_3(self, unit: Unit) -> None:
        self.add(Heading("Årskurs 3", 3))
        shown = False
        if unit.level == "kommun":
            years = self.indicator_table(
                unit,
                AK3_KOLADA,
                "Nationella prov i årskurs 3",
                count_label="Elever",
                missing_text=rules.NATIONAL_TESTS_MISSING_TEXT,
            )
            if years:
                shown = True
                if years[-1] < self.year:
                    self.text(
                        f"Kolada redovisar proven i årskurs 3 per kommun; det senaste året i underlaget är "
                        f"{years[-1]}.",
                        "note",
                    )
                self.trend_figure(unit, "N15454", kolada_years=True)
        if not shown:
            self.text(
                "Resultaten i årskurs 3 (nationella prov i svenska och matematik) redovisas inte per skolenhet i "
                "underlaget; kommunens resultat ur Kolada finns i kommundelen. Skolan beskriver sina egna resultat "
                "och bedömningar i analysen."
                if unit.level == "skolenhet"
                else "Inga resultat för årskurs 3 i underlaget.",
            )
        self.analysis(unit, "årskurs 3")

    def _stage_6(self, unit: Unit) -> None:
        self.add(Heading("Årskurs 6", 3))
        self.indicator_table(unit, AK6_GRADES, "Terminsbetyg i årskurs 6")
        self.trend_figure(unit, AK6_CHART)
        self.gender_figure(unit, AK6_CHART)
        self.indicator_table(
            unit,
            AK6_TESTS,
            "Nationella prov i årskurs 6, andel med lägst E (provbetyg)",
            missing_text=rules.NATIONAL_TESTS_MISSING_TEXT,
        )
        if unit.level == "kommun":
            years = self.indicator_table(unit, AK6_KOLADA, "Betyg i årskurs 6 enligt Kolada")
            if years and years[-1] < self.year:
                self.text(f"Det senaste året i Kolada för årskurs 6 är {years[-1]}.", "note")
        self.analysis(unit, "årskurs 6")

    def _stage_9(self, unit: Unit) -> None:
        self.add(Heading("Årskurs 9", 3))
        self.indicator_table(unit, AK9_GRADES, "Slutbetyg i årskurs 9")
        for indicator_id in AK9_CHARTS:
            self.trend_figure(unit, indicator_id)
        self.gender_table(unit, AK9_GENDER, "Slutbetyg i årskurs 9 för flickor och pojkar")
        self.gender_figure(unit, AK9_CHARTS[0])
        self.indicator_table(
            unit,
            AK9_TESTS,
            "Nationella prov i årskurs 9, andel med lägst E (provbetyg)",
            missing_text=rules.NATIONAL_TESTS_MISSING_TEXT,
            comparisons=False,
        )
        self.indicator_table(unit, TERM_GRADES_7_9, "Terminsbetyg i årskurs 7–9, lägst E i alla ämnen")
        self.analysis(unit, "årskurs 9")

    def _attendance(self, unit: Unit) -> None:
        attendance = self.snap.table("attendance_by_period")
        if attendance.empty:
            return
        mine = attendance[
            (attendance["unit_code"].astype(str) == unit.code)
            & (attendance["level"] == unit.level)
            & (attendance["year"] <= self.year)
        ]
        if mine.empty:
            return
        year = int(mine["year"].max())
        now = mine[mine["year"] == year]
        self.add(Heading("Frånvaro", 3))
        body = []

        def row(label: str, r) -> tuple[str, ...]:
            hidden = rules.code_of(r["status"])
            cells = [hidden or rules.cell(r[column], "", "procent") for column, _ in ATTENDANCE]
            return (label, *cells, rules.count(r["n"], r["status"]))

        for r in now.sort_values(["period", "gender"]).itertuples(index=False):
            r = r._asdict()
            if r["gender"] == "T":
                body.append(row(str(r["period_name"]), r))
            elif r["period"] == 0:
                body.append(row(f"Hela läsåret, {rules.GENDERS[r['gender']].lower()}", r))
        if unit.level == "skolenhet":
            kommun = attendance[
                (attendance["level"] == "kommun")
                & (attendance["year"] == year)
                & (attendance["period"] == 0)
                & (attendance["gender"] == "T")
            ]
            if len(kommun):
                body.append(row(f"{self.kommun.label}, hela läsåret", kommun.iloc[0]))
        order = {"Hela läsåret": 0}
        body.sort(key=lambda b: order.get(b[0], 1) if not b[0].startswith(self.kommun.name) else 3)
        self.add(
            Table(
                caption=f"Frånvaro läsåret {now['school_year'].iloc[0]}, {unit.label}",
                header=("Period", *(label for _, label in ATTENDANCE), "Elever"),
                rows=tuple(body),
                source=self.local_source("franvaro"),
                notes=(
                    *self.code_notes(body),
                    "Andel av den schemalagda tiden (procent); elever över 15 % och 50 %: andel av eleverna med så "
                    "hög frånvaro. Rapporteringsgrad: andel av lektionerna där närvaron registrerats.",
                ),
                # "Rapporterings-" alone is wider than a column of 1.0 (it ran into its neighbour in the PDF).
                widths=(2.8, *(1.6 if key == "reporting_rate_pct" else 1.0 for key, _ in ATTENDANCE), 0.9),
            )
        )
        self.used.update({"SKA_FRV_TOTAL", "SKA_FRV_GILTIG", "SKA_FRV_OGILTIG", "SKA_FRV_OVER15"})
        self.used.update({"SKA_FRV_OVER50", "SKA_FRV_RAPPORTERAD"})
        if len(set(mine["year"])) > 1:
            self.trend_figure(unit, "SKA_FRV_OVER15", alone=True)
        self.analysis(unit, "frånvaro")

    def _surveys(self, unit: Unit) -> None:
        if not self._has(unit, SURVEYS):
            return
        self.add(Heading("Trygghet, studiero och trivsel", 3))
        self.indicator_table(
            unit,
            SURVEYS,
            "Enkäter till elever och vårdnadshavare",
            count_label="Svarande",
            suppressed_text=rules.SURVEY_SUPPRESSED_TEXT,
            comparisons=False,
        )
        frames, order = [], []
        for indicator_id in SURVEY_CHART:
            if indicator_id not in self.catalogue.index:
                continue
            name = self.short[indicator_id].split(",")[0]
            frames.append(self._line(self.rows(unit, indicator_id), name, self.years))
            order.append(name)
        frame = pd.concat(frames, ignore_index=True)
        chart = charts.line_spec(frame, years=self.years, unit="procent", series_order=order)
        if chart is not None:
            self.add(
                Figure(
                    caption=f"Elevenkäten, andel positiva svar per område: {unit.label} {self.years[0]}–{self.year}",
                    chart=chart,
                    source=self.local_source("enkater"),
                    notes=(rules.GAP_TEXT,),
                )
            )
        self.analysis(unit, "trygghet, studiero och trivsel")

    def _value_added(self, unit: Unit) -> None:
        va = self.snap.table("value_added")
        if va.empty:
            return
        if unit.level == "kommun":
            rows = va[va["level"] == "skolenhet"]
            if rows.empty:
                return
            self.add(Heading("Förädlingsvärde", 3))
            for stage, stage_title in STAGES_VA.items():
                part = rows[rows["stage"] == stage]
                if part.empty:
                    continue
                units = part.drop_duplicates("unit_code").sort_values(["unit_name", "unit_code"])
                body = []
                for u in units.itertuples():
                    mine = part[part["unit_code"].astype(str) == str(u.unit_code)]
                    record = [str(u.unit_name)]
                    for outcome in ("meritvarde", "alla_amnen"):
                        of = mine[mine["outcome"] == outcome]
                        record.append(self._va_cell(of[of["cohort"] == self.year]))
                        record.append(self._va_cell(of[of["cohort"].isna()], band=True))
                    body.append(tuple(record))
                self.add(
                    Table(
                        caption=f"Förädlingsvärde {stage_title.lower()} per skolenhet",
                        header=(
                            "Skolenhet",
                            f"Meritvärde, årskull {self.year}",
                            "Meritvärde, alla årskullar",
                            f"Alla ämnen, årskull {self.year}",
                            "Alla ämnen, alla årskullar",
                        ),
                        rows=tuple(body),
                        source=self.local_source("betyg", "nationella_prov", "bedomningar", "elever", computed=True),
                        notes=(*self.code_notes(body), self._va_note()),
                        widths=(2.2, 2.0, 2.2, 2.0, 2.2),
                    )
                )
            self.analysis(unit, "förädlingsvärde")
            return
        mine = va[(va["level"] == "skolenhet") & (va["unit_code"].astype(str) == unit.code)]
        if mine.empty:
            return
        self.add(Heading("Förädlingsvärde", 3))
        cohorts = [c for c in range(self.year - 2, self.year + 1) if c in set(mine["cohort"].dropna().astype(int))]
        body = []
        for stage, stage_title in STAGES_VA.items():
            for outcome in ("meritvarde", "alla_amnen"):
                of = mine[(mine["stage"] == stage) & (mine["outcome"] == outcome)]
                if of.empty:
                    continue
                record = [f"{stage_title}, {OUTCOMES[outcome][0].lower()}"]
                record += [self._va_cell(of[of["cohort"] == c]) for c in cohorts]
                pooled = of[of["cohort"].isna()]
                record.append(self._va_cell(pooled, band=True))
                record.append(rules.count(pooled.iloc[0]["n"], pooled.iloc[0]["status"]) if len(pooled) else ".")
                body.append(tuple(record))
        self.add(
            Table(
                caption=f"Förädlingsvärde, {unit.label}",
                header=("Mått", *(f"Årskull {c}" for c in cohorts), "Alla årskullar", "Elever"),
                rows=tuple(body),
                source=self.local_source("betyg", "nationella_prov", "bedomningar", "elever", computed=True),
                notes=(*self.code_notes(body), self._va_note()),
                widths=(2.6, *(1.7 for _ in cohorts), 2.2, 0.9),
            )
        )
        self.analysis(unit, "förädlingsvärde")

    @staticmethod
    def _va_cell(rows: pd.DataFrame, band: bool = False) -> str:
        if rows.empty:
            return "."
        r = rows.iloc[0]
        hidden = rules.code_of(r["status"])
        if hidden:
            return hidden
        if pd.isna(r["va"]):
            return "."
        text = rules.format_change(r["va"])
        if pd.notna(r["ci_low"]) and pd.notna(r["ci_high"]):
            text += f" ({rules.format_interval(r['ci_low'], r['ci_high'])})"
        if band and isinstance(r.get("band_sv"), str):
            text += f", {r['band_sv']}"
        return text

    @staticmethod
    def _va_note() -> str:
        return (
            "Kontextuell modell, totalt: hur mycket bättre eller sämre skolans elever lyckades än kommunens elever "
            "med liknande tidigare resultat och bakgrund — i meritvärdespoäng, eller procentenheter för alla ämnen "
            "godkända. Inom parentes 95 % konfidensintervall; för alla årskullar även nivån (över, genomsnitt, "
            "under)."
        )

    def _gaps(self, unit: Unit) -> None:
        gaps = self.snap.table("equity_gaps")
        if gaps.empty:
            return
        mine = gaps[
            (gaps["unit_code"].astype(str) == unit.code) & (gaps["level"] == unit.level) & (gaps["year"] == self.year)
        ]
        if mine.empty:
            return
        self.add(Heading("Likvärdighet: skillnader mellan elevgrupper", 3))
        body = []
        order = {"kon": 0, "foraldrars_utbildning": 1, "nyanland": 2}
        mine = mine.assign(_o=mine["dimension"].map(order).fillna(9)).sort_values(["outcome", "_o"])
        for outcome in ("meritvarde", "alla_amnen", "behorighet_yrkes"):
            title, unit_kind = OUTCOMES[outcome]
            for r in mine[mine["outcome"] == outcome].itertuples():
                hidden = rules.code_of(r.status)

                def fmt(v, unit_kind=unit_kind):
                    return rules.nowrap(rules.format_value(v, "", unit_kind)) if pd.notna(v) else "."

                if hidden:
                    cells = (hidden, hidden, hidden, hidden)
                else:
                    gap = rules.format_change(r.gap) or "."
                    interval = rules.format_interval(r.ci_low, r.ci_high)
                    cells = (fmt(r.mean_a), fmt(r.mean_b), f"{gap} ({interval})", str(r.verdict or ""))
                body.append((title, f"{r.group_a} – {r.group_b}", *cells))
        self.add(
            Table(
                caption=f"Skillnader mellan elevgrupper i årskurs 9, {unit.label} {self.year}",
                header=("Utfall", "Grupper (a – b)", "Grupp a", "Grupp b", "Skillnad a − b (95 % KI)", "Bedömning"),
                rows=tuple(body),
                source=self.local_source("betyg", "elever", computed=True),
                notes=(
                    *self.code_notes(body),
                    "Meritvärde i poäng, övriga i procent; skillnaden i poäng eller procentenheter. En skillnad visas "
                    f"bara när båda grupperna har minst {thresholds().pupils} elever.",
                ),
                widths=(2.0, 2.6, 1.1, 1.1, 2.2, 2.6),
                numeric=(False, False, True, True, True, False),
            )
        )
        self.analysis(unit, "likvärdighet")

    # --- Vart ska vi? Hur gör vi? Hur blev det? ---------------------------------------------------------------

    def _goal_rows(self, unit: Unit, year: int) -> pd.DataFrame:
        """The goals' measures for the unit that year: every row for the kommun part (the huvudman follows
        all of them), the school's own rows for a school. Each found once: every goal of every part asks."""
        key = (unit.level, unit.code, year)
        if key not in self.goal_rows:
            results = self.snap.table("goal_results")
            rows = results[results["year"] == year] if len(results) else results
            if unit.level == "skolenhet" and len(rows):
                rows = rows[(rows["level"] == "skolenhet") & (rows["unit_code"].astype(str) == unit.code)]
            self.goal_rows[key] = rows
        return self.goal_rows[key]

    def _goal_status(self, goal_id: str, year: int) -> pd.DataFrame:
        """The kommun's status of a goal that year (goal_status), looked up by key."""
        if self.goal_statuses is None:
            status = self.snap.table("goal_status")
            self.goal_statuses = dict(tuple(status.groupby(["goal_id", "year"], sort=False))) if len(status) else {}
            self.no_goal_status = status.iloc[0:0]
        return self.goal_statuses.get((goal_id, year), self.no_goal_status)

    @staticmethod
    def _status_cell(status: str, within: bool = False) -> str:
        symbol = GOAL_STATUS.get(status, ("", None))[0]
        text = f"{symbol} {status}".strip()
        return text + " (inom osäkerheten)" if within else text

    def _measure_label(self, r) -> str:
        title = self.short.get(r.indicator_id, r.indicator_title)
        unit_name = r.unit_name if isinstance(r.unit_name, str) else r.unit_code
        gender = f", {GENDER_NOTE[r.gender]}" if r.gender in GENDER_NOTE else ""
        return f"{title} – {unit_name}{gender}"

    def _target(self, r) -> str:
        if r.target_type == "absolut" or pd.isna(r.target_value):
            return str(r.target_text)
        return f"{r.target_text} ({rules.cell(r.target_value, '', r.unit)})"

    def _goals(self, unit: Unit) -> None:
        self.add(Heading("Vart ska vi?", 2))
        status = self.snap.table("goal_status")
        if status.empty:
            self.text("Nämndens mål är inte inlästa (landningsmappen mal/).")
            self._development_areas(unit, pd.DataFrame())
            return
        now = status[status["year"] == self.year]
        if now.empty:
            periods = ", ".join(sorted({f"{r.period_from}–{r.period_to}" for r in status.itertuples()}))
            self.text(f"Nämndens mål gäller inte {self.year} (målperiod {periods}).")
            self._development_areas(unit, pd.DataFrame())
            return
        self.text(
            f"Nämndens mål för perioden {int(now['period_from'].min())}–{int(now['period_to'].max())} och deras "
            f"status {self.year}. Utfallen är de publicerade, röjandekontrollerade värdena; ett dolt värde kan inte "
            "mätas. Status: ✔ uppfyllt, ◐ delvis uppfyllt, ✖ ej uppfyllt, ? kan inte mätas."
        )
        body, fills = [], []
        for r in now.itertuples():
            body.append(
                (
                    f"{r.goal_id} {r.goal_title}",
                    self._status_cell(r.status),
                    f"{r.measures_met} av {r.measures_measurable}",
                    str(r.measures),
                )
            )
            fills.append((None, GOAL_STATUS.get(r.status, ("", None))[1], None, None))
        self.add(
            Table(
                caption=f"Nämndens mål {self.year} ({self.kommun.name} kommun)",
                header=("Mål", "Status", "Mätbara mått uppfyllda", "Mått"),
                rows=tuple(body),
                source=self.local_source("mal") + " Utfallen: se måtten nedan.",
                widths=(4.2, 1.7, 1.3, 0.7),
                numeric=(False, False, True, True),
                fills=tuple(fills),
            )
        )
        measures = self._goal_rows(unit, self.year)
        if unit.level == "skolenhet" and measures.empty:
            self.text(
                "Skolenheten har inga egna mått i nämndens mål; målen följs upp för kommunen som helhet (se "
                "kommundelen). Skolan beskriver sitt bidrag till målen under Hur gör vi?"
            )
        for goal_id, rows in measures.groupby("goal_id", sort=False):
            goal = now[now["goal_id"] == goal_id]
            title = str(rows["goal_title"].iloc[0])
            self.add(Heading(f"{goal_id} {title}", 3))
            if len(goal) and isinstance(goal["description"].iloc[0], str):
                self.text(str(goal["description"].iloc[0]))
            self._measure_table(rows, unit)
        self._development_areas(unit, measures)

    def _measure_table(self, rows: pd.DataFrame, unit: Unit) -> None:
        """Årsredovisningens tabell: status | mått | utfall tre år | målvärde | riket | liknande | trend; the
        comparison columns only where a measure has a comparison (as on the Översikt page)."""
        year = self.year
        records, reasons = [], []
        for r in rows.itertuples():
            within = bool(r.inom_osakerheten) if pd.notna(r.inom_osakerheten) else False
            records.append(
                {
                    "Status": self._status_cell(r.status, within),
                    "Mått – enhet": self._measure_label(r),
                    str(year - 2): rules.cell(r.value_2, r.value_status_2, r.unit),
                    str(year - 1): rules.cell(r.value_1, r.value_status_1, r.unit),
                    str(year): rules.cell(r.value, r.value_status, r.unit),
                    "Målvärde": self._target(r),
                    "Riket": rules.cell(r.riket_value, "", r.unit) if pd.notna(r.riket_value) else "",
                    "Liknande kommuner": rules.cell(r.similar_value, "", r.unit) if pd.notna(r.similar_value) else "",
                    "Trend": f"{r.trend} sedan {int(r.trend_from_year)}" if isinstance(r.trend, str) else "",
                    "_fill": GOAL_STATUS.get(r.status, ("", None))[1],
                }
            )
            if isinstance(r.status_reason, str):
                reasons.append(f"{self._measure_label(r)}: {r.status_reason}.")
            self.used.add(r.indicator_id)
        widths = {"Status": 1.9, "Mått – enhet": 3.2, "Målvärde": 1.9, "Riket": 1.0, "Liknande kommuner": 1.1}
        widths["Trend"] = 1.7
        columns = [c for c in records[0] if c != "_fill"]
        columns = [c for c in columns if c not in ("Riket", "Liknande kommuner") or any(x[c] for x in records)]
        body = [tuple(x[c] for c in columns) for x in records]
        kolada = "Riket" in columns or "Liknande kommuner" in columns
        self.add(
            Table(
                caption=f"Måtten {year}: utfall, målvärde och jämförelse, {unit.label}",
                header=tuple(columns),
                rows=tuple(body),
                source=" ".join(
                    [self.local_source("mal", *sorted({TOPIC_FOLDER.get(t, "betyg") for t in rows["topic"]}))]
                    + ([self.kolada_source()] if kolada else [])
                ),
                notes=tuple(dict.fromkeys([*self.code_notes(body), *reasons])),
                widths=tuple(widths.get(c, 1.15) for c in columns),
                numeric=tuple(c[:1].isdigit() or c in ("Riket", "Liknande kommuner") for c in columns),
                fills=tuple((x["_fill"], *([None] * (len(columns) - 1))) for x in records),
            )
        )

    def _development_areas(self, unit: Unit, measures: pd.DataFrame) -> None:
        self.add(Heading("Utvecklingsområden", 3))
        missed = measures[measures["status"].isin(["ej uppfyllt", "delvis uppfyllt"])] if len(measures) else measures
        if len(missed):
            self.text(f"Mått som inte nådde målvärdet {self.year} — förslag till utvecklingsområden:")
            self.add(
                BulletList(
                    tuple(
                        f"{self._measure_label(r)}: {r.status}, utfall {rules.cell(r.value, r.value_status, r.unit)} "
                        f"mot målvärdet {self._target(r)}"
                        for r in missed.itertuples()
                    )
                )
            )
        self.add(
            Placeholder(
                "Fylls i: prioriterade utvecklingsområden",
                f"Fylls i av {unit.who}: vilka utvecklingsområden prioriteras inför nästa läsår, utifrån resultaten "
                "ovan och analysen under Var är vi?",
            )
        )

    def _actions(self, unit: Unit) -> None:
        self.add(Heading("Hur gör vi?", 2))
        actions = self.snap.table("goal_actions")
        if actions.empty:
            self.text("Målen har inga aktiviteter i målfilen.")
        else:
            self.text(
                "Nämndens aktiviteter för målen och deras status enligt målfilen: ○ ej påbörjad, ◔ påbörjad, "
                "● genomförd, ⚠ försenad, ⊘ avförd."
            )
            body, fills = [], []
            for a in actions.itertuples():
                symbol, fill = ACTION_STATUS.get(a.status, ("", None))
                body.append(
                    (
                        f"{a.goal_id} {a.goal_title}",
                        str(a.action),
                        f"{symbol} {a.status}".strip(),
                        str(a.responsible) if isinstance(a.responsible, str) else "",
                        str(a.comment) if isinstance(a.comment, str) else "",
                    )
                )
                fills.append((None, None, fill, None, None))
            self.add(
                Table(
                    caption="Aktiviteter och deras status",
                    header=("Mål", "Aktivitet", "Status", "Ansvarig", "Kommentar"),
                    rows=tuple(body),
                    source=self.local_source("mal"),
                    widths=(2.6, 2.8, 1.4, 1.8, 2.6),
                    numeric=(False,) * 5,
                    fills=tuple(fills),
                )
            )
        who = "Förvaltningens och huvudmannens insatser" if unit.level == "kommun" else "Skolans insatser"
        self.add(
            Placeholder(
                f"Fylls i: {who.lower()}",
                f"Fylls i av {unit.who}: vilka insatser gör ni för att nå målen och utvecklingsområdena, vem "
                "ansvarar, när följs de upp och hur vet ni att de ger effekt?",
            )
        )

    def _outcome(self, unit: Unit) -> None:
        """Hur blev det? Last year's förbättringsområden | how the work went | this year's result, per goal."""
        self.add(Heading("Hur blev det?", 2))
        status = self.snap.table("goal_status")
        actions = self.snap.table("goal_actions")
        previous, year = self.year - 1, self.year
        if status.empty or status[status["year"].isin([previous, year])].empty:
            self.text(f"Inga mål för {previous} eller {year} i målfilen.")
        else:
            self.text(
                f"Varje mål: förbättringsområdet och dess status {previous}, hur arbetet gick (aktiviteterna och "
                f"deras status) och resultatet {year}."
                + (
                    " För skolenheten visas skolans egna mått; mål utan skolans mått visar kommunens status."
                    if unit.level == "skolenhet"
                    else ""
                )
            )
            body, fills = [], []
            goals = status[status["year"].isin([previous, year])].drop_duplicates("goal_id")
            for goal in goals.itertuples():
                then, _ = self._goal_then(unit, goal.goal_id, goal.goal_title, previous)
                now, shown = self._goal_then(unit, goal.goal_id, None, year)
                body.append((then, self._work(actions, goal.goal_id), now))
                fills.append((None, None, GOAL_STATUS.get(shown, ("", None))[1]))
            self.add(
                Table(
                    caption=f"Förra årets förbättringsområden, arbetet och årets resultat, {unit.label}",
                    header=(
                        f"Förra årets förbättringsområden ({previous})",
                        "Hur arbetet gick",
                        f"Årets resultat ({year})",
                    ),
                    rows=tuple(body),
                    source=self.local_source("mal") + " Utfallen: de publicerade, röjandekontrollerade värdena.",
                    notes=tuple(self.code_notes(body)),
                    widths=(1.0, 1.0, 1.0),
                    numeric=(False, False, False),
                    fills=tuple(fills),
                )
            )
        self.add(
            Placeholder(
                "Analys: hur blev det?",
                f"Fylls i av {unit.who}: ledde insatserna till förbättring? Vad tar ni med er, och vad ändrar ni "
                "inför nästa år?",
            )
        )

    def _goal_then(self, unit: Unit, goal_id: str, title: str | None, year: int) -> tuple[str, str | None]:
        """A goal's status a year — the unit's own measures, else the kommun's status — and, for the year's
        result (no title), each measure's utfall. Also the status shown, when it is one, for the cell's colour."""
        row = self._goal_status(goal_id, year)
        lines = [f"{goal_id} {title}"] if title else []
        if row.empty:
            lines.append(f"{year}: målet gällde inte")
            return "\n".join(lines), None
        measures = self._goal_rows(unit, year)
        measures = measures[measures["goal_id"] == goal_id] if len(measures) else measures
        if unit.level == "skolenhet" and len(measures):
            found = list(dict.fromkeys(measures["status"]))
            lines.append(f"Skolans mått {year}: {', '.join(self._status_cell(x) for x in found)}")
            shown = found[0] if len(found) == 1 else None
        else:
            shown = str(row["status"].iloc[0])
            prefix = "Kommunen " if unit.level == "skolenhet" else ""
            lines.append(f"{prefix}{year}: {self._status_cell(shown)}")
        if title is None:
            for r in measures.itertuples():
                value = rules.cell(r.value, r.value_status, r.unit)
                lines.append(f"{self._measure_label(r)}: {value} (målvärde {self._target(r)}), {r.status}")
        return "\n".join(lines), shown

    @staticmethod
    def _work(actions: pd.DataFrame, goal_id: str) -> str:
        if actions.empty:
            return "Fylls i: hur arbetet gick."
        mine = actions[actions["goal_id"] == goal_id]
        if mine.empty:
            return "Inga aktiviteter i målfilen. Fylls i: hur arbetet gick."
        lines = []
        for a in mine.itertuples():
            symbol = ACTION_STATUS.get(a.status, ("", None))[0]
            comment = f" ({a.comment})" if isinstance(a.comment, str) and a.comment.strip() else ""
            lines.append(f"{symbol} {a.action}: {a.status}{comment}")
        return "\n".join(lines)

    # --- Om underlaget --------------------------------------------------------------------------------------

    def _appendix(self) -> None:
        self.add(PageBreak(), Heading("Om underlaget", 1))
        published = rules.format_time(self.snap.info.get("published_at"))
        self.text(
            f"Alla siffror kommer ur Skolanalys serveringsfil, publicerad {published} (körning "
            f"{self.snap.info.get('run_id') or 'okänd'}, kommunkod {self.kommun.code}). Serveringsfilen innehåller "
            "bara sammanställda, röjandekontrollerade tabeller — samma som instrumentpanelen visar — och rapporten "
            "läser inget annat. Samma serveringsfil ger samma rapport."
        )
        self.add(Heading("Källor och datum", 2))
        body = []
        fresh = self.snap.table("data_freshness")
        names = {
            "kolada": "Kolada (RKA): nyckeltal, riket, liknande kommuner",
            "kolada_groups": "Kolada (RKA): grupper av liknande kommuner",
            "kolada_oudata": "Kolada (RKA): nyckeltal per skolenhet",
            "planned_educations": "Skolverket: Planned Educations (skolenheter)",
            "skolenhetsregistret": "Skolverket: Skolenhetsregistret",
        }
        for r in fresh.itertuples():
            body.append(
                (
                    names.get(r.source, str(r.source)),
                    self._date(r.data_as_of) or ".",
                    self._date(r.last_successful_fetch) or ".",
                )
            )
        files = self.snap.table("data_quality_files")
        for r in files.itertuples():
            name = f"Kommunens egna uppgifter: {FOLDERS.get(r.folder, r.folder)}"
            body.append((name, ".", self._date(r.last_loaded_at) or "."))
        if body:
            self.add(
                Table(
                    caption="Källornas datum",
                    header=("Källa", "Data från", "Senast hämtad eller inläst"),
                    rows=tuple(body),
                    source=f"Källa: serveringsfilens data_freshness och data_quality_files, publicerad {published}.",
                    notes=(
                        ". = uppgift saknas (ingen hämtning i offlineläge, eller ett datum som källan inte anger).",
                    ),
                    widths=(3.2, 1.2, 1.6),
                    numeric=(False, False, False),
                )
            )
        self.add(Heading("Röjandekontroll", 2))
        self.text(
            f"Ett värde från färre än {thresholds().pupils} elever ({thresholds().respondents} svarande i enkäterna) "
            "visas inte, och inte heller ett värde som "
            "annars skulle kunna räknas fram ur de andra. Rapporten visar samma koder som instrumentpanelen:"
        )
        self.add(
            BulletList(
                (
                    rules.SUPPRESSED_TEXT,
                    rules.SURVEY_SUPPRESSED_TEXT,
                    rules.MISSING_TEXT,
                    rules.NATIONAL_TESTS_MISSING_TEXT,
                )
            )
        )
        self.add(Heading("Definitioner", 2))
        used = [i for i in self.catalogue.index if i in self.used]
        # the id on its own line under the title: a long id (SKA_ENK_ELEV_DELAKTIGHET_INDEX) has no place to break
        body = [
            (
                f"{self.catalogue.loc[i, 'title_sv']}\n{i}",
                description if isinstance(description := self.catalogue.loc[i, "description"], str) else "",
            )
            for i in used
        ]
        if body:
            self.add(
                Table(
                    caption="Indikatorerna i rapporten",
                    header=("Indikator och id", "Så räknas den"),
                    rows=tuple(body),
                    source=f"Källa: serveringsfilens indikatorkatalog (indicators), publicerad {published}.",
                    widths=(2.0, 4.2),
                    numeric=(False, False),
                )
            )
