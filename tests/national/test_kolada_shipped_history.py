"""The shipped Kolada history (sources/reference/kolada): three publications combined, the newest winning, so
that riket and every municipality are there for as many years as the real data go — checked against the
files read here, independently of the readers, and against figures published elsewhere (stated below with
their source); and the liknande-kommuner groups of each vintage, 2022 and 2024, for any municipality.

Published figures used as expectations:
- MANIFEST of the shared real data (staging checks): Kolada N15505 T for Kävlinge 1261 is 229.9–247.0 over
  2015–2022, riket 217.7–226.8.
- Skolverket, SIRIS "Grundskola – Jämförelse av betygsresultat över tid 2025 Kommun_Åk9.xlsx", sheet
  Kommunal, Kävlinge: genomsnittligt meritvärde (17 ämnen), andel godkänt i alla ämnen and andel behöriga
  till yrkesprogram 2016/17–2021/22 — the same measures as Kolada's N15505, N15419 and N15436 (T).
"""

from __future__ import annotations

import gc
import json
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest
from dagster_duckdb import DuckDBResource

from pipelines import folder_loads
from pipelines.assets import national as national_assets
from pipelines.assets.national import SHIPPED_STATE_KEY, kolada_kpi_config, kolada_municipality_groups, kolada_values
from pipelines.resources import LandingConfig, NationalSources
from sources.national import kolada_api
from sources.national.kolada_files import read_kolada_ddf_values, read_shipped_municipality_groups
from sources.national.kolada_history import CELL_KEY, SHIPPED_ORIGIN, shipped_values

try:
    from tests.national.fake_servers import FakeNationalServer
except ImportError:  # tests/ is not a package: pytest puts this folder on sys.path instead
    from fake_servers import FakeNationalServer

KOLADA = Path(__file__).resolve().parents[2] / "sources" / "reference" / "kolada"
PARQUET = KOLADA / "kolada_values_2010_2024.parquet"
DUMP = KOLADA / "kolada_grundskola_values_1995_2022_from_ddf_dump.parquet"
GROUPS = {year: KOLADA / f"liknande_kommuner_grundskola_{year}_all.json" for year in (2022, 2024)}
CONFIGURED = [k.id for k in kolada_api.load_kpi_config()]
KAVLINGE = "1261"

# SIRIS, sheet Kommunal, Kävlinge (see the module docstring): year the school year ends -> figure.
SIRIS_KAVLINGE = {
    "N15505": {2017: 231.2, 2018: 247.0, 2019: 240.0, 2020: 241.1, 2021: 235.5, 2022: 244.2},
    "N15419": {2017: 81.3, 2018: 90.3, 2019: 85.4, 2020: 83.6, 2021: 80.6, 2022: 85.1},
    "N15436": {2017: 88.5, 2018: 94.7, 2019: 90.2, 2020: 92.2, 2021: 88.9, 2022: 90.7},
}


@pytest.fixture(scope="module")
def shipped():
    return shipped_values(CONFIGURED)


def _files_sql(sql: str) -> list[tuple]:
    """SQL over the shipped files as they are, without the project's readers."""
    dump = f"(select kpi, municipality_id, cast(year as integer) as year, gender, value from '{DUMP}')"
    return duckdb.sql(sql.replace("PARQUET", f"'{PARQUET}'").replace("DUMP", dump)).fetchall()


def _configured_sql() -> str:
    return "(" + ", ".join(f"'{k}'" for k in CONFIGURED) + ")"


def _cell(values: pl.DataFrame, kpi: str, code: str, year: int, gender: str = "T") -> tuple:
    found = values.filter(
        pl.col("kpi_id") == kpi, pl.col("municipality_code") == code, pl.col("year") == year, pl.col("gender") == gender
    )
    assert found.height == 1, (kpi, code, year, gender)
    return found.select("value", "status").row(0)


# The values ------------------------------------------------------------------------------------------------


def test_every_file_is_accounted_for_and_each_cell_comes_once(shipped):
    values, files = shipped
    names = [f.result.source_file.name for f in files]
    assert names == [PARQUET.name, DUMP.name, "oj_grundskola_2016_2019_by_municipality.json"]  # newest first
    [(parquet_rows,)] = _files_sql("select count(*) from PARQUET")
    [(dump_rows,)] = _files_sql("select count(*) from DUMP")
    assert [f.result.rows_in for f in files[:2]] == [parquet_rows, dump_rows] == [138_910, 887_078]
    for f in files:
        assert f.result.balanced and f.result.quarantine.is_empty(), f.result.source_file.name
    assert sum(f.used for f in files) == values.height
    assert values.select(CELL_KEY).is_duplicated().sum() == 0
    assert set(values["kpi_id"]) <= set(CONFIGURED)
    # Riket and the 290 municipalities; the dump's 21 regions (00xx) are left out, as from the API.
    names_by_code = json.loads((KOLADA / "oj_grundskola_municipalities.txt").read_text(encoding="utf-8"))
    municipalities = {c for c in names_by_code if not c.startswith("00")}
    assert len(municipalities) == 290
    assert set(values["municipality_code"]) == municipalities | {"0000"}


