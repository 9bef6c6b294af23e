"""Mapping: the only place records become quads."""
