"""Every input error is located and plain: encodings, paths, and the curated tables read
strictly. Each message is asserted whole, as the user reads it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from icegraph.catalogue import load_catalogue
from icegraph.cli import main
from icegraph.errors import CatalogueError, IcegraphError, InputError, OutputError
from icegraph.link.review import read_review
from icegraph.pipeline import build
from icegraph.readers.dossier_page import read_dossier
from icegraph.readers.flows_table import read_flows
from icegraph.tables import parse_table
from tests.conftest import DOSSIER_FILE, FLOWS_FILE, flows_table, only_flows, row

UTF8_FIX = "Expected UTF-8 text. Save it as UTF-8 (from a spreadsheet: 'CSV UTF-8')."


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def message(exc: pytest.ExceptionInfo) -> str:
    return str(exc.value)


# Encodings ------------------------------------------------------------------------------


def test_invalid_utf8_in_a_flows_table_names_file_line_and_byte(tmp_path: Path):
    p = tmp_path / "t.txt"
    text = flows_table(row(), row(source="TECS"))
    at = text.index("TECS")
    p.write_bytes(text[:at].encode() + b"\xe9" + text[at:].encode())
    with pytest.raises(InputError) as exc:
        list(read_flows(p, "t.txt"))
    assert (
        message(exc)
        == f"t.txt, line 3: invalid UTF-8: byte 0xE9 at byte offset {at} of the file. {UTF8_FIX}"
    )


def test_invalid_utf8_past_the_first_megabyte_is_located(tmp_path: Path):
    p = tmp_path / "t.txt"
    body = flows_table(*[row(source=f"S{i}") for i in range(6000)]).encode()
    assert len(body) > 1 << 20
    p.write_bytes(body + b"X\xc3(\n")
    with pytest.raises(InputError) as exc:
        list(read_flows(p, "t.txt"))
    assert message(exc) == (
        f"t.txt, line 6002: invalid UTF-8: byte 0xC3 at byte offset {len(body) + 1} of the file. {UTF8_FIX}"
    )


def test_invalid_utf8_in_a_dossier_and_in_a_curated_table(data_copy: Path):
    page = data_copy / "raw" / DOSSIER_FILE
    page.write_bytes(page.read_bytes().replace(b"Facts", b"Fa\xffcts", 1))
    with pytest.raises(InputError) as exc:
        read_dossier(page, "page.txt")
    at = page.read_bytes().index(b"\xff")
    line = page.read_bytes()[:at].count(b"\n") + 1
    assert (
        message(exc)
        == f"page.txt, line {line}: invalid UTF-8: byte 0xFF at byte offset {at} of the file. {UTF8_FIX}"
    )
    entities = data_copy / "entities.csv"
    entities.write_bytes(
        entities.read_bytes().replace(
            b"Homeland Security Investigations", b"Homeland Security Investigations \x96"
        )
    )
    at = entities.read_bytes().index(b"\x96")
    with pytest.raises(CatalogueError) as exc:
        load_catalogue(data_copy)
    assert (
        message(exc)
        == f"{entities}, line 4: invalid UTF-8: byte 0x96 at byte offset {at} of the file. {UTF8_FIX}"
    )


def test_a_utf16_file_is_named_as_such(data_copy: Path):
    raw = data_copy / "raw" / FLOWS_FILE
    raw.write_bytes(raw.read_text(encoding="utf-8").encode("utf-16"))
    result = run("build", "--data", str(data_copy), "--out", str(data_copy / "out"), "-q")
    assert result.exit_code == 1
    assert result.output == (
        f"error: {raw}, line 1: the file looks like UTF-16 text, not UTF-8. {UTF8_FIX}\n"
    )
    sources = data_copy / "sources.csv"
    sources.write_bytes(sources.read_text(encoding="utf-8").encode("utf-16-le"))  # no BOM
    with pytest.raises(CatalogueError) as exc:
        load_catalogue(data_copy)
    assert (
        message(exc) == f"{sources}, line 1: the file looks like UTF-16 text, not UTF-8. {UTF8_FIX}"
    )


def test_a_byte_order_mark_is_accepted_everywhere(data_copy: Path, tmp_path: Path):
    plain = build(data_copy, tmp_path / "plain")
    for p in [*data_copy.glob("*.csv"), *(data_copy / "raw").iterdir()]:
        p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())
    marked = build(data_copy, tmp_path / "marked")
    for name in ("icegraph.ttl", "report.md"):
        assert (tmp_path / "marked" / name).read_bytes() == (tmp_path / "plain" / name).read_bytes()
    assert marked.report.counts["flows read"] == plain.report.counts["flows read"] > 0


# Paths ----------------------------------------------------------------------------------


def test_a_missing_data_folder_is_named(tmp_path: Path):
    result = run("build", "--data", str(tmp_path / "nope"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert result.output == (
        f"error: {tmp_path / 'nope'}: no such folder. Expected the folder with raw/ and the "
        "curated CSV tables. Pass it with --data.\n"
    )


def test_an_impossible_out_folder_is_named_with_the_reason(data_copy: Path, tmp_path: Path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    out = blocker / "build"
    result = run("build", "--data", str(data_copy), "--out", str(out), "-q")
    assert result.exit_code == 1
    assert result.output == (
        f"error: {out}: cannot write the build into this folder: not a directory. "
        "Choose a folder you can write to with --out.\n"
    )
    # the command line refuses a file as --out itself (a usage error); the library says why
    with pytest.raises(OutputError) as exc:
        build(data_copy, blocker)
    assert message(exc) == (
        f"{blocker}: cannot write the build into this folder: a file of that name is in the "
        "way. Choose a folder you can write to with --out."
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="permissions do not stop root")
def test_an_unwritable_out_folder_is_named(data_copy: Path, tmp_path: Path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = run("build", "--data", str(data_copy), "--out", str(locked / "build"), "-q")
    assert result.exit_code == 1
    assert result.output == (
        f"error: {locked / 'build'}: cannot write the build into this folder: permission "
        "denied. Choose a folder you can write to with --out.\n"
    )


# Curated tables, parsed strictly --------------------------------------------------------

COLS = ("a", "b", "c")


def parse(text: str):
    return parse_table(text, "t.csv", COLS)


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "a,b,c\n1,2,3\n4,5,6,7\n",
            "t.csv, line 3: the row has 4 cells but the header has 3. Expected 3 cells (a, b, "
            "c); a cell holding a comma must be in double quotes.",
        ),
        (
            'a,b,c\n1,"two,3\n4,5,6\n',
            "t.csv, line 2, column 3: a quoted cell is never closed. Expected a closing double "
            'quote; a quote inside a cell is written twice ("") and the whole cell is quoted.',
        ),
        (
            'a,b,c\n1,"two,3\n4,"5",6\n',
            "t.csv, line 3, column 4: text after the closing quote of the cell opened on line "
            "2. Expected a comma or the end of the row after a closing quote; is a quote "
            'missing? (a quote inside a cell is written twice ("") and the whole cell is quoted).',
        ),
        (
            'a,b,c\n1,say "hi",3\n',
            "t.csv, line 2, column 7: a double quote inside a cell that does not start with "
            'one. Expected a quote inside a cell is written twice ("") and the whole cell is quoted.',
        ),
        (
            "a,c\n1,2\n",
            "t.csv, line 1: missing column(s) b. Expected a header row with a, b, c.",
        ),
        (
            "a,b,c,d\n1,2,3,4\n",
            "t.csv, line 1: unknown column(s) 'd'. Expected a header row with a, b, c.",
        ),
        (
            "a,b,c,,\r\n1,2,3,,\r\n",
            "t.csv, line 1: column 4 of the header has no name. Expected a header row with a, "
            "b, c; a spreadsheet may have added empty columns: delete them.",
        ),
        (
            "a,b,c,a\n1,2,3,4\n",
            "t.csv, line 1: column 'a' appears twice in the header. Expected a header row with "
            "a, b, c.",
        ),
    ],
)
def test_tables_are_parsed_strictly(text: str, expected: str):
    with pytest.raises(CatalogueError) as exc:
        parse(text)
    assert message(exc) == expected


def test_quoted_cells_may_hold_commas_quotes_and_newlines_and_rows_keep_their_first_line():
    table = parse('a,b,c\r\n1,"x, ""y""\nz",3\r\n\r\n4,5,6\n4,5,6\n')
    assert [(r.line, r.cells) for r in table.rows] == [
        (2, {"a": "1", "b": 'x, "y"\nz', "c": "3"}),
        (5, {"a": "4", "b": "5", "c": "6"}),
        (6, {"a": "4", "b": "5", "c": "6"}),
    ]
    assert table.repeats == [(6, 5)]


def test_an_unclosed_quote_in_corrections_stops_the_build_naming_its_line(data_copy: Path):
    path = data_copy / "corrections.csv"
    lines = path.read_text(encoding="utf-8").splitlines(True)
    lines[3] = lines[3].replace('"Misspelled agency name', "Misspelled agency name", 1)
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(CatalogueError) as exc:
        load_catalogue(data_copy)
    assert message(exc).startswith(f"{path}, line 4, column ")
    assert "a double quote inside a cell that does not start with one" in message(exc)


def test_a_row_with_an_extra_cell_is_refused(data_copy: Path):
    path = data_copy / "corrections.csv"
    lines = path.read_text(encoding="utf-8").splitlines(True)
    lines[4] = lines[4].replace("variant-spelling,", "variant-spelling,extra,", 1)
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(CatalogueError) as exc:
        load_catalogue(data_copy)
    assert message(exc) == (
        f"{path}, line 5: the row has 9 cells but the header has 8. Expected 8 cells (file, "
        "line, field, kind, raw_value, corrected_value, why, evidence); a cell holding a comma "
        "must be in double quotes."
    )


def _append(path: Path, line: str) -> int:
    text = path.read_text(encoding="utf-8")
    path.write_text(text + line + "\n", encoding="utf-8")
    return text.count("\n") + 1


@pytest.mark.parametrize(
    "cells, expected",
    [
        (
            "elsewhere.txt,3,Source,typo,A,B,why,evidence",
            "field 'file': no input file is named 'elsewhere.txt'. Expected the name of a flows "
            f"table in raw/ ({FLOWS_FILE}) or * for every file.",
        ),
        (
            f"{DOSSIER_FILE},3,Source,typo,A,B,why,evidence",
            f"field 'file': '{DOSSIER_FILE}' is not a flows table; corrections apply to flows "
            f"tables only. Expected the name of a flows table in raw/ ({FLOWS_FILE}) or *.",
        ),
        (
            "*,,Sauce,typo,A,B,why,evidence",
            "field 'field': the flows table has no column 'Sauce'. Expected one of Source, "
            "Destination, Full name, Source Database Classification, Information Sharing "
            "Types, Agency/Owner, Sub-Agency, Information Collected/Provided, Reference.",
        ),
        (
            "*,,Sub-Agency,typo,Customs,Bureau of Nothing,why,evidence",
            "field 'corrected_value': 'Bureau of Nothing' is not a known organisation. "
            "Expected a name, acronym or alternative label from entities.csv.",
        ),
    ],
)
def test_corrections_naming_what_the_build_lacks_are_errors(
    data_copy: Path, tmp_path: Path, cells: str, expected: str
):
    path = data_copy / "corrections.csv"
    line = _append(path, cells)
    with pytest.raises(CatalogueError) as exc:
        build(data_copy, tmp_path / "out")
    assert message(exc) == f"{path}, line {line}: {expected}"


def test_a_correction_that_matches_nothing_stops_the_build(data_copy: Path, tmp_path: Path):
    path = data_copy / "corrections.csv"
    line = _append(path, f"{FLOWS_FILE},5,Source,typo,NOT THERE,X,why,evidence")
    with pytest.raises(CatalogueError) as exc:
        build(data_copy, tmp_path / "out")
    assert message(exc) == (
        f"{path}, line {line}: field 'raw_value': the correction of 'NOT THERE' in Source "
        f"matches nothing in {FLOWS_FILE} line 5. Expected a raw value found in that cell; if "
        "the input has changed, update or remove the correction."
    )


def test_a_correction_for_every_file_that_matches_nothing_is_a_warning(
    data_copy: Path, tmp_path: Path
):
    path = data_copy / "corrections.csv"
    line = _append(path, "*,,Source,typo,NOT THERE,X,why,evidence")
    result = build(data_copy, tmp_path / "out")
    assert (
        f"- **unused correction** ({path}, line {line}): the correction of 'NOT THERE' in "
        "Source (for every file) matched nothing in this build's inputs"
    ) in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert result.report.findings_by_kind["unused correction"] == 1


def test_a_parent_cycle_is_an_error_naming_the_cycle(data_copy: Path):
    path = data_copy / "entities.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "agency/dhs,Agency,U.S. Department of Homeland Security,DHS,"
            "Department of Homeland Security|United States Department of Homeland Security|"
            "US Department of Homeland Security,,",
            "agency/dhs,Agency,U.S. Department of Homeland Security,DHS,"
            "Department of Homeland Security|United States Department of Homeland Security|"
            "US Department of Homeland Security,agency/hsi,",
        ),
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError) as exc:
        load_catalogue(data_copy)
    assert message(exc) == (
        f"{path}, line 2: field 'parent': the parents form a cycle: agency/dhs → agency/hsi → "
        "agency/ice → agency/dhs. Expected a chain of parents that ends at an entity with no "
        "parent."
    )


def test_dates_must_be_in_the_calendar(data_copy: Path, tmp_path: Path):
    sources = data_copy / "sources.csv"
    sources.write_text(
        sources.read_text(encoding="utf-8").replace("2016-06-16", "2016-02-31"), "utf-8"
    )
    with pytest.raises(CatalogueError) as exc:
        load_catalogue(data_copy)
    assert message(exc) == (
        f"{sources}, line 2: field 'date': '2016-02-31' is not a date. Expected a real date "
        "YYYY-MM-DD (or YYYY-MM, or YYYY)."
    )
    page = data_copy / "raw" / DOSSIER_FILE
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("Added: 07 Apr 2026", "Added: 31 Feb 2026", 1), "utf-8")
    line = text[: text.index("Added: 07 Apr 2026")].count("\n") + 1
    with pytest.raises(InputError) as exc:
        read_dossier(page, "page.txt")
    assert message(exc) == (
        f"page.txt, line {line}: field 'Added': '31 Feb 2026' is not a date in the calendar. "
        "Expected a real date 'DD Mon YYYY', e.g. '07 Apr 2026'."
    )


def test_review_file_one_accepted_item_per_entity_and_real_dates(data_copy: Path):
    path = data_copy / "wikidata-links.csv"
    line = _append(
        path,
        "agency/cbp,U.S. Customs and Border Protection,Q1,Other,0.5,e,accepted,me,2026-11-25,",
    )
    with pytest.raises(CatalogueError) as exc:
        read_review(path)
    assert message(exc) == (
        f"{path}, line {line}: field 'status': agency/cbp has Q368804 accepted already, on "
        "line 2; an entity is one Wikidata item. Expected one accepted row per entity (mark "
        "the other rejected)."
    )
    text = path.read_text(encoding="utf-8").splitlines(True)[:-1]
    path.write_text("".join(text).replace("2026-11-25", "2026-11-31", 1), encoding="utf-8")
    with pytest.raises(CatalogueError) as exc:
        read_review(path)
    assert message(exc) == (
        f"{path}, line 2: field 'reviewed_on': '2026-11-31' is not a date. Expected a real "
        "date YYYY-MM-DD."
    )


def test_a_wikidata_link_for_an_entity_the_build_lacks_is_an_error(data_copy: Path, tmp_path: Path):
    path = data_copy / "wikidata-links.csv"
    line = _append(path, "agency/nowhere,Nowhere,Q42,Nowhere,1.00,e,accepted,me,2026-11-25,")
    with pytest.raises(CatalogueError) as exc:
        build(data_copy, tmp_path / "out")
    assert message(exc) == (
        f"{path}, line {line}: field 'entity': 'agency/nowhere' is not an entity of this "
        "build. Expected the id of an entity in entities.csv or in the inputs; remove the row "
        "or correct the id."
    )
    assert not (tmp_path / "out" / "current").exists()


def test_repeated_rows_are_reported(data_copy: Path, tmp_path: Path):
    only_flows(data_copy, flows_table(row(), row(), row(), row(source="TECS")))
    entities = data_copy / "entities.csv"
    repeated = entities.read_text(encoding="utf-8").splitlines()[3]
    line = _append(entities, repeated)
    result = build(data_copy, tmp_path / "out")
    assert result.report.counts["flows read"] == 4
    report = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    for n in (3, 4):
        assert (
            f"- **repeated row** ({data_copy / 'raw' / FLOWS_FILE}, line {n}): the same cells "
            "as line 2; counted as one claim"
        ) in report
    assert (
        f"- **repeated row** ({entities}, line {line}): the same cells as line 4; read once"
        in report
    )


def test_every_error_the_cli_shows_is_a_message_not_a_traceback(data_copy: Path, tmp_path: Path):
    (data_copy / "corrections.csv").write_bytes(b"file,line\n\xff\n")
    result = run("build", "--data", str(data_copy), "--out", str(tmp_path / "out"), "-q")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.output.startswith(
        f"error: {data_copy / 'corrections.csv'}, line 2: invalid UTF-8"
    )
    assert isinstance(result.exception, SystemExit)
    assert issubclass(CatalogueError, IcegraphError)
