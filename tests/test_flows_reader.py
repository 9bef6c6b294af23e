"""The flows table reader on hand-made text: headers, blank lines, broken rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from icegraph.errors import InputError
from icegraph.readers.flows_table import read_flows
from tests.conftest import DATA, FLOWS_FILE, HEADER, flows_table, row


def test_real_table_has_21_rows_in_three_tables():
    records = list(read_flows(DATA / "raw" / FLOWS_FILE, "flows.txt"))
    assert len(records) == 21
    assert [r.location.line for r in records][:3] == [2, 3, 4]
    # the second and third tables start after a blank line and a repeated header
    assert records[11].location.line == 15
    assert records[-1].location.line == 26
    assert records[-1].destination == "Ю"  # the reader changes nothing


def test_repeated_headers_and_blank_lines_are_skipped(tmp_path: Path):
    p = tmp_path / "t.txt"
    p.write_text(flows_table(row(), "", HEADER, "", row(source="TECS")), encoding="utf-8")
    assert [r.source for r in read_flows(p)] == ["ATS", "TECS"]
    assert [r.location.line for r in read_flows(p)] == [2, 6]


def test_column_positions_are_recorded(tmp_path: Path):
    p = tmp_path / "t.txt"
    p.write_text(flows_table(row()), encoding="utf-8")
    rec = next(read_flows(p))
    assert rec.columns["source"] == 1
    assert rec.columns["destination"] == len("ATS") + 2


def test_short_row_is_an_error_with_line(tmp_path: Path):
    p = tmp_path / "t.txt"
    p.write_text(flows_table(row(), "ATS\tICM\tcut short"), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        list(read_flows(p, "t.txt"))
    assert str(exc.value).startswith("t.txt, line 3, column 1: row has 3 tab-separated cells.")
    assert "Expected 9 cells" in str(exc.value)


def test_row_before_header_is_an_error(tmp_path: Path):
    p = tmp_path / "t.txt"
    p.write_text(row() + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"t.txt, line 1, column 1: data row before any header"):
        list(read_flows(p, "t.txt"))


def test_empty_source_cell_names_the_field(tmp_path: Path):
    p = tmp_path / "t.txt"
    p.write_text(flows_table(row(source="")), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        list(read_flows(p, "t.txt"))
    assert str(exc.value) == (
        "t.txt, line 2, column 1: field 'Source': cell is empty. "
        "Expected a value (write N/A where there is none)."
    )
