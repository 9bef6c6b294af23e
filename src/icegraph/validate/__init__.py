"""Validation: SHACL shapes over the built graph, explained in a reader's words."""
