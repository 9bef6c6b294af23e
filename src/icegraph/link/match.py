"""Score Wikidata candidates for the graph's entities, and say why.

A candidate scores on names first (label, alias, acronym, "U.S."/"United States" variants,
the records' own spellings), then on what the item's description and statements say: a
government body's description fits an agency, a former or dissolved body is marked down, and
an item whose parent organisation is the match of our entity's parent is marked up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from icegraph.readers.wikidata import WikidataItem, WikidataPool

ACCEPT_THRESHOLD = 0.7  # at or above: strong enough to review for acceptance
PROPOSE_THRESHOLD = 0.3  # below: not worth a reviewer's time
MAX_PER_ENTITY = 3
ORG_TYPES = {"Agency", "InternationalOrganization", "Company", "PrivateOrganization"}
_BODY_WORDS = re.compile(
    r"\b(agency|department|bureau|administration|service|office|organi[sz]ation|"
    r"enforcement|police|company|corporation|commission)\b",
    re.IGNORECASE,
)
_FORMER = re.compile(r"\b(former|defunct|predecessor|dissolved|abolished)\b", re.IGNORECASE)
_COUNTRY = re.compile(r"^(?:the\s+)?(?:u\s*s\s*a?|united\s+states(?:\s+of\s+america)?)\s+")
_CATEGORY_TYPES = {"Q4167836", "Q4167410", "Q13406463"}  # category, disambiguation, list


@dataclass
class OurEntity:
    iri: str
    type: str
    label: str
    names: list[str]  # label first, then every other name the graph has for it
    parents: list[str] = field(default_factory=list)  # IRIs
    operators: list[str] = field(default_factory=list)  # IRIs, for systems
    types: set[str] = field(default_factory=set)  # every ig: class it has; `type` is the first
    note: str = ""


@dataclass
class Candidate:
    entity: str
    entity_label: str
    qid: str
    wikidata_label: str
    score: float
    evidence: list[str]

    @property
    def evidence_text(self) -> str:
        return "; ".join(self.evidence)


# Abbreviations people type for words in agency names.
_ABBREVIATIONS = {
    "dept": "department",
    "dep": "department",
    "admin": "administration",
    "natl": "national",
    "intl": "international",
    "govt": "government",
    "svc": "service",
    "svcs": "services",
    "ofc": "office",
    "info": "information",
    "sys": "system",
}


def normalise(name: str) -> str:
    text = name.casefold().replace("&", " and ")
    text = re.sub(r"[.'’]", "", text)
    text = re.sub(r"[^\w]+", " ", text).strip()
    text = " ".join(_ABBREVIATIONS.get(w, w) for w in text.split())
    return re.sub(r"^the ", "", text)


def variants(name: str) -> set[str]:
    """The name's key, and the key without a leading 'U.S.'/'United States'."""
    key = normalise(name)
    stripped = _COUNTRY.sub("", key)
    return {key, stripped} if stripped else {key}


def _is_acronym(name: str) -> bool:
    return bool(re.fullmatch(r"[A-Z][A-Z0-9&.\-]{1,7}", name.strip()))


def tokens(name: str) -> set[str]:
    return set(_COUNTRY.sub("", normalise(name)).split()) - {"of", "and", "the", "for"}


