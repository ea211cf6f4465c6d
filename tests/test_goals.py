"""Målstyrning: the board's goals in mal/, checked at the door, and "Hur blev det?" (goal_results,
goal_status, goal_actions) in the shared hand-built run.

The goals files are written here, into the shared hand-built landing folder (tests/shared_runs.py). Every
expected status is worked out below from the landing files of the other hand-built data sets (the year-9
pupils of test_indicators_handbuilt, the national-test pupils of handbuilt_landing, the door's good grade
file) and from the real Kolada values shipped in sources/reference (riket, Kävlinge, its liknande kommuner),
with the rules of docs/goals.md written out again in Python — never read from the marts.
"""

from __future__ import annotations

import math
import os
import statistics
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.warehouse import replace_quarantine
from sources.landing import goals
from sources.landing.goals import read_goal_folder
from tests.conftest import REPO, make_pnr
from tests.national.test_national_skolenkaten import _write_xlsx

KOMMUN = "1261"

# The files of the shared run ---------------------------------------------------------------------------------

PNR = make_pnr(date(1990, 1, 1), 123, female=False)  # synthetic, made at run time: never a fixture

NAMNDSMAL = """\
# Barn- och utbildningsnämndens mål 2024 (handbyggd testfil)
statusregel:
  uppfyllt_fran: 100
  delvis_fran: 91
  malstatus: flertal
mal:
  - id: G1
    titel: Alla elever ska nå minst betyget E i alla ämnen
    beskrivning: Kunskapsresultaten i årskurs 9. Ansvarig tjänsteperson {pnr} (ska maskeras).
    period: 2023/24
    matt:
      - indikator: N15419
        maltyp: absolut
        målvärde: 95
      - indikator: N15505
        niva: skolenhet
        skolenhet: "11110001"
        maltyp: absolut
        malvarde: 255
      - indikator: N15505
        niva: skolenhet
        skolenhet: "22220002"
        kon: M
        maltyp: absolut
        malvarde: 200
      - indikator: N15419
        niva: skolenhet
        skolenhet: alla
        maltyp: absolut
        malvarde: "85"
    aktiviteter:
      - aktivitet: Studiehandledning på modersmålet i alla ämnen
        status: Påbörjad
        ansvarig: Grundskoleavdelningen
      - aktivitet: Läxhjälp två eftermiddagar i veckan
        status: genomförd
        ansvarig: Ekbackeskolan
        kommentar: Startade hösten 2023
  - id: G2
    titel: Eleverna ska lyckas minst lika bra som i riket
    period: 2019–2024
    matt:
      - indikator: N15505
        maltyp: minst_riket
      - indikator: N15419
        maltyp: minst riket
  - id: G3
    titel: Andelen lärare med legitimation ska vara minst som i liknande kommuner
    period: 2022–2023
    matt:
      - {indikator: N15813, maltyp: minst_liknande}
    aktiviteter:
      - {aktivitet: Rekrytera behöriga lärare, status: försenad, ansvarig: HR-avdelningen}
  - id: G4
    titel: Andelen behöriga till yrkesprogram ska öka
    period: 2022-2024
    matt:
      - {indikator: N15428, maltyp: förbättring, antal_ar: 3}
  - id: G5
    titel: Fler lärare med legitimation än året före
    period: 2021–2023
    matt:
      - {indikator: N15813, maltyp: battre_an_forra_aret}
      - {indikator: N15008, maltyp: bättre än förra året, riktning: lägre}
  - id: G6
    titel: Högst 12,55 elever per lärare
    period: 2017–2019
    matt:
      - {indikator: N15034, maltyp: absolut, malvarde: "12,55", riktning: lägre}
    aktiviteter:
      - {aktivitet: Utred klasstorlekar, status: avförd, ansvarig: Förvaltningen}
"""

REKTORSMAL = """\
statusregel:
  malstatus: alla
mal:
  - id: R1
    titel: Furulundsskolans och dörrskolans resultat ska hålla
    period: 2024
    matt:
      - {indikator: N15505, niva: skolenhet, skolenhet: "22220002", maltyp: absolut, malvarde: 180}
      - {indikator: N15419, niva: skolenhet, skolenhet: "12345678", maltyp: absolut, malvarde: 90}
    aktiviteter:
      - {aktivitet: Kollegialt lärande i matematik, status: ej påbörjad, ansvarig: Rektor}
  - id: G1
    titel: Ett mål-id som redan finns
    period: 2024
    matt:
      - {indikator: N15505, maltyp: absolut, malvarde: 200}
"""

BROKEN_YAML = "mal:\n  - id: T1\n    titel: [oavslutad\n    period: 2024\n"

