"""STIX 2.1 patterns: quote a value as a string literal, build comparisons and observation
expressions, and read equality comparisons back.

Why: every producer of indicators (the demo data, the coordination and the domain detectors)
and the matcher that consumes them must agree on one quoting rule. STIX 2.1 §9 (patterning
grammar, ``StringLiteral``) quotes a string with ``'`` and escapes exactly two characters
inside it with a backslash: ``\\`` and ``'``. Hand-written escaping drifted apart: one producer
forgot it (a name with a quote gave an invalid pattern) and the matcher could not read an
escaped quote back. This module is the one place that knows the rule; tests check what it
builds with the OASIS ``stix2-patterns`` validator.
"""

from __future__ import annotations

import re

# An object path: an object type, a colon and a property path (``file:hashes.'SHA-256'``,
# ``email-message:to_refs[*].value``). Deliberately strict: no spaces, brackets balanced enough
# for what this project writes.
_OBJECT_PATH = r"[a-z0-9][a-z0-9-]*:[A-Za-z0-9_][A-Za-z0-9_.\[\]*'-]*"
OBJECT_PATH_RE = re.compile(rf"^{_OBJECT_PATH}$")
_LITERAL = r"'(?:[^'\\]|\\['\\])*'"
# A scanner: either an equality comparison ``path = 'literal'`` (groups 1 and 2) or any other
# string literal, consumed whole so that text inside a literal is never read as a comparison.
_SCAN = re.compile(rf"({_OBJECT_PATH})\s*=\s*({_LITERAL})|'(?:[^'\\]|\\.)*'")


def quote(value: str) -> str:
    """``value`` as a STIX pattern string literal: ``it's`` becomes ``'it\\'s'``."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def unquote(literal: str) -> str:
    """The value of a STIX pattern string literal (the inverse of :func:`quote`); raises
    ValueError when ``literal`` is not one."""
    if not re.fullmatch(_LITERAL, literal):
        raise ValueError(f"not a STIX pattern string literal: {literal!r}")
    return re.sub(r"\\(['\\])", r"\1", literal[1:-1])


def equals(object_path: str, value: str) -> str:
    """The comparison ``object_path = 'value'`` (the value quoted)."""
    if not OBJECT_PATH_RE.match(object_path):
        raise ValueError(f"not a STIX object path: {object_path!r}")
    return f"{object_path} = {quote(value)}"


def observation(*comparisons: str, operator: str = "AND") -> str:
    """One observation expression: ``[a AND b]`` (or ``OR``) over built comparisons."""
    if not comparisons:
        raise ValueError("an observation needs at least one comparison")
    if operator not in ("AND", "OR"):
        raise ValueError(f"comparisons join with AND or OR, not {operator!r}")
    return "[" + f" {operator} ".join(comparisons) + "]"


def equality(object_path: str, value: str) -> str:
    """The whole pattern ``[object_path = 'value']``: one observation, one comparison."""
    return observation(equals(object_path, value))


def equality_comparisons(pattern: str) -> list[tuple[str, str]]:
    """(object path, value) of every ``path = 'literal'`` comparison in ``pattern``, in order.

    Other comparisons (``!=``, ``LIKE``, ``IN`` …) and literals that are not well-formed are
    skipped; so is the text inside any string literal."""
    found: list[tuple[str, str]] = []
    for match in _SCAN.finditer(pattern):
        path, literal = match.group(1), match.group(2)
        if path is not None and literal is not None:
            found.append((path, unquote(literal)))
    return found
