"""icegraph: public records about immigration-enforcement data systems as a citable graph."""

from pathlib import Path as _Path

__version__ = "0.1.0"


def stale_compiled(package: _Path) -> list[str]:
    """In a source checkout, the compiled modules (setup.py) older than their source. Python
    imports a compiled module before its source, so it would run the old code without a word;
    an installed copy is not checked, as its files' times come from unpacking."""
    if not (package.parents[1] / "pyproject.toml").exists():
        return []
    stale = []
    for compiled in package.rglob("*.so"):
        source = compiled.with_name(compiled.name.split(".", 1)[0] + ".py")
        if source.exists() and source.stat().st_mtime > compiled.stat().st_mtime:
            stale.append(source.relative_to(package.parent).as_posix())
    return sorted(stale)


if _stale := stale_compiled(_Path(__file__).parent):
    raise ImportError(
        f"icegraph: {', '.join(_stale)} changed after it was compiled, and the compiled copy "
        "would run the old code. Run `make` (or `pip install -e .`) to compile it again, or "
        "`ICEGRAPH_PURE=1 pip install -e .` to run the sources as plain Python."
    )