def name_evidence(ours: OurEntity, item: WikidataItem) -> tuple[float, list[str]]:
    best, why = 0.0, []
    their = [(n, "label") for n in sorted(item.labels)] + [
        (n, "alias") for n in sorted(item.aliases)
    ]
    exact_hits = set()
    for our_name in ours.names:
        our_is_label = our_name == ours.label
        for their_name, kind in their:
            if _is_acronym(our_name) or _is_acronym(their_name):
                if our_name.strip() == their_name.strip() and _is_acronym(our_name):
                    score = 0.35
                    text = f"acronym '{their_name}' ({kind}) = our '{our_name}'"
                else:
                    continue
            elif variants(our_name) & variants(their_name):
                score = {(True, "label"): 0.6, (False, "label"): 0.55}.get(
                    (our_is_label, kind), 0.5
                )
                side = "label" if our_is_label else "name"
                text = f"{kind} '{their_name}' = our {side} '{our_name}'"
            else:
                continue
            exact_hits.add(their_name)
            if score > best:
                best = score
            why.append((score, text))
    if best == 0.0:
        # No name matches exactly: a near-miss is shown, weakly, so a reviewer can reject it.
        for our_name in ours.names:
            a = tokens(our_name)
            for their_name, kind in their:
                b = tokens(their_name)
                if not a or not b:
                    continue
                jaccard = len(a & b) / len(a | b)
                if jaccard >= 0.5 and 0.4 * jaccard > best:
                    best = round(0.4 * jaccard, 2)
                    shared = f"{len(a & b)} of {len(a | b)} words"
                    why = [
                        (best, f"only similar: {kind} '{their_name}' ~ our '{our_name}' ({shared})")
                    ]
    why.sort(key=lambda x: -x[0])
    texts: list[str] = []
    seen: set[str] = set()
    for _s, t in why:
        head = t.split(" = ")[0]
        if head not in seen:  # one line per Wikidata name: its best match on our side
            seen.add(head)
            texts.append(t)
    texts = texts[:3]
    if len(exact_hits) > 1:
        best += min(0.1, 0.05 * (len(exact_hits) - 1))
        texts.append(f"{len(exact_hits)} of its names match")
    return best, texts


def score(ours: OurEntity, item: WikidataItem, parent_match: dict[str, str]) -> Candidate | None:
    if item.label.startswith("Category:") or item.claims.get("P31", set()) & _CATEGORY_TYPES:
        return None
    base, evidence = name_evidence(ours, item)
    if base == 0.0:
        return None
    total = base
    desc = item.description
    if ours.type in ORG_TYPES and desc and _BODY_WORDS.search(desc) and not _FORMER.search(desc):
        total += 0.15
        evidence.append(f"description '{desc}' fits an organisation")
    if _FORMER.search(desc) or "P576" in item.claims or "P1366" in item.claims:
        total -= 0.35
        evidence.append(
            f"a former or dissolved body ({desc or 'has a dissolution or successor statement'})"
        )
    parents = item.claims.get("P749", set()) | item.claims.get("P361", set())
    ours_parent_qids = {parent_match[p] for p in ours.parents if p in parent_match}
    if parents & ours_parent_qids:
        total += 0.25
        qid = sorted(parents & ours_parent_qids)[0]
        evidence.append(f"parent organisation {qid} is the match of our parent")
    elif item.full_record and parents and ours_parent_qids:
        total -= 0.1
        evidence.append(
            f"parent organisation {', '.join(sorted(parents))} is not our parent's match"
        )
    final = round(max(0.0, min(1.0, total)), 2)
    return Candidate(ours.iri, ours.label, item.qid, item.label, final, evidence)


def rank(entities: list[OurEntity], pool: WikidataPool) -> dict[str, list[Candidate]]:
    """Candidates per entity, best first, above the proposal threshold.

    Two passes: parents are matched on names first, so that the second pass can use
    'its parent is our parent's match' as evidence.
    """
    items = [i for i in pool.items.values() if i.labels]
    parent_match: dict[str, str] = {}
    first: dict[str, list[Candidate]] = {}
    for e in entities:
        cands = [c for i in items if (c := score(e, i, {})) is not None]
        cands.sort(key=lambda c: (-c.score, c.qid))
        first[e.iri] = cands
        if cands and cands[0].score >= ACCEPT_THRESHOLD:
            parent_match[e.iri] = cands[0].qid
    out: dict[str, list[Candidate]] = {}
    for e in entities:
        if not first[e.iri]:
            continue
        cands = [c for i in items if (c := score(e, i, parent_match)) is not None]
        cands = [c for c in cands if c.score >= PROPOSE_THRESHOLD]
        cands.sort(key=lambda c: (-c.score, c.qid))
        if cands:
            out[e.iri] = cands[:MAX_PER_ENTITY]
    return out