# The workbook: malstatus viktat, delvis from 80 %. X1 is met by weight (4 of 7) though not by number
# (1 of 3 measures); X2 names an unknown indicator; a Mått row names a goal the workbook lacks.
WORKBOOK = {
    "Instruktioner": [["Fyll i bladen Mål, Mått och Aktiviteter."]],
    "Mål": [
        ["id", "Titel", "Period"],
        ["X1", "Lärartäthet och resultat 2019", "2018/19"],
        ["X2", "Ett mål med fel", "2019"],
    ],
    "Mått": [
        ["Mål-id", "Indikator", "Måltyp", "Målvärde", "Riktning", "Vikt"],
        ["X1", "N15034", "absolut", "12", "lägre", "1"],
        ["X1", "N15008", "bättre än förra året", None, "lägre", "2"],
        ["X1", "N15505", "minst riket", None, None, "4"],
        ["X2", "N00000", "absolut", "50", None, None],
        ["X9", "N15505", "absolut", "200", None, None],
    ],
    "Aktiviteter": [
        ["mal_id", "aktivitet", "status", "ansvarig"],
        ["X1", "Fortbildning i bedömning", "påbörjad", "Utvecklingsenheten"],
        ["X2", "Något", "klar", "Någon"],
    ],
    "Statusregel": [["uppfyllt_fran", "delvis_fran", "malstatus"], ["100", "80", "viktat"]],
}


def write_landing(landing: Path) -> None:
    """The goals files of the shared hand-built run, oldest first (a goal id's first file wins)."""
    folder = landing / "mal"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "namndsmal_2024.yaml").write_text(NAMNDSMAL.replace("{pnr}", PNR), encoding="utf-8")
    _write_xlsx(folder / "mal_fran_excel.xlsx", WORKBOOK)
    (folder / "rektorsmal.yml").write_text(REKTORSMAL, encoding="utf-8")
    (folder / "trasig.yaml").write_text(BROKEN_YAML, encoding="utf-8")
    (folder / "anteckningar.txt").write_text("inte en målfil\n", encoding="utf-8")
    for i, name in enumerate(["namndsmal_2024.yaml", "mal_fran_excel.xlsx", "rektorsmal.yml", "trasig.yaml"]):
        os.utime(folder / name, (1_700_000_000 + i, 1_700_000_000 + i))


# Expected values, from the landing files and the shipped Kolada values -----------------------------------


def kolada() -> pl.DataFrame:
    from tests.shared_runs import published_values

    return published_values()


def kolada_value(values: pl.DataFrame, kpi: str, year: int, code: str = KOMMUN, gender: str = "T") -> float | None:
    rows = values.filter(
        (pl.col("kpi_id") == kpi) & (pl.col("code") == code) & (pl.col("year") == year) & (pl.col("gender") == gender)
    )
    return rows["value"][0] if rows.height else None


def similar_mean(values: pl.DataFrame, kpi: str, year: int) -> float | None:
    """The mean of Kävlinge's liknande kommuner of that year's group (2022 for 2022–2023, 2024 from 2024)."""
    from tests.shared_runs import similar_municipalities

    members = similar_municipalities(year)
    found = [v for code in members if (v := kolada_value(values, kpi, year, code)) is not None]
    return sum(found) / len(found) if found else None


def year9_units() -> dict[str, dict[str, list]]:
    """Per school unit with final grades in 2023/24: the pupils' meritvärde (those with a pass) and whether
    each pupil passed every subject — from the grades the hand-built data sets wrote."""
    from tests.handbuilt_landing import MATHS_9, NP_SCHOOL_A
    from tests.test_door_faults import DOOR_RUN_GRADES, DOOR_SCHOOL
    from tests.test_indicators_handbuilt import POINTS, PUPILS, SCHOOL_A, SCHOOL_B

    a = [expected for _, _, expected in PUPILS.values()]
    units = {
        SCHOOL_A: {"merit": [e[0] for e in a if e[1]], "all_passed": [e[2] for e in a]},
        # 12 girls all E (160) and 5 boys all C (240), every subject passed
        SCHOOL_B: {"merit": [160.0] * 12 + [240.0] * 5, "all_passed": [True] * 17},
        # one final grade each (mathematics), and a pupil with '-' (no pass, all subjects not passed)
        NP_SCHOOL_A: {
            "merit": [float(POINTS[g]) for _, g, _, _ in MATHS_9 if g in "ABCDE"],
            "all_passed": [g in "ABCDE" for _, g, _, _ in MATHS_9] + [False],
        },
        DOOR_SCHOOL: {
            "merit": [float(POINTS[g]) for _, g in DOOR_RUN_GRADES if g in "ABCDE"],
            "all_passed": [g in "ABCDE" for _, g in DOOR_RUN_GRADES],
        },
    }
    return units


