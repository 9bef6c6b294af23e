"""Decide which way data really moves on each row, from the sharing type and the description.

The table's Source and Destination columns are not always the direction of the data: the
sharing type is stated relative to ICM (the hub), so 'HSI Data Warehouse → ICM, Outbound'
means ICM data goes to the warehouse. The description is read for corroboration only.
"""

from __future__ import annotations

from icegraph.catalogue import Catalogue
from icegraph.errors import InputError
from icegraph.records import Finding, FlowRecord
from icegraph.resolve.names import name_key

SHARING_TYPES = {
    "inbound": "inbound",
    "outbound": "outbound",
    "bi-directional": "bidirectional",
    "bidirectional": "bidirectional",
    "bi directional": "bidirectional",
}


def hub_keys(cat: Catalogue) -> set[str]:
    hub = cat.hub()
    return {name_key(n) for n in (hub.label, hub.acronym, *hub.alt_labels) if n}


def described_system(rec: FlowRecord, hubs: set[str]) -> str:
    """The system the row's full name, classification and agency columns describe."""
    return rec.destination if name_key(rec.source) in hubs else rec.source


def derive_direction(rec: FlowRecord, hubs: set[str], cat: Catalogue) -> list[Finding]:
    s, d = rec.source, rec.destination
    s_hub, d_hub = name_key(s) in hubs, name_key(d) in hubs
    findings: list[Finding] = []
    if s_hub and d_hub:
        raise InputError(
            "both Source and Destination are ICM",
            rec.cell_location("destination"),
            field="Destination",
            expected="the system at the other end of the flow",
        )
    if s_hub or d_hub:
        hub, other = (s, d) if s_hub else (d, s)
        way = {
            "inbound": [(other, hub)],
            "outbound": [(hub, other)],
            "bidirectional": [(s, d), (d, s)],
        }[rec.sharing_type]
        if rec.sharing_type != "bidirectional" and way[0] != (s, d):
            findings.append(
                Finding(
                    rec.location,
                    "direction",
                    f"columns say {s} → {d}, but the sharing type "
                    f"'{rec.sharing_type}' (relative to ICM) means the data moves "
                    f"{way[0][0]} → {way[0][1]}; the graph follows the sharing type",
                )
            )
        findings.extend(_check_description(rec, cat))
    else:
        # Neither end is the hub: the sharing type is read relative to the Destination.
        way = {
            "inbound": [(s, d)],
            "outbound": [(d, s)],
            "bidirectional": [(s, d), (d, s)],
        }[rec.sharing_type]
        if rec.sharing_type == "outbound":
            findings.append(
                Finding(
                    rec.location,
                    "direction",
                    f"neither end is ICM; 'outbound' is read relative to {d}, so the data "
                    f"moves {d} → {s}",
                )
            )
    rec.directions = way
    return findings


def _check_description(rec: FlowRecord, cat: Catalogue) -> list[Finding]:
    if not rec.description:
        return []
    cues = {
        rule.term
        for rule in cat.text_rules
        if rule.kind == "direction" and rule.pattern.search(rec.description)
    }
    allowed = {"inbound": {"inbound"}, "outbound": {"outbound"}}.get(
        rec.sharing_type, {"inbound", "outbound"}
    )
    contrary = cues - allowed
    if not contrary:
        return []
    return [
        Finding(
            rec.location,
            "direction",
            f"the description reads as {', '.join(sorted(contrary))} while the sharing type "
            f"is {rec.sharing_type}; the graph follows the sharing type, check the source",
        )
    ]
