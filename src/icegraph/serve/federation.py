"""Federated SERVICE calls: found by reading the query's tokens, refused unless allowed.

A SERVICE clause makes the engine send HTTP requests to the address the query names, so an
open endpoint would fetch any address for anyone (the server itself, other local services).
pyoxigraph offers no switch and no parse tree, so the query is split into SPARQL tokens the
way the grammar does (`sparql_tokens`) and every bare word SERVICE counts, wherever it is
nested. A word that only looks like the
keyword (in a string, an IRI, a comment, `?service`, `ex:service`, `"x"@service`) does not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from icegraph.errors import RequestRefused
from icegraph.serve.sparql_tokens import Token, tokens

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_PN_ESCAPE = re.compile(r"\\(.)")


@dataclass(frozen=True)
class ServiceCall:
    """One SERVICE clause: the endpoint IRI when the query names one plainly, else None."""

    endpoint: str | None
    written: str
    silent: bool


def service_calls(query: str, prefixes: dict[str, str]) -> list[ServiceCall]:
    """Every SERVICE clause in the query, nested anywhere, whatever its case or spacing."""
    toks = list(tokens(query))
    declared = dict(prefixes)
    for i, t in enumerate(toks[:-2]):
        if t.kind == "name" and t.text.upper() == "PREFIX" and toks[i + 2].kind == "iri":
            declared[toks[i + 1].text.rstrip(":")] = toks[i + 2].text[1:-1]
    calls = []
    for i, t in enumerate(toks):
        if t.kind != "name" or t.text.upper() != "SERVICE":
            continue
        j, silent = i + 1, False
        if j < len(toks) and toks[j].kind == "name" and toks[j].text.upper() == "SILENT":
            j, silent = j + 1, True
        target = toks[j] if j < len(toks) else Token("other", "")
        calls.append(ServiceCall(_endpoint(target, declared), target.text, silent))
    return calls


def _endpoint(target: Token, prefixes: dict[str, str]) -> str | None:
    if target.kind == "iri":
        iri = target.text[1:-1]
        # A relative IRI resolves against a BASE the query may set: only absolute ones count.
        return iri if _SCHEME.match(iri) else None
    if target.kind == "name" and ":" in target.text:
        prefix, _, local = target.text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + _PN_ESCAPE.sub(r"\1", local)
    return None


def check_services(query: str, allowed: Iterable[str], prefixes: dict[str, str]) -> None:
    """Raise RequestRefused (400) for any SERVICE clause whose endpoint is not allowed."""
    allowed = frozenset(allowed)
    for call in service_calls(query, prefixes):
        if call.endpoint is not None and call.endpoint in allowed:
            continue
        keyword = "SERVICE SILENT" if call.silent else "SERVICE"
        if not allowed:
            raise RequestRefused(
                f"Federated queries are turned off on this server: the query uses {keyword} "
                f"{call.written}",
                fix="Remove the SERVICE clause, or run the query on your own copy of the data "
                "(the dumps are at /dumps/).",
            )
        if call.endpoint is None:
            raise RequestRefused(
                f"The query uses {keyword} {call.written}, which does not name an endpoint plainly",
                fix="Name the endpoint with a full IRI; allowed: " + ", ".join(sorted(allowed)),
            )
        raise RequestRefused(
            f"The query uses {keyword} <{call.endpoint}>, an endpoint this server does not call",
            fix="Allowed: " + ", ".join(sorted(allowed)),
        )
