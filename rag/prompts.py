"""Prompt templates live in ``prompts/`` as files with named placeholders.

Sentinels are defined once here and used by the prompts, the code and the tests alike.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

# What the tool says when the documents do not answer a question.
CANNOT_ANSWER = "文档中未提及"

# The repo's prompts/ folder ships as the package ``govbrief_prompts`` (pyproject's package-dir),
# so a plain ``pip install .`` carries the templates and no code depends on the checkout's path.
PROMPTS_DIR = Path(str(files("govbrief_prompts")))


@cache
def template(name: str) -> str:
    """The text of ``prompts/{name}.txt``."""
    return (PROMPTS_DIR / f"{name}.txt").read_text("utf-8").strip()


def render(name: str, **values: str) -> str:
    """Fill a template's named placeholders; ``cannot_answer`` is always available."""
    return template(name).format(cannot_answer=CANNOT_ANSWER, **values)
