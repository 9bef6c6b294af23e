"""icegraph: public records about immigration-enforcement data systems as a citable graph."""

__version__ = "0.1.0"
