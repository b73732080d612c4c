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
    """The first validation error as ``field.path: message`` (``+N more`` when there are)."""
    errors = exc.errors()
    loc = ".".join(str(part) for part in errors[0]["loc"]) or "(top level)"
    msg = str(errors[0]["msg"]).removeprefix("Value error, ")
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{loc}: {msg}{more}"
