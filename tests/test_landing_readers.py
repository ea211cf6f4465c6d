"""Landing files at the door: encodings, separators, forgiving headers, quarantine with file, line and
reason, whole-file problems as clear messages, and rows in = rows loaded + rows quarantined."""

from __future__ import annotations

import gzip
from datetime import date

import duckdb
import pytest

from sources.landing.contract import read_kind_file
from sources.landing.csvfile import LandingFileError, read_landing_csv
from sources.landing.folder import sync_folder
from sources.landing.kind_loader import KindLoader
from sources.landing.kinds import ENROLMENTS, GRADE_RECORDS, NATIONAL_TESTS, POLARS_KINDS
from tests.conftest import CONTRACT_COLUMNS, TEST_KEY, make_pnr, write_landing_csv

KEY = TEST_KEY.encode()
GRADE_HEADER = CONTRACT_COLUMNS["betyg"]


def pnr(i: int, form: str = "12-dash", female: bool = True) -> str:
    return make_pnr(date(2010, 1 + i % 12, 1 + i % 28), i, female, form)


@pytest.mark.parametrize("encoding, sep", [("utf-8-sig", ";"), ("utf-8", ";"), ("cp1252", ";"), ("utf-8", ",")])
def test_encodings_and_separators_read_alike(tmp_path, encoding, sep):
    path = write_landing_csv(
        tmp_path / "e.csv",
        ["PersonNummer", " Läsår", "Skolenhetskod ", "ÅRSKURS", "Modersmål", "Föräldrars utbildningsnivå"],
        [
            [pnr(1), "2023/24", "12345678", "7", "Svenska", "3"],
            [pnr(2), "2023/24", "12345678", "f", "Arabiska", ""],
        ],
        encoding=encoding,
        sep=sep,
    )
    result = read_kind_file(path, ENROLMENTS, KEY)
    assert result.quarantine.height == 0
    assert result.rows["mother_tongue"].to_list() == ["svenska", "arabiska"]
    assert result.rows["grade_level"].to_list() == ["7", "F"]
    assert result.rows["parent_education"].to_list() == [3, None]


def test_gzip_file_is_read_without_unpacking(tmp_path):
    plain = write_landing_csv(
        tmp_path / "e.csv",
        ["personnummer", "lasar", "skolenhetskod", "arskurs"],
        [[pnr(3), "2023/24", "12345678", "9"]],
    )
    packed = tmp_path / "e.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert read_kind_file(packed, ENROLMENTS, KEY).rows.height == 1


def test_empty_kon_is_derived_from_the_personnummer(tmp_path):
    path = write_landing_csv(
        tmp_path / "e.csv",
        ["personnummer", "lasar", "skolenhetskod", "arskurs", "kon"],
        [
            [pnr(4, female=True), "2023/24", "12345678", "9", ""],
            [pnr(5, female=False), "2023/24", "12345678", "9", ""],
            [pnr(6, female=False), "2023/24", "12345678", "9", "Flicka"],
        ],
    )
    assert read_kind_file(path, ENROLMENTS, KEY).rows["gender"].to_list() == ["K", "M", "K"]


def _wide(text: str) -> str:
    """The text with its digits full-width (U+FF10–FF19), as pasted from a PDF or a web page."""
    return "".join(chr(0xFF10 + int(c)) if c.isascii() and c.isdigit() else c for c in text)


def test_digits_of_another_script_quarantine_their_row_and_the_rest_loads(tmp_path):
    """A personnummer or a skolenhetskod in full-width digits breaks the contract's format: its row goes to
    quarantine with the reason (it once made the whole file unreadable), the other rows load."""
    path = write_landing_csv(
        tmp_path / "e.csv",
        ["personnummer", "lasar", "skolenhetskod", "arskurs"],
        [
            [pnr(30), "2023/24", "12345678", "7"],  # line 2: fine
            [_wide(pnr(31)), "2023/24", "12345678", "7"],  # 3: the personnummer
            [pnr(32), "2023/24", _wide("12345678"), "7"],  # 4: the skolenhetskod
            [pnr(33), "2023/24", "12345678", "7"],  # 5: fine
        ],
    )
    result = read_kind_file(path, ENROLMENTS, KEY)
    assert result.rows.height == 2 and result.balanced
    q = {r["line"]: r for r in result.quarantine.iter_rows(named=True)}
    assert set(q) == {3, 4}
    assert q[3]["column"] == "personnummer" and "format" in q[3]["reason"]
    assert q[4]["column"] == "skolenhetskod" and "8 siffror" in q[4]["reason"]


def test_a_first_file_whose_every_line_is_malformed_is_quarantined_whole_and_stops_nothing(tmp_path):
    """No personnummer to look up in a pass's first file: its lines go to quarantine (the lookup of no values once
    failed the whole step)."""
    folder = tmp_path / "betyg"
    write_landing_csv(folder / "a.csv", GRADE_HEADER, [["x;y"], ["1;2"]])
    conn = duckdb.connect()
    sync = sync_folder(conn, folder, KindLoader(GRADE_RECORDS, KEY, POLARS_KINDS))
    assert sync.warnings == ["a.csv: 2 av 2 rader i karantän"] and not sync.unreadable
    quarantined = conn.execute('select line, "column" from raw.quarantine order by line').fetchall()
    assert quarantined == [(2, "rad"), (3, "rad")]