def test_the_newer_file_wins_and_the_dump_adds_what_it_lacks(shipped):
    values, files = shipped
    # Every configured cell of the 2010–2024 file is served as it is there, status included.
    parquet = _files_sql(
        f"select kpi, municipality_id, year, gender, value, coalesce(status, '') from PARQUET "
        f"where kpi in {_configured_sql()}"
    )
    assert files[0].used == len(parquet) > 15_000
    got = {tuple(r[:4]): r[4:6] for r in values.select(*CELL_KEY, "value", "status").iter_rows()}
    assert all(got[tuple(r[:4])] == (r[4], r[5]) for r in parquet)
    # The dump's configured cells of riket and the municipalities that the 2010–2024 file lacks: an empty
    # value there is 'Missing' here (the dump keeps no status).
    dump = _files_sql(
        f"select kpi, municipality_id, year, gender, value from DUMP as d where kpi in {_configured_sql()} "
        "and (municipality_id = '0000' or municipality_id not like '00%') and not exists (select 1 from PARQUET "
        "as p where p.kpi = d.kpi and p.municipality_id = d.municipality_id and p.year = d.year "
        "and p.gender = d.gender)"
    )
    assert files[1].used == len(dump) > 150_000
    assert all(got[tuple(r[:4])] == ((r[4], "") if r[4] is not None else (None, "Missing")) for r in dump)


def test_the_2010_2024_file_and_the_dump_agree_on_every_configured_cell_both_hold():
    """The overlap is N15428 and N15813, 2010–2022: 13,630 cells, 13,626 with a value in both files (the
    MANIFEST's count), all equal. In the other 4 both are empty: the 2010–2024 file says why (Privacy 3,
    Missing 1), the dump does not — the newer file's status is kept."""
    rows = _files_sql(
        "select p.kpi, d.value as dump_value, p.value as value, coalesce(p.status, '') as status "
        "from DUMP as d join PARQUET as p using (kpi, municipality_id, year, gender) "
        f"where p.kpi in {_configured_sql()}"
    )
    assert len(rows) == 13_630 and {r[0] for r in rows} == {"N15428", "N15813"}
    both = [r for r in rows if r[1] is not None and r[2] is not None]
    assert len(both) == 13_626
    assert [r for r in both if r[1] != r[2]] == []  # not a single difference
    empty = sorted(r[3] for r in rows if r[1] is None or r[2] is None)
    assert empty == ["Missing", "Privacy", "Privacy", "Privacy"]
    assert all(r[1] is None and r[2] is None for r in rows if r[3])


def test_the_dump_revises_the_older_oj_files_where_they_differ(shipped):
    """The Öppna jämförelser files (Kolada v2, collected years before the dump) and the dump share 20,691
    configured cells; riket agrees in all 71. The dump differs in 969 — Kolada's later publication: 963 values
    withdrawn (N15436 2017–2019, N15485 and N15488 2017–2018), 4 values added (municipality 2425, N15505 and
    N15419 2019), 2 revised (N15008 2019, kostnad). The dump's version is the one shipped."""
    values, _ = shipped
    by_name = json.loads((KOLADA / "oj_grundskola_2016_2019_by_municipality.json").read_text(encoding="utf-8"))
    riket = json.loads((KOLADA / "oj_grundskola_2016_2019_riket.json").read_text(encoding="utf-8"))
    codes = {n: c for c, n in json.loads((KOLADA / "oj_grundskola_municipalities.txt").read_text("utf-8")).items()}
    oj = {
        (kpi, code, int(year), gender): value
        for code, tree in [*((codes[n], t) for n, t in by_name.items()), ("0000", riket)]
        for kpi, years in tree.items()
        if kpi in CONFIGURED
        for year, genders in years.items()
        for gender, value in genders.items()
    }
    sql = f"select kpi, municipality_id, year, gender, value from DUMP where kpi in {_configured_sql()}"
    dump = {tuple(r[:4]): r[4] for r in _files_sql(sql)}
    shared = oj.keys() & dump.keys()
    assert len(shared) == 20_691
    assert all(oj[k] == dump[k] for k in shared if k[1] == "0000") and sum(k[1] == "0000" for k in shared) == 71
    differ = {k for k in shared if oj[k] != dump[k]}
    withdrawn = {k for k in differ if dump[k] is None}
    added = {k for k in differ if oj[k] is None}
    revised = differ - withdrawn - added
    assert (len(differ), len(withdrawn), len(added), len(revised)) == (969, 963, 4, 2)
    withdrawn_years = {"N15436": {2017, 2018, 2019}, "N15485": {2017, 2018}, "N15488": {2017, 2018}}
    assert {(k[0], k[2]) for k in withdrawn} == {(kpi, y) for kpi, ys in withdrawn_years.items() for y in ys}
    assert {(k[0], k[1], k[2]) for k in added} == {("N15505", "2425", 2019), ("N15419", "2425", 2019)}
    assert {(k[0], k[2]) for k in revised} == {("N15008", 2019)}
    for k in sorted(differ):
        assert _cell(values, *k) == ((dump[k], "") if dump[k] is not None else (None, "Missing")), k