def share(flags: list[bool]) -> tuple[float, int]:
    return 100 * sum(flags) / len(flags), len(flags)


def half_width_share(p: float, n: int) -> float:
    return 1.96 * math.sqrt(p * (100 - p) / n)


def half_width_mean(values: list[float]) -> float:
    return 1.96 * statistics.stdev(values) / math.sqrt(len(values))


def judge(value, target, higher: bool, kind: str, *, uppfyllt=100.0, delvis=91.0, half=None) -> tuple[str, bool]:
    """docs/goals.md, again: (status, inom_osakerheten)."""
    if value is None or target is None:
        return "kan inte mätas", False
    ratio = 100 * value / target if higher else 100 * target / value
    if kind in ("forbattring", "battre_an_forra_aret"):
        met = value > target if higher else value < target
    else:
        met = ratio >= uppfyllt
    if met:
        return "uppfyllt", False
    inside = half is not None and value - half <= target <= value + half
    if ratio >= delvis or inside:
        return "delvis uppfyllt", inside
    return "ej uppfyllt", False


def rule_status(rule: str, statuses: list[str], weights: list[float] | None = None) -> str:
    weights = weights or [1.0] * len(statuses)
    measured = [(s, w if rule == "viktat" else 1.0) for s, w in zip(statuses, weights, strict=True)]
    measured = [(s, w) for s, w in measured if s != "kan inte mätas"]
    if not measured:
        return "kan inte mätas"
    total = sum(w for _, w in measured)
    met = sum(w for s, w in measured if s == "uppfyllt")
    missed = sum(w for s, w in measured if s == "ej uppfyllt")
    if rule == "alla":
        return "uppfyllt" if met == total else "ej uppfyllt" if missed == total else "delvis uppfyllt"
    return "uppfyllt" if met > total / 2 else "ej uppfyllt" if missed > total / 2 else "delvis uppfyllt"


def expected_results() -> dict[tuple[str, int, str, int], tuple[str, bool, float | None, float | None]]:
    """(goal, measure, unit, year) → (status, inom_osakerheten, utfall, målvärde), worked out here."""
    values = kolada()
    units = year9_units()
    from tests.test_door_faults import DOOR_SCHOOL
    from tests.test_indicators_handbuilt import SCHOOL_A, SCHOOL_B

    out = {}
    # G1 — 2024, local figures. Kommun: every pupil with final grades.
    everyone = [f for u in units.values() for f in u["all_passed"]]
    p, n = share(everyone)
    out[("G1", 1, KOMMUN, 2024)] = (*judge(p, 95.0, True, "absolut", half=half_width_share(p, n)), p, 95.0)
    merit_a = units[SCHOOL_A]["merit"]
    m = sum(merit_a) / len(merit_a)
    out[("G1", 2, SCHOOL_A, 2024)] = (*judge(m, 255.0, True, "absolut", half=half_width_mean(merit_a)), m, 255.0)
    # School B's boys: 5 pupils, hidden ('..'), so it cannot be measured.
    out[("G1", 3, SCHOOL_B, 2024)] = ("kan inte mätas", False, None, 200.0)
    for code, unit in units.items():
        p, n = share(unit["all_passed"])
        out[("G1", 4, code, 2024)] = (*judge(p, 85.0, True, "absolut", half=half_width_share(p, n)), p, 85.0)
    # G2 — Kolada's figures for 2019 against riket's; none for 2020–2023; 2024 is the own computation, but
    # riket's 2024 figure is not among the shipped values: it cannot be measured.
    for measure, kpi in ((1, "N15505"), (2, "N15419")):
        for year in range(2019, 2024):
            v, riket = kolada_value(values, kpi, year), kolada_value(values, kpi, year, "0000")
            out[("G2", measure, KOMMUN, year)] = (*judge(v, riket, True, "minst_riket"), v, riket)
    everyone_merit = [v for u in units.values() for v in u["merit"]]
    out[("G2", 1, KOMMUN, 2024)] = ("kan inte mätas", False, sum(everyone_merit) / len(everyone_merit), None)
    out[("G2", 2, KOMMUN, 2024)] = ("kan inte mätas", False, share(everyone)[0], None)
    for year in (2022, 2023):
        v, similar = kolada_value(values, "N15813", year), similar_mean(values, "N15813", year)
        out[("G3", 1, KOMMUN, year)] = (*judge(v, similar, True, "minst_liknande"), v, similar)
    for year in (2022, 2023, 2024):
        v, before = kolada_value(values, "N15428", year), kolada_value(values, "N15428", year - 3)
        out[("G4", 1, KOMMUN, year)] = (*judge(v, before, True, "forbattring"), v, before)
    for year in (2021, 2022, 2023):
        v, before = kolada_value(values, "N15813", year), kolada_value(values, "N15813", year - 1)
        out[("G5", 1, KOMMUN, year)] = (*judge(v, before, True, "battre_an_forra_aret"), v, before)
        v, before = kolada_value(values, "N15008", year), kolada_value(values, "N15008", year - 1)
        out[("G5", 2, KOMMUN, year)] = (*judge(v, before, False, "battre_an_forra_aret"), v, before)
    for year in (2017, 2018, 2019):
        v = kolada_value(values, "N15034", year)
        out[("G6", 1, KOMMUN, year)] = (*judge(v, 12.55, False, "absolut"), v, 12.55)
    # The workbook (delvis from 80 %), 2019: utfall from Kolada.
    v = kolada_value(values, "N15034", 2019)
    out[("X1", 1, KOMMUN, 2019)] = (*judge(v, 12.0, False, "absolut", delvis=80.0), v, 12.0)
    v, before = kolada_value(values, "N15008", 2019), kolada_value(values, "N15008", 2018)
    out[("X1", 2, KOMMUN, 2019)] = (*judge(v, before, False, "battre_an_forra_aret", delvis=80.0), v, before)
    v, riket = kolada_value(values, "N15505", 2019), kolada_value(values, "N15505", 2019, "0000")
    out[("X1", 3, KOMMUN, 2019)] = (*judge(v, riket, True, "minst_riket", delvis=80.0), v, riket)
    # Rektorsmål (alla), 2024.
    merit_b = units[SCHOOL_B]["merit"]
    m = sum(merit_b) / len(merit_b)
    out[("R1", 1, SCHOOL_B, 2024)] = (*judge(m, 180.0, True, "absolut", half=half_width_mean(merit_b)), m, 180.0)
    p, n = share(units[DOOR_SCHOOL]["all_passed"])
    out[("R1", 2, DOOR_SCHOOL, 2024)] = (*judge(p, 90.0, True, "absolut", half=half_width_share(p, n)), p, 90.0)
    return out