def test_bad_rows_are_quarantined_with_line_and_reason_and_the_rest_loads(tmp_path):
    good = pnr(7)
    rows = [
        [good, "2023/24", "VT", "12345678", 9, "MA", "", "A", "slutbetyg"],  # line 2: fine
        ["19811218-9875", "2023/24", "VT", "12345678", 9, "MA", "", "A", "slutbetyg"],  # 3: Luhn
        [pnr(8), "2023/24", "VT", "12345678", 9, "MA", "", "G", "slutbetyg"],  # 4: unknown grade
        [pnr(9), "2023-24", "VT", "1234", 9, "XX", "", "A", "terminsbetyg"],  # 5: three problems
        [pnr(10), "2023/24", "HT", "12345678", 8, "SV", "", "B", "slutbetyg"],  # 6: slutbetyg in HT åk 8
        [good, "2023/24", "VT", "12345678", 9, "MA", "", "B", "slutbetyg"],  # 7: duplicate of line 2
        [pnr(11), "2023/24", "VT", "12345678", 9, "EN", "", "C", "terminsbetyg"],  # 8: terminsbetyg VT åk 9
        [pnr(12), "2023/24", "VT", "12345678", 8, "EN", "", "C", "terminsbetyg"],  # 9: fine (åk 8)
    ]
    path = write_landing_csv(tmp_path / "betyg.csv", GRADE_HEADER, rows)
    result = read_kind_file(path, GRADE_RECORDS, KEY)
    assert result.rows.height == 2 and result.quarantine.height == 6 and result.balanced
    q = {r["line"]: r for r in result.quarantine.iter_rows(named=True)}
    assert set(q) == {3, 4, 5, 6, 7, 8}
    assert q[3]["column"] == "personnummer" and "Luhn" in q[3]["reason"]
    assert q[4]["column"] == "betyg" and "'G'" in q[4]["reason"]
    assert all(word in q[5]["reason"] for word in ("läsår", "skolenhetskod", "ämneskod"))
    assert "slutbetyg ges bara" in q[6]["reason"]
    assert "dubblett" in q[7]["reason"] and "rad 2" in q[7]["reason"]
    assert q[8]["column"] == "betygstyp" and "ges slutbetyg, inte terminsbetyg" in q[8]["reason"]
    assert all(r["file"] == "betyg.csv" for r in q.values())
    # The raw row is kept for the data engineer, with the personnummer masked.
    assert all(r["raw"].startswith("<maskerat>;") for r in q.values())
    assert "9875" not in "".join(result.quarantine["raw"]) + "".join(result.quarantine["reason"])


def test_a_national_test_in_a_subject_its_grade_has_none_of_is_quarantined(tmp_path):
    """domain.md: åk 3 SV/SVA and MA, åk 6 SV/SVA, EN and MA, åk 9 also a science and a social-science subject."""
    rows = [
        [pnr(20), "2023/24", "12345678", 3, "MA", "G"],  # line 2: fine
        [pnr(20), "2023/24", "12345678", 3, "EN", "G"],  # 3: no English test in åk 3
        [pnr(21), "2023/24", "12345678", 6, "EN", "C"],  # 4: fine
        [pnr(21), "2023/24", "12345678", 6, "BI", "C"],  # 5: no biology test in åk 6
        [pnr(22), "2023/24", "12345678", 9, "BI", "C"],  # 6: fine
    ]
    path = write_landing_csv(tmp_path / "np.csv", CONTRACT_COLUMNS["nationella_prov"], rows)
    result = read_kind_file(path, NATIONAL_TESTS, KEY)
    q = {r["line"]: r for r in result.quarantine.iter_rows(named=True)}
    assert set(q) == {3, 5} and result.rows.height == 3 and result.balanced
    assert all(q[line]["column"] == "amne" and "i den årskursen" in q[line]["reason"] for line in q)


def test_missing_column_quarantines_every_row_and_says_which(tmp_path):
    path = write_landing_csv(
        tmp_path / "b.csv",
        [c for c in GRADE_HEADER if c != "betyg"],
        [[pnr(11), "2023/24", "VT", "12345678", 9, "MA", "", "slutbetyg"]],
    )
    result = read_kind_file(path, GRADE_RECORDS, KEY)
    assert result.rows.height == 0 and result.quarantine.height == 1 and result.balanced
    assert "kolumn saknas: betyg" in result.messages[0] and "b.csv" in result.messages[0]


def test_file_of_another_kind_in_the_wrong_folder_is_rejected_and_named(tmp_path):
    path = write_landing_csv(
        tmp_path / "elever.csv",
        ["personnummer", "lasar", "skolenhetskod", "arskurs"],
        [[pnr(12), "2023/24", "12345678", "9"]],
    )
    with pytest.raises(LandingFileError, match="elever.csv: filen ser ut att höra till mappen elever/"):
        read_kind_file(path, GRADE_RECORDS, KEY, other_kinds=POLARS_KINDS)


def test_a_grades_export_in_elever_is_never_loaded_as_enrolments(tmp_path):
    """Its header holds every column elever/ requires, and betyg, amne, termin besides."""
    path = write_landing_csv(
        tmp_path / "betyg.csv", GRADE_HEADER, [[pnr(13), "2023/24", "VT", "12345678", 9, "MA", "", "A", "slutbetyg"]]
    )
    with pytest.raises(LandingFileError, match="höra till mappen betyg/"):
        read_kind_file(path, ENROLMENTS, KEY, other_kinds=POLARS_KINDS)


def test_empty_file_and_undecodable_file_are_clear_errors(tmp_path):
    empty = tmp_path / "tom.csv"
    empty.write_bytes(b"")
    with pytest.raises(LandingFileError, match="filen är tom"):
        read_landing_csv(empty)
    with pytest.raises(LandingFileError, match="tom.csv: filen är tom"):
        read_kind_file(empty, ENROLMENTS, KEY)
    broken = tmp_path / "trasig.csv.gz"
    broken.write_bytes(b"\x1f\x8b" + b"not gzip at all")
    with pytest.raises(LandingFileError, match="trasig.csv.gz: gzip"):
        read_kind_file(broken, ENROLMENTS, KEY)