def test_meritvarde_of_kavlinge_and_riket_as_published(shipped):
    values, _ = shipped
    years = range(2015, 2023)
    kavlinge = [_cell(values, "N15505", KAVLINGE, y) for y in years]
    riket = [_cell(values, "N15505", "0000", y) for y in years]
    assert all(status == "" for _, status in kavlinge + riket)
    # The MANIFEST's stated ranges, 2015–2022, reached at both ends.
    assert (min(v for v, _ in kavlinge), max(v for v, _ in kavlinge)) == (229.9, 247.0)
    assert (min(v for v, _ in riket), max(v for v, _ in riket)) == (217.7, 226.8)
    # 2022, the latest year of the dump: Kävlinge as SIRIS published it, riket within the range.
    assert _cell(values, "N15505", KAVLINGE, 2022) == (244.2, "")
    assert 217.7 <= _cell(values, "N15505", "0000", 2022)[0] <= 226.8
    # Kävlinge's kommunal results 2017–2022 equal Skolverket's SIRIS figures, measure by measure.
    for kpi, by_year in SIRIS_KAVLINGE.items():
        assert {y: _cell(values, kpi, KAVLINGE, y)[0] for y in by_year} == by_year, kpi


def test_the_dump_reader_marks_empty_values_missing_and_quarantines_broken_rows(tmp_path):
    rows = [
        ("N15505", "0000", 2022, "T", 224.2),
        ("N15505", "1261", 2022, "K", float("nan")),  # pandas' empty value
        ("N15505", "1261", 2022, "M", None),
        ("N15505", "126", 2022, "T", 1.0),
        ("N15505", "1261", 2022, "X", 1.0),
        ("N15505", "0000", 2022, "T", 224.2),
    ]
    path = tmp_path / "dump.parquet"
    pl.DataFrame(rows, schema=["kpi", "municipality_id", "year", "gender", "value"], orient="row").with_columns(
        pl.col("year").cast(pl.Int16)
    ).write_parquet(path)
    result = read_kolada_ddf_values(path)
    assert result.balanced and result.rows_in == 6
    assert result.rows.select("municipality_code", "gender", "value", "status", "count").rows() == [
        ("0000", "T", 224.2, "", None),
        ("1261", "K", None, "Missing", None),
        ("1261", "M", None, "Missing", None),
    ]
    assert dict(result.quarantine.select("line", "reason").iter_rows()) == {
        4: "kommunkod ej 4 siffror",
        5: "kön ej T/K/M",
        6: "dubblett av kpi, kommun, år och kön",
    }


def test_riket_is_there_for_every_year_the_dump_has_it(shipped):
    values, _ = shipped
    dump = _files_sql(
        f"select kpi, year from DUMP where municipality_id = '0000' and gender = 'T' and value is not null "
        f"and kpi in {_configured_sql()}"
    )
    riket = values.filter(pl.col("municipality_code") == "0000", pl.col("gender") == "T", pl.col("status") == "")
    assert set(riket.select("kpi_id", "year").iter_rows()) == set(dump)
    years = {kpi: sorted(y for k, y in dump if k == kpi) for kpi in {k for k, _ in dump}}
    assert years["N15505"] == list(range(2015, 2023))  # before: 2016–2019 only (the ÖJ files)
    assert years["N15419"] == years["N15436"] == years["N15428"] == list(range(1998, 2023))
    assert years["N15813"] == list(range(2015, 2023))
    assert len(years) == 18  # every configured KPI with riket in the dump; none has it in the 2010–2024 file


# The groups ------------------------------------------------------------------------------------------------