def expected_goal_status(results: dict) -> dict[tuple[str, int], str]:
    """Each goal's status per year: its measures' (a measure over several units first by the same rule)."""
    rules = {"G": "flertal", "X": "viktat", "R": "alla"}
    weights = {("X1", 1): 1.0, ("X1", 2): 2.0, ("X1", 3): 4.0}
    by_measure: dict[tuple[str, int, int], list[str]] = {}
    for (goal, measure, _, year), (status, *_) in results.items():
        by_measure.setdefault((goal, year, measure), []).append(status)
    by_goal: dict[tuple[str, int], list[tuple[str, float]]] = {}
    for (goal, year, measure), statuses in sorted(by_measure.items()):
        status = rule_status(rules[goal[0]], statuses)
        by_goal.setdefault((goal, year), []).append((status, weights.get((goal, measure), 1.0)))
    return {
        key: rule_status(rules[key[0][0]], [s for s, _ in parts], [w for _, w in parts])
        for key, parts in by_goal.items()
    }


# At the door: the reader alone (no run) -----------------------------------------------------------------


def _folder(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    folder = tmp_path / "mal"
    folder.mkdir()
    for i, (name, content) in enumerate(files.items()):
        path = folder / name
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content, encoding="utf-8")
        os.utime(path, (1_700_000_000 + i, 1_700_000_000 + i))
    return folder


def _quarantine(load) -> list[tuple[str, int, str | None, str]]:
    return [(r["file"], r["line"], r["column"], r["reason"]) for r in load.quarantine.iter_rows(named=True)]


def test_a_goal_with_every_field_loads_with_the_default_rule(tmp_path):
    load = read_goal_folder(
        _folder(
            tmp_path,
            {
                "mal.yaml": "mal:\n"
                "  - id: M1\n"
                "    titel: '  Alla elever ska nå minst E  '\n"
                "    period: 2023/24–2025/26\n"
                "    mått:\n"
                "      - {indikator: SKA_FRV_TOTAL, målvärde: '5,5', maltyp: Absolut}\n"
                "      - {indikator: N15505, niva: skolenhet, skolenhet: '01234567', kon: flickor,\n"
                "         maltyp: förbättring}\n"
                "    aktiviteter:\n"
                "      - {aktivitet: Närvaroteam, status: EJ PÅBÖRJAD, ansvarig: Elevhälsan}\n"
            },
        )
    )
    assert not load.messages and load.quarantine.height == 0
    goal = load.goals.row(0, named=True)
    assert (goal["goal_id"], goal["title"], goal["period_from"], goal["period_to"]) == (
        "M1",
        "Alla elever ska nå minst E",
        2024,
        2026,
    )
    assert (goal["achieved_from_pct"], goal["partly_from_pct"], goal["goal_rule"]) == (100.0, 91.0, "flertal")
    frv, merit = load.indicators.rows(named=True)
    assert (frv["target_type"], frv["target_value"], frv["direction"], frv["level"], frv["unit_code"]) == (
        "absolut",
        5.5,
        None,
        "kommun",
        None,
    )
    # '01234567' stays text (YAML 1.1 would read an octal number); the default antal_ar is 3.
    assert (merit["unit_code"], merit["gender"], merit["years_back"]) == ("01234567", "K", goals.DEFAULT_YEARS_BACK)
    assert load.actions.row(0, named=True)["status"] == "ej påbörjad"
    assert [s.outcome for s in load.statuses] == ["loaded"]


