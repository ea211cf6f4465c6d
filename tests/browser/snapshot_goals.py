"""The served tables of the Översikt page — goal_results, goal_status and goal_actions — hand-built for the
browser and AppTest snapshots, with the columns of the marts (dbt/models/marts/goals/; test_dashboard_goals
checks them against the marts' contracts), each table created from its contract (tests/contract_tables.py) and
filled by column name. The same municipality, schools and figures as
tests/browser/snapshot.py: Ekbackeskolan and Furulundsskolan shown, Korsbackaskolan (few pupils) '..'.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from tests.contract_tables import create_table

KOMMUN = ("1261", "Kävlinge")
YEAR = 2024

GOALS = [
    # id, title, rule, status, measures, measurable, met, partly, missed
    ("M1", "Alla elever ska nå minst betyget E i alla ämnen", "flertal", "delvis uppfyllt", 2, 2, 0, 1, 1),
    ("M2", "Andelen elever som känner sig trygga ska öka", "flertal", "uppfyllt", 1, 1, 1, 0, 0),
    ("M3", "Frånvaron ska minska", "flertal", "ej uppfyllt", 1, 1, 0, 0, 1),
    ("M4", "Fler elever ska vara behöriga till gymnasiets yrkesprogram", "flertal", "uppfyllt", 1, 1, 1, 0, 0),
    ("M5", "Eleverna ska lyckas minst lika bra som i riket", "flertal", "kan inte mätas", 1, 0, 0, 0, 0),
]
INSIDE = "skillnaden mot målvärdet ryms inom den statistiska osäkerheten (95 %-intervall)"
HIDDEN = "utfallet visas inte: för få elever, eller dolt för att skydda enskilda (röjandekontroll)"
IMPROVING = ("förbättring", 2023)  # a trend: in words, and the year it is measured from

# The indicators the goals measure, with their titles (as tests/browser/snapshot.py has them; N15428 is Kolada's).
TITLES = {
    "N15505": "Meritvärde åk 9, genomsnitt (17 ämnen)",
    "N15419": "Uppnått betygskriterierna i alla ämnen åk 9, andel (%)",
    "SKA_ENK_TRYGG": "Trygghet, elevenkät åk 8, index 0–10",
    "SKA_FRV_TOTAL": "Frånvaro, andel av schemalagd tid (%)",
    "N15428": "Behöriga till yrkesprogram, hemkommun",
}


def _result(goal: str, measure: int, indicator: str, trend: tuple[str, int] | None, **values) -> dict:
    """A goal_results row: `indicator`'s figure for the kommun, with its trend in words since a year (None: no
    trend), unless `values` say otherwise."""
    title = next(g[1] for g in GOALS if g[0] == goal)
    row = {
        "goal_id": goal,
        "goal_title": title,
        "goal_sort_order": int(goal[1:]),
        "period_from": 2023,
        "period_to": 2024,
        "goal_rule": "flertal",
        "measure_no": measure,
        "indicator_id": indicator,
        "indicator_title": TITLES[indicator],
        "unit": "procent",
        "topic": "betyg_ak9",
        "level": "kommun",
        "unit_code": KOMMUN[0],
        "unit_name": KOMMUN[1],
        "gender": "T",
        "higher_is_better": True,
        "target_type": "absolut",
        "target_text": None,
        "years_back": None,
        "weight": 1.0,
        "year": YEAR,
        "school_year": "2023/24",
        "value": None,
        "value_status": "",
        "value_source": "local",
        "n": 305,
        "min_n": 10,
        "value_1": None,
        "value_status_1": "",
        "value_2": None,
        "value_status_2": None,
        "riket_value": None,
        "similar_value": None,
        "target_value": None,
        "reference_year": None,
        "achievement_pct": None,
        "ci_low": None,
        "ci_high": None,
        "inom_osakerheten": False,
        "status": None,
        "status_reason": None,
        "trend": None if trend is None else trend[0],
        "trend_from_year": None if trend is None else trend[1],
    }
    row.update(values)
    return row


def _school_result(code: str, name: str, n, value, value_1, status: str, goal_status: str, reason) -> dict:
    """M1's second measure at one school: at least 85 % passing all subjects, with a ±12 interval (capped at
    100 %) around a shown value."""
    shown = value is not None
    return _result(
        "M1",
        2,
        "N15419",
        IMPROVING if shown else None,
        level="skolenhet",
        unit_code=code,
        unit_name=name,
        n=n,
        target_text="minst 85 %",
        target_value=85.0,
        value=value,
        value_status=status,
        value_1=value_1,
        value_status_1=status,
        status=goal_status,
        inom_osakerheten=reason == INSIDE,
        status_reason=reason,
        ci_low=value - 12.0 if shown else None,
        ci_high=min(100.0, value + 12.0) if shown else None,
    )


RESULTS = [
    _result(
        "M1",
        1,
        "N15419",
        IMPROVING,
        target_text="minst 90 %",
        value=79.85,
        value_1=78.6,
        riket_value=77.7,
        similar_value=84.3,
        target_value=90.0,
        achievement_pct=88.7,
        ci_low=75.35,
        ci_high=84.35,
        status="ej uppfyllt",
    ),
    _school_result("11110001", "Ekbackeskolan", 60, 83.3, 79.85, "", "delvis uppfyllt", INSIDE),
    _school_result("22220002", "Furulundsskolan", 60, 86.75, 83.3, "", "uppfyllt", None),
    _school_result("33330003", "Korsbackaskolan", None, None, None, "..", "kan inte mätas", HIDDEN),
    _result(
        "M2",
        1,
        "SKA_ENK_TRYGG",
        IMPROVING,
        unit="index",
        topic="enkater",
        target_type="forbattring",
        target_text="bättre än 2022",
        years_back=2,
        value=9.1,
        value_1=7.85,
        target_value=7.5,
        reference_year=2022,
        status="uppfyllt",
    ),
    _result(
        "M3",
        1,
        "SKA_FRV_TOTAL",
        ("försämring", 2023),
        topic="franvaro",
        higher_is_better=False,
        target_type="battre_an_forra_aret",
        target_text="bättre än förra året",
        years_back=1,
        value=8.6,
        value_1=7.35,
        target_value=7.35,
        reference_year=2023,
        achievement_pct=85.5,
        status="ej uppfyllt",
    ),
    _result(
        "M4",
        1,
        "N15428",
        ("försämring", 2022),
        topic="kolada",
        value_source="kolada",
        n=None,
        min_n=None,
        target_type="minst_liknande",
        target_text="minst liknande kommuner",
        value=90.8,
        value_1=90.4,
        value_2=92.9,
        value_status_2="",
        similar_value=87.4,
        target_value=87.4,
        achievement_pct=103.9,
        status="uppfyllt",
    ),
    _result(
        "M5",
        1,
        "N15505",
        IMPROVING,
        unit="poäng",
        target_type="minst_riket",
        target_text="minst riket",
        value=229.65,
        value_1=228.4,
        status="kan inte mätas",
        status_reason="rikets värde för 2024 finns inte ännu",
    ),
]
ACTIONS = [
    # goal, no, action, status, responsible, comment
    ("M1", 1, "Lovskola i årskurs 8 och 9", "genomförd", "Skolorna med årskurs 7–9", None),
    ("M1", 2, "Tidiga insatser i läsning och matematik", "påbörjad", "Grundskoleavdelningen", None),
    ("M2", 1, "Trygghetsvandringar med elevrådet", "försenad", "Rektorerna", "Skjuten till våren"),
    ("M3", 1, "Närvaroteam som följer upp hög frånvaro", "ej påbörjad", "Elevhälsan", None),
    ("M4", 1, "Läsfrämjande projekt", "avförd", "Skolbiblioteken", "Ersatt av tidiga insatser"),
]


def goal_frames() -> dict[str, pd.DataFrame]:
    status = pd.DataFrame(
        [
            {
                "goal_id": g,
                "goal_title": title,
                "description": None,
                "goal_sort_order": int(g[1:]),
                "period_from": 2023,
                "period_to": 2024,
                "year": YEAR,
                "school_year": "2023/24",
                "goal_rule": rule,
                "achieved_from_pct": 100.0,
                "partly_from_pct": 91.0,
                "status": st,
                "measures": m,
                "measures_measurable": mm,
                "measures_met": met,
                "measures_partly": partly,
                "measures_missed": missed,
                "is_latest_measured": st != "kan inte mätas",
            }
            for g, title, rule, st, m, mm, met, partly, missed in GOALS
        ]
    )
    titles = {g[0]: g[1] for g in GOALS}
    actions = pd.DataFrame(
        [
            {
                "goal_id": g,
                "goal_title": titles[g],
                "goal_sort_order": int(g[1:]),
                "action_no": no,
                "action": action,
                "status": st,
                "responsible": responsible,
                "comment": comment,
            }
            for g, no, action, st, responsible, comment in ACTIONS
        ]
    )
    return {"goal_results": pd.DataFrame(RESULTS), "goal_status": status, "goal_actions": actions}


def add_goals(con: duckdb.DuckDBPyConnection) -> None:
    """goal_results, goal_status and goal_actions in the snapshot `con` is connected to, each created from its
    mart's contract and filled by column name."""
    for name, frame in goal_frames().items():
        create_table(con, name, frame)