def _members(year: int, home: str) -> list[tuple[str, str]]:
    groups = json.loads(GROUPS[year].read_text(encoding="utf-8"))
    [group] = [g for g in groups.values() if g["title"] == f"Liknande kommuner grundskola, {home}, {year}"]
    return [tuple(m) for m in group["members"]]


def test_every_municipalitys_group_of_2022_and_of_2024():
    results = read_shipped_municipality_groups()
    assert [r.source_file for r in results] == [GROUPS[2022], GROUPS[2024]]
    for year, result in zip((2022, 2024), results, strict=True):
        assert result.balanced and result.quarantine.is_empty()
        assert result.rows.height == 290 * 7 and set(result.rows["year"]) == {year}
        assert result.rows["municipality_code"].n_unique() == 290
        kavlinge = result.rows.filter(pl.col("municipality_code") == KAVLINGE)
        assert set(kavlinge["group_id"]) == {"G35976"}
        assert kavlinge.select("member_code", "member_name").rows() == _members(year, "Kävlinge")
    # Kolada revised the group: Värmdö and Upplands-Bro in 2022, Danderyd and Kumla in their place in 2024.
    assert {"0120", "0139"} <= {c for c, _ in _members(2022, "Kävlinge")}
    assert not {"0120", "0139"} & {c for c, _ in _members(2024, "Kävlinge")}
    assert {"0162", "1881"} <= {c for c, _ in _members(2024, "Kävlinge")}


# The assets: a new warehouse, offline, and what it holds later ---------------------------------------------


def _materialize(database: Path, kommunkod: str, national: NationalSources | None = None) -> list[str]:
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize(
        [kolada_kpi_config, kolada_values, kolada_municipality_groups],
        resources={
            "national": national or NationalSources(offline=True),
            "landing": LandingConfig(
                landing_dir=str(database.parent), pseudonym_key="not-used-by-these-assets", kommunkod=kommunkod
            ),
            "warehouse": DuckDBResource(database=str(database)),
        },
        instance=instance,
    )
    assert result.success
    return [e.user_message for e in instance.all_logs(result.run_id)]


def _sql(database: Path, sql: str, params=()) -> list[tuple]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def offline_warehouse(tmp_path_factory, shipped):
    """A new warehouse for Umeå (2480), offline: the shipped values and Umeå's groups."""
    database = tmp_path_factory.mktemp("kolada_offline") / "warehouse.duckdb"
    messages = _materialize(database, "2480")
    return database, messages


def test_a_new_warehouse_offline_holds_the_shipped_values_with_their_accounting(offline_warehouse, shipped):
    database, messages = offline_warehouse
    values, files = shipped
    [(n, origins)] = _sql(database, "select count(*), list(distinct origin) from kolada.values")
    assert n == values.height and origins == [SHIPPED_ORIGIN]
    [(riket,)] = _sql(
        database,
        "select value from kolada.values where kpi_id = 'N15505' and municipality_code = '0000' "
        "and year = 2022 and gender = 'T'",
    )
    assert 217.7 <= riket <= 226.8
    [line] = [m for m in messages if "medföljande publicerade värdena" in m]
    for f in files:
        r = f.result
        assert f"{r.source_file.name}: {r.rows_in} in, {r.rows.height} laddade, 0 i karantän, {f.used} används" in line
    assert "0 avvisade" in line  # every shipped value is within its KPI's range


def test_a_new_warehouse_offline_holds_the_configured_municipalitys_groups_of_each_year(offline_warehouse):
    database, _ = offline_warehouse
    held = _sql(
        database,
        "select year, group_id, home_code, member_code, member_name from kolada.municipality_groups order by all",
    )
    expected = sorted(
        (year, gid, "2480", code, name)
        for year in (2022, 2024)
        for gid, g in json.loads(GROUPS[year].read_text(encoding="utf-8")).items()
        if g["title"] == f"Liknande kommuner grundskola, Umeå, {year}"
        for code, name in g["members"]
    )
    assert len(expected) == 14 and held == expected