def test_bad_goals_are_quarantined_with_file_line_and_reason_and_the_good_ones_load(tmp_path):
    text = (
        "statusregel: {delvis_fran: 80}\n"  # 1
        "mal:\n"  # 2
        "  - id: OK\n"  # 3
        "    titel: Andelen elever som känner sig trygga ska öka\n"  # 4
        "    period: 2025\n"  # 5
        "    matt:\n"  # 6
        "      - {indikator: SKA_ENK_ELEV_TRYGGHET, maltyp: battre_an_forra_aret}\n"  # 7
        "  - id: FEL\n"  # 8
        "    titel: Ett mål med fel\n"  # 9
        "    period: 2025\n"  # 10
        "    matt:\n"  # 11
        "      - indikator: N99999\n"  # 12
        "        maltyp: absolut\n"  # 13
        "        malvarde: 90\n"  # 14
        "      - indikator: N15505\n"  # 15
        "        maltyp: minst_lanet\n"  # 16
        "      - indikator: N15419\n"  # 17
        "        maltyp: absolut\n"  # 18
        "      - {indikator: SKA_FRV_TOTAL, maltyp: minst_riket}\n"  # 19
        "    aktiviteter:\n"  # 20
        "      - {aktivitet: Trygghetsvandring, status: klar, ansvarig: Rektor}\n"  # 21
    )
    load = read_goal_folder(_folder(tmp_path, {"nämndsmål.yaml": text}))
    assert list(load.goals["goal_id"]) == ["OK"] and load.goals["partly_from_pct"][0] == 80.0
    found = {(line, column): reason for _, line, column, reason in _quarantine(load)}
    assert set(found) == {(12, "indikator"), (16, "maltyp"), (17, "malvarde"), (19, "maltyp"), (21, "status")}
    assert "okänd indikator 'N99999'" in found[(12, "indikator")]
    assert "okänd måltyp 'minst_lanet'" in found[(16, "maltyp")]
    assert "målvärde saknas" in found[(17, "malvarde")]  # the line of the measure that lacks it
    assert "kräver ett nyckeltal med riket" in found[(19, "maltyp")]
    assert "okänd status 'klar'" in found[(21, "status")]
    assert all(reason.startswith(f"rad {line}: mål FEL: ") for (line, _), reason in found.items())
    assert all(f == "nämndsmål.yaml" for f, *_ in _quarantine(load))
    assert "nämndsmål.yaml, rad 12: mål FEL: okänd indikator 'N99999'" in "\n".join(load.messages)
    (status,) = load.statuses
    assert (status.outcome, status.rows_in, status.rows_loaded, status.rows_quarantined) == (
        "partly_quarantined",
        2,
        1,
        1,
    )
    assert "FEL" in status.reason


def test_an_excel_workbook_names_sheet_and_row(tmp_path):
    folder = tmp_path / "mal"
    folder.mkdir()
    sheets = {
        "Mål": [[None], ["id", "titel", "period"], ["E1", "Fler behöriga", "2024"], ["E2", "Fel", "2024"]],
        "Mått": [
            ["mal_id", "indikator", "maltyp", "malvarde"],
            ["E1", "N15436", "absolut", "90"],
            [None, None, None, None],
            ["E2", "N15436", "absolut", "nittio"],
            ["E7", "N15436", "absolut", "90"],
        ],
    }
    _write_xlsx(folder / "mal.xlsx", sheets)
    load = read_goal_folder(folder)
    assert list(load.goals["goal_id"]) == ["E1"]
    assert load.indicators.row(0, named=True)["target_value"] == 90.0
    reasons = {r for *_, r in _quarantine(load)}
    # Row numbers as Excel shows them: the empty first row and the empty row between count.
    assert "blad Mått, rad 4: mål E2: malvarde ska vara ett tal, inte 'nittio'" in reasons
    assert "blad Mått, rad 5: målet 'E7' finns inte på bladet Mål" in reasons
    assert {line for _, line, *_ in _quarantine(load)} == {4, 5}


