"""The strict pydantic bases every boundary model uses, and one way to word a validation error."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, ValidationError


class Strict(BaseModel):
    """A model that rejects unknown fields (file-backed data: a typo is an error, not a default)."""

    model_config = ConfigDict(extra="forbid")


class Frozen(BaseModel):
    """A strict model whose instances never change once built."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def first_error(exc: ValidationError) -> str:
    """The first validation error as ``field.path: message`` (``+N more`` when there are).

    An unknown key comes first, whatever pydantic's order: a misspelt ``topcs`` also makes
    ``topic`` missing, and the typo is the error worth naming.
    """
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    first = errors[0]
    loc = ".".join(str(part) for part in first["loc"]) or "(top level)"
    if first["type"] == "extra_forbidden":
        msg = "unknown key (a misspelling?)"
    else:
        msg = str(first["msg"]).removeprefix("Value error, ")
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{loc}: {msg}{more}"
