"""Statements computed over the whole loaded graph on every build, never stated by a document:
they live in the named graph graph/derived and are rebuilt each time."""
