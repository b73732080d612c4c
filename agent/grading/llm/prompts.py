"""Render the prompt templates in ``prompts/`` (all of them go through :func:`render`).

``StrictUndefined`` makes a template that names a missing variable fail loudly instead of
rendering an empty string into a prompt. The output is plain text for a model, not HTML, so
nothing is autoescaped; candidate text goes through the ``data`` filter instead, which stops it
from closing the block it sits in.
"""

from __future__ import annotations

import re
from functools import lru_cache

import jinja2

from agent.resources import prompts_dir, template_environment

ANSWER_TAG = "answer"
"""The tag every answer of the candidate sits in (``<answer n="2">...</answer>``)."""
DATA_TAGS = (ANSWER_TAG,)
_TAG = re.compile(r"<\s*/?\s*(?:" + "|".join(DATA_TAGS) + r")\b[^>]*>", re.IGNORECASE)


def data(text: str) -> str:
    """Candidate text made safe to put inside a data block: it cannot open or close one."""
    return _TAG.sub("[tag removed]", text)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = template_environment(prompts_dir())
    env.filters["data"] = data
    return env


def template_names() -> list[str]:
    """Every template in the prompts directory."""
    return sorted(p.name for p in prompts_dir().glob("*.j2"))


def render(name: str, **context: object) -> str:
    """Render one template.

    Args:
        name: the file name in ``prompts/``, e.g. ``"turn.j2"``.
        context: the template's variables; a missing one raises ``jinja2.UndefinedError``.
    """
    return _environment().get_template(name).render(**context).strip() + "\n"