@pytest.mark.parametrize(
    ("name", "content", "outcome", "reason"),
    [
        ("trasig.yaml", "mal:\n  - id: T1\n    titel: [oavslutad\n", "rejected", "inte giltig YAML på rad"),
        ("tom.yaml", "", "rejected", "filen är tom"),
        ("lista.yaml", "- id: M1\n", "rejected", "ska börja med fälten"),
        ("utan_mal.yaml", "statusregel: {malstatus: alla}\n", "rejected", "listan mal (målen) saknas"),
        ("stavfel.yaml", "statusregler: {}\nmal: []\n", "rejected", "rad 1: okänt fält 'statusregler'"),
        ("regel.yaml", "statusregel: {malstatus: hälften}\nmal:\n  - {id: A}\n", "rejected", "okänd regel"),
        (
            "ordning.yaml",
            "statusregel: {delvis_fran: 95, uppfyllt_fran: 90}\nmal:\n  - {id: A}\n",
            "rejected",
            "delvis_fran ≤",
        ),
        ("utf16.yaml", "mal: []".encode("utf-16"), "rejected", "UTF-8"),
        ("gammal.xls", b"\xd0\xcf\x11\xe0", "ignored", "spara som YAML (.yaml) eller Excel (.xlsx)"),
        ("bok.xlsx", b"PK\x03\x04 inte en riktig arbetsbok", "rejected", "Excel-arbetsbok"),
        ("~$bok.xlsx", b"lock", "ignored", "låsfil"),
    ],
)
def test_files_that_are_no_goals_file_are_turned_away_with_a_reason(tmp_path, name, content, outcome, reason):
    good = "mal:\n  - {id: B1, titel: Bra, period: 2024, matt: [{indikator: N15436, maltyp: minst_riket}]}\n"
    load = read_goal_folder(_folder(tmp_path, {name: content, "bra.yaml": good}))
    statuses = {s.file_name: s for s in load.statuses}
    assert statuses[name].outcome == outcome and reason in statuses[name].reason, statuses[name]
    assert statuses["bra.yaml"].outcome == "loaded" and list(load.goals["goal_id"]) == ["B1"]  # the door holds


def test_an_identical_file_is_read_once_and_a_repeated_id_is_quarantined(tmp_path):
    goal = "mal:\n  - {id: A1, titel: Mål, period: 2024, matt: [{indikator: N15436, maltyp: minst_riket}]}\n"
    other = "mal:\n  - {id: A1, titel: Annat mål, period: 2025, matt: [{indikator: N15419, maltyp: minst_riket}]}\n"
    load = read_goal_folder(_folder(tmp_path, {"a.yaml": goal, "kopia.yaml": goal, "b.yml": other}))
    statuses = {s.file_name: (s.outcome, s.reason) for s in load.statuses}
    assert statuses["kopia.yaml"] == ("identical", "identisk med a.yaml")
    assert statuses["b.yml"][0] == "partly_quarantined"
    assert list(load.goals["title"]) == ["Mål"]
    assert ("b.yml", 2, "id", "rad 2: mål A1: mål-id 'A1' finns redan i a.yaml") in _quarantine(load)


def test_text_shaped_like_a_personnummer_is_masked(tmp_path):
    text = (
        f"mal:\n  - id: P1\n    titel: Kontakt {PNR}\n    period: 2024\n"
        "    matt: [{indikator: N15436, maltyp: minst_riket}]\n"
        f"    aktiviteter: [{{aktivitet: Samtal, status: påbörjad, ansvarig: '{PNR[2:]}'}}]\n"
        f"  - {{id: P2, titel: Fel, period: 2024, matt: [{{indikator: '{PNR}', maltyp: absolut, malvarde: 1}}]}}\n"
    )
    load = read_goal_folder(_folder(tmp_path, {"mal.yaml": text}))
    assert load.goals["title"][0] == "Kontakt <maskerat>" and load.actions["responsible"][0] == "<maskerat>"
    conn = duckdb.connect()
    replace_quarantine(conn, goals.FOLDER, load.quarantine)  # the one way into raw.quarantine
    stored = conn.execute("select file, reason, raw from raw.quarantine").fetchall()
    assert len(stored) == 1 and PNR[2:] not in str(stored) and str(stored).count("<maskerat>") == 2
    assert PNR[2:] not in "\n".join(load.messages)  # nor in the run's log


# Through `skolanalys run` (the shared hand-built run) --------------------------------------------------------


