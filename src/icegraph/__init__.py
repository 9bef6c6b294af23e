"""icegraph: public records about immigration-enforcement data systems as a citable graph."""

# The one place the version is written: pyproject.toml reads it from here.
__version__ = "0.1.0"