def test_the_shipped_files_are_read_again_only_when_they_or_their_readers_change(
    offline_warehouse, tmp_path, monkeypatch
):
    """A nightly offline run costs what is new: with the same shipped files, KPI list and readers as when the
    warehouse last held them, they are not read again; another file (here: one more in the set) reads them."""
    database, _ = offline_warehouse
    copy = tmp_path / "warehouse.duckdb"
    copy.write_bytes(database.read_bytes())
    before = _sql(copy, "select count(*), sum(hash(kpi_id, municipality_code, year, gender, value)) from kolada.values")

    def unread(*args, **kwargs):
        raise AssertionError("the shipped files were read again")

    monkeypatch.setattr(national_assets, "shipped_values", unread)
    _materialize(copy, "2480")  # the same files: nothing read

    extra = tmp_path / "kolada_release_note.txt"
    extra.write_text("en ny utgåva", encoding="utf-8")
    monkeypatch.setattr(national_assets, "SHIPPED_FILES", (*national_assets.SHIPPED_FILES, extra))
    with pytest.raises(AssertionError, match="read again"):
        _materialize(copy, "2480")
    gc.collect()  # the failed step's connection goes with its traceback (dagster-duckdb leaves it open on an error)
    monkeypatch.setattr(national_assets, "shipped_values", shipped_values)
    _materialize(copy, "2480")  # read again, found the same values: nothing written
    assert (
        _sql(copy, "select count(*), sum(hash(kpi_id, municipality_code, year, gender, value)) from kolada.values")
        == before
    )
    monkeypatch.setattr(national_assets, "shipped_values", unread)
    _materialize(copy, "2480")  # and held against the new set of files


def test_a_second_offline_run_writes_nothing_new(offline_warehouse, tmp_path):
    database, _ = offline_warehouse
    copy = tmp_path / "warehouse.duckdb"
    copy.write_bytes(database.read_bytes())
    fingerprint = "select count(*), sum(hash(kpi_id, municipality_code, year, gender, value)) from kolada.values"
    before = _sql(copy, fingerprint)
    oks = _sql(copy, "select count(*) from national.fetch_log where source = 'kolada' and ok")
    _materialize(copy, "2480")
    assert _sql(copy, fingerprint) == before
    assert _sql(copy, "select count(*) from national.fetch_log where source = 'kolada' and ok") == oks


def test_a_warehouse_on_older_shipped_values_gets_the_current_ones(offline_warehouse, tmp_path, shipped):
    """A warehouse that has only ever held shipped values (here: an older release's — without the dump's
    years before 2010, with a KPI no longer configured, held against that release's files) gets the current
    shipped set; one that has reached Kolada keeps exactly what it holds."""
    values, _ = shipped
    database, _ = offline_warehouse
    older, fetched = tmp_path / "older.duckdb", tmp_path / "fetched.duckdb"
    for path in (older, fetched):
        path.write_bytes(database.read_bytes())
        con = duckdb.connect(str(path))
        con.execute("delete from kolada.values where year < 2010")
        con.execute(
            "insert into kolada.values values ('N09890', '1261', 2020, 'T', 1.0, '', null, timestamp '2024-12-12', ?)",
            ["api" if path == fetched else SHIPPED_ORIGIN],
        )
        # The files those values were held against were another release's.
        con.execute(
            f"update {folder_loads.STATE_TABLE} set fingerprint = 'an older release' where folder = ?",
            [SHIPPED_STATE_KEY],
        )
        assert con.execute("select count(*) from meta.folder_state where folder = ?", [SHIPPED_STATE_KEY]).fetchone()[0]
        con.close()
    held = _sql(fetched, "select count(*) from kolada.values")
    _materialize(older, "2480")
    _materialize(fetched, "2480")
    assert _sql(older, "select count(*), min(year), count(*) filter (kpi_id = 'N09890') from kolada.values") == [
        (values.height, values["year"].min(), 0)
    ]
    assert _sql(fetched, "select count(*) from kolada.values") == held


def test_kolada_s_answer_gives_its_years_and_the_held_and_shipped_vintages_the_rest(tmp_path):
    """Online: Kolada's answer is its 2024 group (here with a member the shipped file lacks), the 2022 group
    comes from the shipped file; another municipality's rows held from an earlier kommunkod go."""
    database = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(database))
    con.execute("create schema kolada")
    con.execute(
        "create table kolada.municipality_groups as select * from (values "
        "('G1', 2023, '0180', '0114', 'Upplands Väsby')) as t(group_id, year, home_code, member_code, member_name)"
    )
    con.close()
    server = FakeNationalServer()
    [kavlinge] = [g for g in server.groups if g["id"] == "G35976"]
    kavlinge["members"][0] = {"member_id": "1280", "member_title": "Malmö"}
    server.data = []
    with server:
        _materialize(database, KAVLINGE, NationalSources(kolada_url=server.kolada_url))
    held = _sql(database, "select year, member_code from kolada.municipality_groups order by all")
    api_2024 = sorted(m["member_id"] for m in kavlinge["members"])
    assert held == [(2022, c) for c, _ in sorted(_members(2022, "Kävlinge"))] + [(2024, c) for c in api_2024]
    assert "1280" in api_2024 and "1280" not in {c for c, _ in _members(2024, "Kävlinge")}
