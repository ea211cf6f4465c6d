"""The synthetic municipality generator: determinism, the landing contract, and planted realism (preset liten)."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
from pathlib import Path

import polars as pl
import pytest

from skolanalys.synth import PRESETS, generate
from sources.personnummer import gender_from_personnummer, normalise
from tests.conftest import CONTRACT_COLUMNS

SEED = 7
POINTS = {"A": 20.0, "B": 17.5, "C": 15.0, "D": 12.5, "E": 10.0, "F": 0.0, "-": 0.0}


def decode(raw: bytes) -> tuple[str, str]:
    """(text, encoding) the way the contract allows: UTF-8 with or without BOM, else cp1252."""
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252"), "cp1252"


def read(path: Path) -> pl.DataFrame:
    raw = path.read_bytes()
    if path.name.endswith(".gz"):
        raw = gzip.decompress(raw)
    text, _ = decode(raw)
    header = text.split("\n", 1)[0]
    separator = ";" if ";" in header else ","
    return pl.read_csv(io.BytesIO(text.encode()), separator=separator, infer_schema=False)


def read_kind(landing: Path, kind: str) -> pl.DataFrame:
    files = [f for f in sorted((landing / kind).iterdir()) if not f.name.endswith("_fragor.csv")]
    return pl.concat([read(f) for f in files], how="diagonal")


def with_pnr(df: pl.DataFrame) -> pl.DataFrame:
    lookup = {v: normalise(v, 2026) for v in df["personnummer"].unique().to_list()}
    return df.with_columns(pnr=pl.col("personnummer").replace_strict(lookup))


def meritvarde(grades: dict[str, str]) -> float:
    """Domain.md: 16 best subjects (SV or SVA, the better if both), plus M2 as the 17th when E or better."""
    pts = {subject: POINTS[g] for subject, g in grades.items()}
    if "SV" in pts and "SVA" in pts:
        pts.pop("SV" if pts["SV"] < pts["SVA"] else "SVA")
    m2 = pts.pop("M2", 0.0)
    return sum(sorted(pts.values(), reverse=True)[:16]) + (m2 if m2 >= 10 else 0.0)


def file_hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    root = tmp_path_factory.mktemp("liten")
    summary = generate("liten", SEED, root / "landing", root / "truth" / "truth.json")
    return root / "landing", root / "truth" / "truth.json", summary


@pytest.fixture(scope="module")
def covid_town(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("liten_2021")
    generate("liten", SEED + 100, root / "landing", root / "truth.json", last_school_year="2021/22")
    return root / "landing"


def test_presets_exist() -> None:
    assert {"liten", "kavlinge", "storstad"} <= set(PRESETS)


def test_same_seed_gives_identical_files(town, tmp_path: Path) -> None:
    landing, _, summary = town
    generate("liten", SEED, tmp_path / "again", tmp_path / "truth.json")
    assert file_hashes(tmp_path / "again") == file_hashes(landing)
    assert summary["rows"]["franvaro"] > 100_000 and set(summary["rows"]) == set(CONTRACT_COLUMNS) - {"fragor"}


def test_every_file_has_the_contract_columns(town) -> None:
    landing, _, summary = town
    for rel in summary["files"]:
        kind = "fragor" if rel.endswith("_fragor.csv") else rel.split("/")[0]
        df = read(landing / rel)
        assert df.height > 0, rel
        assert set(CONTRACT_COLUMNS[kind]) <= set(df.columns), rel  # the published columns (tests/conftest.py)
    assert all(f.endswith(".csv.gz") for f in summary["files"] if f.startswith("franvaro/"))


def test_value_formats(town) -> None:
    landing, _, _ = town
    el = read_kind(landing, "elever")
    assert el["lasar"].str.contains(r"^\d{4}/\d{2}$").all()
    assert el["skolenhetskod"].str.contains(r"^\d{8}$").all()
    assert set(el["arskurs"]) == {"F", *map(str, range(1, 10))}
    assert set(el["kon"].drop_nulls()) <= {"Flicka", "Pojke", "K", "M"} and el["kon"].null_count() > 0
    assert set(el["foraldrars_utbildningsniva"].drop_nulls()) == {"1", "2", "3"}
    assert el["ankomstdatum_sverige"].drop_nulls().str.contains(r"^\d{4}-\d{2}-\d{2}$").all()

    bet = read_kind(landing, "betyg")
    assert set(bet["betyg"]) <= set(POINTS) and "-" in set(bet["betyg"])
    assert set(bet["termin"]) == {"HT", "VT"} and set(bet["arskurs"]) == {"6", "7", "8", "9"}
    final = bet.filter(pl.col("betygstyp") == "slutbetyg")
    assert set(final["termin"]) == {"VT"} and set(final["arskurs"]) == {"9"}
    # In VT åk 9 the pupil gets final grades instead of a term grade.
    assert bet.filter(
        (pl.col("arskurs") == "9") & (pl.col("termin") == "VT") & (pl.col("betygstyp") != "slutbetyg")
    ).is_empty()
    assert bet.filter(pl.col("amne").is_in(["M2", "ML"]))["sprak"].null_count() == 0

    nat = read_kind(landing, "nationella_prov")
    assert set(nat.filter(pl.col("arskurs") == "3")["provbetyg"]) == {"G", "EG"}
    assert set(nat.filter(pl.col("arskurs") != "3")["provbetyg"]) <= set("ABCDEF")

    att = read_kind(landing, "franvaro").with_columns(pl.col("schemalagd_tid_min", "franvaro_min").cast(pl.Int32))
    assert att["lektion_start"].str.contains(r"^\d{2}:\d{2}$").all()
    assert att["schemalagd_tid_min"].is_between(40, 80).all()
    assert (att["franvaro_min"] <= att["schemalagd_tid_min"]).all() and (att["franvaro_min"] >= 0).all()
    assert (att["franvarotyp"].is_null() == (att["franvaro_min"] == 0)).all()
    assert set(att["franvarotyp"].drop_nulls()) == {"giltig", "ogiltig"}
    days = att["datum"].str.to_date()
    assert (days.dt.weekday() <= 5).all() and not days.dt.month().is_in([7]).any()
    reported = (att["rapporterad"] == "ja").mean()
    assert 0.9 < reported < 1.0
    assert att.filter(pl.col("rapporterad") == "nej")["franvaro_min"].max() == 0
    share = att.group_by("personnummer").agg(s=pl.col("franvaro_min").sum() / pl.col("schemalagd_tid_min").sum())
    assert 0.03 < share["s"].median() < 0.1 and (share["s"] > 0.15).any()

    answers = read_kind(landing, "enkater").with_columns(pl.col("svar").cast(pl.Int32))
    catalogues = pl.concat([read(f) for f in sorted((landing / "enkater").glob("*_fragor.csv"))])
    scale = dict(catalogues.select("fraga_id", pl.col("skala_max").cast(pl.Int32)).unique().iter_rows())
    ok = answers.drop_nulls("svar").with_columns(mx=pl.col("fraga_id").replace_strict(scale))
    assert ((ok["svar"] >= 1) & (ok["svar"] <= ok["mx"])).all() and answers["svar"].null_count() > 0
    assert set(catalogues["omrade"]) == {"trygghet", "studiero", "trivsel", "delaktighet"}
    assert set(catalogues["omvand"]) == {"ja", "nej"} and set(scale.values()) == {4, 5}
    per_survey = answers.group_by("enkat").agg(pl.col("respondent_id").n_unique(), n=pl.len())
    assert per_survey.height == 6
    # No respondent id is ten or twelve bare digits: the door would take it for a personnummer and drop its answers.
    assert not answers["respondent_id"].str.contains(r"^[0-9]{10}([0-9]{2})?$").any()


def test_personnummer_valid_consistent_and_fit_the_cohort(town) -> None:
    landing, _, _ = town
    el = with_pnr(read_kind(landing, "elever"))  # raises if any number is not Luhn-valid
    forms = el["personnummer"].str.len_chars().value_counts()
    assert set(forms["personnummer"]) == {11, 12, 13}  # YYMMDD-NNNN, 12 digits, YYYYMMDD-NNNN
    birth_year = el["pnr"].str.slice(0, 4).cast(pl.Int32)
    autumn = el["lasar"].str.slice(0, 4).cast(pl.Int32)
    grade = el["arskurs"].replace("F", "0").cast(pl.Int32)
    assert (birth_year == autumn - 6 - grade).all()  # åk 9 in 2023/24 are born 2008
    gender = el.drop_nulls("kon").select("pnr", "kon")
    assert all(gender_from_personnummer(p) == {"Flicka": "K", "Pojke": "M"}.get(k, k) for p, k in gender.iter_rows())
    assert el.group_by("pnr", "lasar").len()["len"].max() == 1
    assert el.group_by("pnr").agg(pl.col("skolenhetskod").n_unique())["skolenhetskod"].max() > 1  # movers

    enrolled = el.select("pnr", "lasar", "skolenhetskod")
    for kind in ("betyg", "nationella_prov", "bedomningar"):
        df = with_pnr(read_kind(landing, kind))
        assert df.join(enrolled, on=["pnr", "lasar", "skolenhetskod"], how="anti").is_empty(), kind
    att = with_pnr(read_kind(landing, "franvaro").select("personnummer", "skolenhetskod").unique())
    latest = enrolled.filter(pl.col("lasar") == el["lasar"].max())
    assert att.join(latest, on=["pnr", "skolenhetskod"], how="anti").is_empty()


def test_girls_ahead_of_boys_in_final_grades(town, tmp_path: Path) -> None:
    # One liten has ~100 pupils in åk 9 a year: pool a few seeds to see a 20-point gap through the noise.
    landings = [town[0]]
    for seed in range(SEED + 1, SEED + 7):
        generate("liten", seed, tmp_path / str(seed), tmp_path / f"truth_{seed}.json")
        landings.append(tmp_path / str(seed))
    merits = []
    for landing in landings:
        final = with_pnr(read_kind(landing, "betyg")).filter(pl.col("betygstyp") == "slutbetyg")
        for (pnr,), rows in final.group_by(["pnr"]):
            grades = dict(zip(rows["amne"], rows["betyg"], strict=True))
            if any(POINTS[g] >= 10 for g in grades.values()):  # Skolverket's denominator
                merits.append((gender_from_personnummer(pnr), meritvarde(grades)))
    girls = [m for g, m in merits if g == "K"]
    boys = [m for g, m in merits if g == "M"]
    assert len(girls) > 200 and len(boys) > 200
    assert sum(girls) / len(girls) > sum(boys) / len(boys)
    assert 180 < sum(m for _, m in merits) / len(merits) < 290


def test_teacher_assessments_every_pupil_twice_a_year_consistent_with_grades(town) -> None:
    landing, _, _ = town
    words = {"Inte godtagbara kunskaper": "1", "Godtagbara kunskaper": "2", "Mer än godtagbara kunskaper": "3"}
    raw = read_kind(landing, "bedomningar")
    assert set(raw["bedomning"]) == {"1", "2", "3", *words}  # the oldest year's export writes words
    assert set(raw["tillfalle"]) == {"oktober", "mars", "Oktober", "Mars"}
    bed = with_pnr(raw).with_columns(
        pl.col("bedomning").replace(words).cast(pl.Int8), pl.col("tillfalle").str.to_lowercase()
    )
    assert set(bed["arskurs"]) == set(map(str, range(1, 10)))
    assert set(bed["amne"]) == {"SV", "SVA", "MA", "EN"}
    assert bed.group_by("pnr", "lasar", "tillfalle", "amne").len()["len"].max() == 1
    # Every pupil in åk 1–9 is assessed in SV or SVA, MA and EN at both occasions (bar a few just arrived).
    el = with_pnr(read_kind(landing, "elever")).filter(pl.col("arskurs") != "F")
    expected = el.height * 2 * 3
    assert 0.99 * expected <= bed.height <= expected
    shares = bed["bedomning"].value_counts(normalize=True)
    share = dict(zip(shares["bedomning"], shares["proportion"], strict=True))
    assert 0.04 < share[1] < 0.18 and 0.2 < share[3] < 0.45, share  # liten is small: wide bounds
    # A pupil assessed 'inte godtagbara' in MA in åk 5 is far more likely to get F in MA in åk 6.
    ma5 = bed.filter((pl.col("amne") == "MA") & (pl.col("arskurs") == "5") & (pl.col("tillfalle") == "mars"))
    ma6 = with_pnr(read_kind(landing, "betyg")).filter(
        (pl.col("amne") == "MA") & (pl.col("arskurs") == "6") & (pl.col("termin") == "VT")
    )
    both = ma5.join(ma6, on="pnr").with_columns(f=pl.col("betyg") == "F")
    f_rate = dict(both.group_by(pl.col("bedomning") == 1).agg(pl.col("f").mean()).iter_rows())
    assert both.height > 50 and f_rate[True] > 3 * f_rate[False]


def test_meritvarde_helper() -> None:
    grades = dict.fromkeys(
        ["BI", "BL", "EN", "FY", "GE", "HI", "HKK", "IDH", "KE", "MA", "MU", "RE", "SH", "SL", "TK"], "A"
    )
    assert meritvarde({**grades, "SV": "A", "M2": "A"}) == 340
    assert meritvarde({**grades, "SV": "A", "M2": "F"}) == 320
    assert meritvarde({**grades, "SVA": "C", "ML": "A", "M2": "E"}) == 330  # ML among the 16, SVA dropped


def test_no_national_tests_in_spring_2020_and_2021(covid_town) -> None:
    nat = read_kind(covid_town, "nationella_prov")
    assert set(nat["lasar"]) == {"2021/22"}
    bet = read_kind(covid_town, "betyg")
    assert {"2019/20", "2020/21", "2021/22"} == set(bet["lasar"])  # grades were given as usual


def test_truth_file_outside_landing_with_planted_effects(town, tmp_path: Path) -> None:
    landing, truth_path, summary = town
    assert truth_path.exists() and not truth_path.resolve().is_relative_to(landing.resolve())
    assert not list(landing.rglob("*.json"))
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    assert truth["seed"] == SEED and truth["preset"] == "liten"
    codes = set(read_kind(landing, "elever")["skolenhetskod"])
    assert {s["skolenhetskod"] for s in truth["schools"]} == codes
    assert all(isinstance(s["planted_effect_meritvarde"], float) for s in truth["schools"])
    assert {"cuts", "girl", "parent_education", "points_per_latent"} <= set(truth["model"])
    assert sorted(truth["files"]) == sorted(summary["files"])
    with pytest.raises(ValueError):
        generate("liten", SEED, tmp_path / "landing", tmp_path / "landing" / "truth.json")


def test_some_files_are_cp1252(town) -> None:
    landing, _, summary = town
    encodings = {}
    for rel in summary["files"]:
        if not rel.endswith(".gz"):
            text, encodings[rel] = decode((landing / rel).read_bytes())
            if encodings[rel] == "cp1252":
                assert re.search("[åäöÅÄÖ]", text), rel
    cp1252 = {rel.split("/")[0] for rel, enc in encodings.items() if enc == "cp1252"}
    assert {"elever", "betyg"} <= cp1252
    assert any((landing / rel).read_bytes().startswith(b"\xef\xbb\xbf") for rel in summary["files"])
