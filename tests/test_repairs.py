"""Each repair rule on a hand-made bad row: what changes, what is kept, what stops the build."""

from __future__ import annotations

from pathlib import Path

import pytest

from icegraph.catalogue import load_catalogue
from icegraph.errors import CatalogueError, InputError
from icegraph.readers.flows_table import read_flows
from icegraph.repair.citations import strip_tags
from icegraph.repair.flows import repair_flows
from icegraph.repair.lookalikes import CONFUSABLES, fold
from icegraph.report import Report
from tests.conftest import DATA, FLOWS_FILE, flows_table, row


def repaired(tmp_path: Path, *lines: str, name: str = "t.txt", only: tuple[int, str] | None = None):
    p = tmp_path / name
    p.write_text(flows_table(*lines), encoding="utf-8")
    report = Report()
    cat = load_catalogue(DATA)
    if only is not None:  # the file's other corrections would match nothing, and stop
        cat.corrections = [
            c for c in cat.corrections if c.line is None or (c.line, c.field) == only
        ]
    return list(repair_flows(read_flows(p, name), cat, name, report)), report


def test_cyrillic_lookalikes_fold_into_a_known_name(tmp_path: Path):
    (rec,), report = repaired(tmp_path, row(destination="\u0406\u0421\u041c"))  # ІСМ
    assert rec.destination == "ICM"
    (rep,) = [r for r in rec.repairs if r.rule == "lookalike-letters"]
    assert (rep.field, rep.raw, rep.corrected) == ("destination", "ІСМ", "ICM")
    assert rep.location.column == len("ATS") + 2
    assert report.repairs_by_rule["lookalike-letters"] == 1


def test_folding_passes_ascii_names_through_because_no_lookalike_is_ascii():
    # fold() returns an ASCII name untouched without looking letters up: that is only
    # right while every letter the table replaces lies outside ASCII
    assert not [ch for ch in CONFUSABLES if ch.isascii()]
    assert fold("ICM") == "ICM"
    assert fold("I\u0421M") == "ICM"


def test_lookalikes_that_fold_into_no_known_name_are_an_error(tmp_path: Path):
    # 'ТЕСЅ' folds to TECS, which is in the table but not in the curated names
    with pytest.raises(InputError) as exc:
        repaired(tmp_path, row(source="AB\u0421D"))
    msg = str(exc.value)
    assert msg.startswith("t.txt, line 2, column 3: field 'Source': 'ABСD' contains CYRILLIC")
    assert "does not read as any known name" in msg
    assert "data/corrections.csv" in msg


def test_garbled_cell_is_repaired_only_through_corrections(tmp_path: Path):
    with pytest.raises(InputError, match=r"line 2, column 5: field 'Destination': 'Ю' contains"):
        repaired(tmp_path, row(source="TLS", destination="Ю"))
    # The same cell on the line the corrections file names is repaired, with its evidence.
    lines = [row(source=f"S{i}") for i in range(24)] + [row(source="TLS", destination="Ю")]
    recs, _ = repaired(tmp_path, *lines, name=FLOWS_FILE, only=(26, "Destination"))
    tls = recs[-1]
    assert tls.location.line == 26 and tls.destination == "ICM"
    (rep,) = [r for r in tls.repairs if r.field == "destination"]
    assert rep.rule == "garbled-cell" and rep.raw == "Ю"
    assert "HSI agents may search TLS from within ICM" in rep.evidence


def test_placeholders_mean_no_value(tmp_path: Path):
    (rec,), report = repaired(tmp_path, row(full_name="N/A", sub_agency="N/A"))
    assert rec.full_name is None and rec.sub_agency is None
    assert rec.operator_id == "agency/dhs"
    assert report.counts["placeholder 'N/A' read as no value: Sub-Agency"] == 1


def test_citations_are_split_against_the_catalogue_and_html_is_stripped(tmp_path: Path):
    ref = (
        "ICE Investigative Case Management DHS/ICE/PIA-045 Who's Behind ICE? <i>Mijente</i> "
        "The Intercept, Spencer Woodman"
    )
    (rec,), report = repaired(tmp_path, row(reference=ref))
    assert rec.citations == ["dhs-ice-pia-045", "mijente-whos-behind-ice", "intercept-woodman"]
    assert rec.raw_reference == ref
    assert report.counts["citation cells with HTML tags stripped"] == 1