def _served(handbuilt, sql: str) -> list[dict]:
    con = duckdb.connect(str(handbuilt.data / "serving.duckdb"), read_only=True)
    try:
        rows = con.execute(sql).fetchall()
        columns = [d[0] for d in con.description]
    finally:
        con.close()
    return [dict(zip(columns, row, strict=True)) for row in rows]


def test_every_target_type_gives_the_status_worked_out_by_hand(handbuilt):
    expected = expected_results()
    served = {
        (r["goal_id"], r["measure_no"], r["unit_code"], r["year"]): r
        for r in _served(handbuilt, "select * from goal_results")
    }
    assert set(served) == set(expected)
    assert {r["target_type"] for r in served.values()} == set(goals.TARGET_TYPES)
    for key, (status, inside, value, target) in expected.items():
        row = served[key]
        assert (row["status"], row["inom_osakerheten"]) == (status, inside), (key, row)
        assert row["value"] == (pytest.approx(value, abs=1e-6) if value is not None else None), key
        assert row["target_value"] == (pytest.approx(target, abs=1e-6) if target is not None else None), key
    # Every status and the uncertainty rule occur: the hand-built goals are not all alike.
    assert {s for s, *_ in expected.values()} == {"uppfyllt", "delvis uppfyllt", "ej uppfyllt", "kan inte mätas"}
    assert any(inside and status == "delvis uppfyllt" for status, inside, *_ in expected.values())


def test_what_cannot_be_measured_says_why(handbuilt):
    served = {
        (r["goal_id"], r["measure_no"], r["year"]): r
        for r in _served(handbuilt, "select * from goal_results where status = 'kan inte mätas'")
    }
    hidden = served[("G1", 3, 2024)]  # school B's 5 boys
    assert hidden["value"] is None and hidden["value_status"] == ".." and "röjandekontroll" in hidden["status_reason"]
    assert served[("G2", 1, 2024)]["status_reason"] == "rikets värde för 2024 finns inte ännu"
    assert served[("G2", 1, 2024)]["value"] is not None  # the utfall is there; riket is not yet
    assert served[("G5", 2, 2022)]["status_reason"] == "inget utfall för 2022"


def test_the_row_reads_like_an_arsredovisning(handbuilt):
    values = kolada()
    rows = {(r["goal_id"], r["year"]): r for r in _served(handbuilt, "select * from goal_results where measure_no = 1")}
    g4 = rows[("G4", 2024)]  # three years of utfall, riket and liknande kommuner beside, trend first → latest
    assert g4["value_1"] == pytest.approx(kolada_value(values, "N15428", 2023))
    assert g4["value_2"] == pytest.approx(kolada_value(values, "N15428", 2022))
    assert g4["similar_value"] == pytest.approx(similar_mean(values, "N15428", 2024))
    assert g4["riket_value"] is None  # riket's N15428 is not among the shipped values
    first, latest = kolada_value(values, "N15428", 2022), kolada_value(values, "N15428", 2024)
    assert g4["trend"] == ("förbättring" if latest > first else "försämring") and g4["trend_from_year"] == 2022
    assert (g4["target_text"], g4["reference_year"]) == ("bättre än 2021", 2021)
    assert rows[("G6", 2019)]["target_text"] == "högst 12,55"  # lower is better: the file's riktning
    assert rows[("G6", 2019)]["trend"] == "försämring"  # more pupils per teacher than in 2017
    assert rows[("G1", 2024)]["target_text"] == "minst 95 %"
    assert rows[("G2", 2019)]["riket_value"] == pytest.approx(kolada_value(values, "N15505", 2019, "0000"))
    assert rows[("G1", 2024)]["topic"] == "betyg_ak9" and rows[("G4", 2024)]["topic"] == "kolada"


def test_a_goals_status_is_weighed_from_its_measures_by_the_files_rule(handbuilt):
    expected = expected_goal_status(expected_results())
    served = {(r["goal_id"], r["year"]): r for r in _served(handbuilt, "select * from goal_status")}
    assert {k: r["status"] for k, r in served.items()} == expected
    # The workbook's goal is met by weight (4 of 7), not by number (1 of 3 measures).
    assert expected[("X1", 2019)] == "uppfyllt"
    assert rule_status("flertal", ["delvis uppfyllt", "delvis uppfyllt", "uppfyllt"]) == "delvis uppfyllt"
    latest = {k[0]: k[1] for k, r in served.items() if r["is_latest_measured"]}
    assert latest == {"G1": 2024, "G2": 2019, "G3": 2023, "G4": 2024, "G5": 2023, "G6": 2019, "X1": 2019, "R1": 2024}
    assert served[("X1", 2019)]["partly_from_pct"] == 80.0 and served[("R1", 2024)]["goal_rule"] == "alla"


