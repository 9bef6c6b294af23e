"""One exception hierarchy; every error knows where in which file it was found."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """A place in an input file: path as the user gave it, 1-based line and column."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        out = self.file
        if self.line is not None:
            out += f", line {self.line}"
        if self.column is not None:
            out += f", column {self.column}"
        return out


class IcegraphError(Exception):
    """Base class: a problem the user can fix, with where it is and what was expected."""

    def __init__(
        self,
        message: str,
        location: Location | None = None,
        field: str | None = None,
        expected: str | None = None,
        fix: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.field = field
        self.expected = expected
        self.fix = fix

    def __reduce__(self):
        # Keep location, field and fix when an error crosses a process boundary.
        return (_rebuild, (self.__class__, self.__dict__))

    def __str__(self) -> str:
        parts = []
        if self.location is not None:
            parts.append(f"{self.location}:")
        if self.field:
            parts.append(f"field '{self.field}':")
        parts.append(self.message if self.message.endswith((".", "?", "!")) else self.message + ".")
        text = " ".join(parts)
        if self.expected:
            text += f" Expected {self.expected}."
        if self.fix:
            text += f" {self.fix}"
        return text


class Incompatible(IcegraphError):
    """The previous build cannot be continued: the build starts again from nothing."""


class InputError(IcegraphError):
    """A raw input file does not have the shape its reader expects."""


class CatalogueError(IcegraphError):
    """A curated table in data/*.csv is malformed or does not cover the input."""


class ValidationFailed(IcegraphError):
    """The built graph breaks one or more SHACL rules (severity Violation)."""

    def __init__(self, message: str, findings: list | None = None) -> None:
        super().__init__(message)
        self.findings = findings or []


class QueryError(IcegraphError):
    """A catalogue query could not be found, parsed or run."""


class OutputError(IcegraphError):
    """The build folder cannot be created or written."""


class ReleaseRefused(IcegraphError):
    """A release, a diff or a citation that cannot be made as asked; nothing was written."""


class BuildLocked(IcegraphError):
    """Another build is writing into the same build folder."""


class RequestRefused(IcegraphError):
    """A request the server will not answer as asked: an HTTP status and what to change.

    Never a 5xx for the client's own mistake: 4xx when the request is wrong, 503 (with
    Retry-After where waiting helps) when the server's limits or load stop it."""

    def __init__(
        self,
        message: str,
        status: int = 400,
        fix: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message, fix=fix)
        self.status = status
        self.retry_after = retry_after


def _rebuild(cls: type[IcegraphError], state: dict[str, object]) -> IcegraphError:
    err = cls.__new__(cls)
    Exception.__init__(err, state.get("message", ""))
    err.__dict__.update(state)
    return err
