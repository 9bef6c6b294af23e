"""Linking the graph to Wikidata: candidates with evidence, a reviewed file, published links."""
