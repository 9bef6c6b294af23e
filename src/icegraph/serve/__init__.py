"""Serving the built store: SPARQL protocol, query page, entity pages, reconciliation."""