def test_unknown_citation_remainder_is_an_error_not_a_new_source(tmp_path: Path):
    ref = "ICE Investigative Case Management DHS/ICE/PIA-045 Some Blog Post"
    with pytest.raises(CatalogueError) as exc:
        repaired(tmp_path, row(reference=ref))
    msg = str(exc.value)
    column = len(row(reference="")) + 1 + len("ICE Investigative Case Management DHS/ICE/PIA-045 ")
    assert msg.startswith(f"t.txt, line 2, column {column}: field 'Reference': citation text")
    assert "'Some Blog Post' matches no source in data/sources.csv" in msg


def test_strip_tags_keeps_offsets():
    plain, offsets = strip_tags("a <i>b</i> c")
    assert plain == "a b c"
    assert offsets == [0, 1, 5, 10, 11]


def test_misspelled_agency_is_corrected_with_its_reason(tmp_path: Path):
    (rec,), _ = repaired(tmp_path, row(sub_agency="Customs and Border Patrol"))
    assert rec.operator_id == "agency/cbp"
    (rep,) = rec.repairs
    assert (rep.rule, rep.raw, rep.corrected) == (
        "variant-spelling",
        "Customs and Border Patrol",
        "U.S. Customs and Border Protection",
    )


def test_unknown_agency_is_an_error_that_says_what_to_do(tmp_path: Path):
    with pytest.raises(CatalogueError) as exc:
        repaired(tmp_path, row(sub_agency="Bureau of Made-up Things"))
    msg = str(exc.value)
    assert "field 'Sub-Agency': 'Bureau of Made-up Things' is not a known organisation" in msg
    assert "add a row to data/corrections.csv" in msg


def test_unknown_sharing_type_is_an_error(tmp_path: Path):
    with pytest.raises(
        InputError,
        match=r"field 'Information Sharing Types': unknown information sharing type 'Sideways'",
    ):
        repaired(tmp_path, row(sharing="Sideways"))


def test_direction_follows_sharing_type_and_disagreement_is_reported(tmp_path: Path):
    lines = [
        row(
            source="HSI Data Warehouse",
            sharing="Outbound",
            sub_agency="N/A",
            description="It receives a direct feed once every 24 hours containing a refresh of ICM data.",
        ),
        row(
            source="ICM",
            destination="INTERPOL",
            sharing="Outbound",
            agency="Interpol",
            sub_agency="N/A",
            description="Any ICM data that, if shared, helps.",
        ),
        row(source="EID", sharing="Bi-directional", sub_agency="N/A"),
    ]
    (dw, interpol, eid), report = repaired(tmp_path, *lines)
    assert dw.directions == [("ICM", "HSI Data Warehouse")]
    assert interpol.directions == [("ICM", "INTERPOL")]
    assert eid.directions == [("EID", "ICM"), ("ICM", "EID")]
    (finding,) = [f for f in report.findings if f.kind == "direction"]
    assert finding.location.line == 2
    assert "columns say HSI Data Warehouse → ICM" in finding.message


def test_description_contradicting_sharing_type_is_reported(tmp_path: Path):
    _, report = repaired(
        tmp_path, row(sharing="Inbound", description="Partners may access ICM data by LEIS.")
    )
    (finding,) = [f for f in report.findings if f.kind == "direction"]
    assert "reads as outbound while the sharing type is inbound" in finding.message


def test_every_real_row_repairs_with_the_shipped_tables():
    cat = load_catalogue(DATA)
    report = Report()
    recs = list(repair_flows(read_flows(DATA / "raw" / FLOWS_FILE), cat, FLOWS_FILE, report))
    assert len(recs) == 21
    assert dict(report.repairs_by_rule) == {
        "garbled-cell": 1,
        "lookalike-letters": 2,
        "misplaced-value": 2,
        "typo": 4,
        "variant-spelling": 8,
    }
    assert {r.destination for r in recs} >= {"ICM", "LEIS Service", "INTERPOL", "ACRIMe"}
    assert not [f for f in report.findings if f.kind == "unused correction"]