def test_the_door_names_bad_goals_and_files_and_loads_the_good_ones(handbuilt):
    con = duckdb.connect(str(handbuilt.data / "warehouse.duckdb"), read_only=True)
    try:
        files = {
            r[0]: r[1:]
            for r in con.execute(
                "select file_name, outcome, reason, rows_loaded, rows_quarantined from raw.landing_files "
                "where folder = 'mal'"
            ).fetchall()
        }
        quarantined = con.execute(
            "select file, line, reason from raw.quarantine where kind = 'mal' order by file, line"
        ).fetchall()
        loaded = {r[0] for r in con.execute("select goal_id from raw.goals").fetchall()}
        description = con.execute("select description from raw.goals where goal_id = 'G1'").fetchall()[0][0]
    finally:
        con.close()
    assert loaded == {"G1", "G2", "G3", "G4", "G5", "G6", "X1", "R1"}
    assert files["namndsmal_2024.yaml"] == ("loaded", None, 6, 0)
    assert files["mal_fran_excel.xlsx"][0] == "partly_quarantined" and files["mal_fran_excel.xlsx"][2:] == (1, 2)
    assert files["rektorsmal.yml"][0] == "partly_quarantined"
    assert files["trasig.yaml"][0] == "rejected" and "inte giltig YAML på rad 4" in files["trasig.yaml"][1]
    assert files["anteckningar.txt"][0] == "ignored"
    assert quarantined == [
        (
            "mal_fran_excel.xlsx",
            3,
            "blad Aktiviteter, rad 3: mål X2: okänd status 'klar' (tillåtna: ej påbörjad, påbörjad, genomförd, "
            "försenad, avförd)",
        ),
        (
            "mal_fran_excel.xlsx",
            5,
            "blad Mått, rad 5: mål X2: okänd indikator 'N00000': finns inte i indikatorkatalogen "
            "(se docs/indicators.md)",
        ),
        ("mal_fran_excel.xlsx", 6, "blad Mått, rad 6: målet 'X9' finns inte på bladet Mål"),
        ("rektorsmal.yml", 12, "rad 12: mål G1: mål-id 'G1' finns redan i namndsmal_2024.yaml"),
    ]
    assert description == "Kunskapsresultaten i årskurs 9. Ansvarig tjänsteperson <maskerat> (ska maskeras)."
    assert "mal_fran_excel.xlsx, blad Mått, rad 5: mål X2: okänd indikator 'N00000'" in handbuilt.output


def test_actions_are_served_with_their_status(handbuilt):
    actions = {(r["goal_id"], r["action_no"]): r for r in _served(handbuilt, "select * from goal_actions")}
    assert set(actions) == {("G1", 1), ("G1", 2), ("G3", 1), ("G6", 1), ("R1", 1), ("X1", 1)}
    assert [actions[("G1", i)]["status"] for i in (1, 2)] == ["påbörjad", "genomförd"]
    assert actions[("G1", 2)]["comment"] == "Startade hösten 2023"
    assert {a["status"] for a in actions.values()} == set(goals.ACTION_STATUSES)


def test_the_documented_example_and_the_demos_goals_file_load_without_a_problem(tmp_path):
    from skolanalys.synth.goals import write_goals

    contracts = (REPO / "docs" / "contracts.md").read_text(encoding="utf-8")
    example = contracts.split("```yaml\n# mal/namndsmal_2026.yaml\n", 1)[1].split("```", 1)[0]
    load = read_goal_folder(_folder(tmp_path, {"exempel.yaml": example}))
    assert not load.messages and load.goals.height == 3 and load.indicators.height == 7
    demo = tmp_path / "demo"
    write_goals(demo, ["2023/24", "2024/25", "2025/26"])
    load = read_goal_folder(demo / "mal")
    assert not load.messages and load.goals.height >= 6
    assert set(load.indicators["target_type"]) == set(goals.TARGET_TYPES)
    assert set(load.actions["status"]) == set(goals.ACTION_STATUSES)
    assert set(load.goals["period_from"]) == {2024} and set(load.goals["period_to"]) == {2026}


def test_the_served_goal_tables_have_their_documented_columns(handbuilt):
    import yaml

    marts = REPO / "dbt" / "models" / "marts" / "goals" / "_marts_goals__models.yml"
    documented = {m["name"]: [c["name"] for c in m["columns"]] for m in yaml.safe_load(marts.read_text())["models"]}
    con = duckdb.connect(str(handbuilt.data / "serving.duckdb"), read_only=True)
    try:
        for table, columns in documented.items():
            assert [d[0] for d in con.execute(f"select * from {table} limit 0").description] == columns, table
    finally:
        con.close()
