"""A Griffe extension for the documentation site: Sphinx roles in docstrings become links.

The docstrings are numpydoc, whose cross-references are Sphinx roles (``:class:`~pkg.X```,
``:func:`differentiate```); mkdocstrings renders Markdown and would show them raw. This
extension rewrites every role, as the docstrings are loaded, into a Markdown cross-reference
(``[`X`][pkg.X]``) when its target is one of the objects ``docs/api.md`` renders (an anchor
that exists), and into plain code (`` `X` ``) otherwise, so the strict build never meets a
link to nowhere.

Configured in ``mkdocs.yml`` under the Python handler's ``extensions``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(?:class|func|meth|attr|data|mod|obj|exc|const):`(~?)([^`]+)`")
IDENTIFIER = re.compile(r"^:::\s*([\w.]+)", re.M)
API_PAGE = Path(__file__).resolve().parents[1] / "docs" / "api.md"


def rendered_identifiers(page: Path = API_PAGE) -> set[str]:
    """The objects the API page renders (each one an anchor of the site)."""
    return set(IDENTIFIER.findall(page.read_text(encoding="utf-8")))


def resolve(target: str, context: str, rendered: set[str]) -> str | None:
    """The rendered identifier a role's target names, seen from the object ``context``."""
    target = target.strip().lstrip(".")
    if target in rendered:
        return target
    parts = target.split(".")
    for end in range(len(parts), 0, -1):  # 'Class.method' links to the class
        head = ".".join(parts[:end])
        candidates = [r for r in rendered if r == head or r.endswith("." + head)]
        if candidates:
            # Several objects of one name (differentiate in timeseries and in symbolic): the
            # one that shares the most of the context's path.
            def shared(candidate: str) -> int:
                common = 0
                for a, b in zip(candidate.split("."), context.split("."), strict=False):
                    if a != b:
                        break
                    common += 1
                return common

            return max(sorted(candidates), key=shared)
    return None


def convert(text: str, context: str, rendered: set[str]) -> str:
    """Every Sphinx role of ``text`` as a Markdown cross-reference or plain code."""

    def replace(match: re.Match[str]) -> str:
        tilde, target = match.groups()
        target = target.strip()
        shown = target.split(".")[-1] if tilde else target
        found = resolve(target, context, rendered)
        return f"`{shown}`" if found is None else f"[`{shown}`][{found}]"

    return ROLE.sub(replace, text)


class SphinxRoles(griffe.Extension):
    """Rewrite the Sphinx roles of every docstring as it is loaded."""

    def __init__(self) -> None:
        self.rendered = rendered_identifiers()

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None and ":" in obj.docstring.value:
            obj.docstring.value = convert(obj.docstring.value, obj.path, self.rendered)
