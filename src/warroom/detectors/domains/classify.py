"""Names the edit that turns a protected label into a lookalike (one edit apart).

Why: an alert must say what kind of lookalike it is — an analyst treats a bitsquat (a flipped
bit in memory, rarely malicious) differently from a vowel swap typed on purpose — and the
quality benchmark reports recall per class."""

from __future__ import annotations

VOWELS = frozenset("aeiouy")
_ROWS = ("1234567890-", "qwertyuiop", "asdfghjkl", "zxcvbnm")
_KEYBOARD: dict[str, frozenset[str]] = {}
for _r, _row in enumerate(_ROWS):
    for _c, _key in enumerate(_row):
        near = set()
        for _dr in (-1, 0, 1):
            rr = _r + _dr
            if 0 <= rr < len(_ROWS):
                for _dc in (-1, 0, 1):
                    cc = _c + _dc
                    if 0 <= cc < len(_ROWS[rr]) and (_dr, _dc) != (0, 0):
                        near.add(_ROWS[rr][cc])
        _KEYBOARD[_key] = frozenset(near)


def _replacement(old: str, new: str) -> str:
    if old in VOWELS and new in VOWELS:
        return "vowel-swap"
    if new in _KEYBOARD.get(old, ()):
        return "keyboard"
    x = ord(old) ^ ord(new)
    if x and x & (x - 1) == 0:
        return "bitsquat"
    return "replacement"


def classify_edit(candidate: str, protected: str) -> str | None:
    """The class of the single edit from ``protected`` to ``candidate``, or None when they are
    not one edit apart."""
    n, m = len(candidate), len(protected)
    if n == m + 1:  # one character added
        i = next((k for k in range(m) if candidate[k] != protected[k]), m)
        if candidate[i + 1 :] != protected[i:]:
            return None
        added = candidate[i]
        if added == "-":
            return "hyphenation"
        if (i > 0 and candidate[i - 1] == added) or (i + 1 < n and candidate[i + 1] == added):
            return "repetition"
        return "insertion"
    if n == m - 1:
        i = next((k for k in range(n) if candidate[k] != protected[k]), n)
        return "omission" if candidate[i:] == protected[i + 1 :] else None
    if n != m:
        return None
    diffs = [k for k in range(n) if candidate[k] != protected[k]]
    if len(diffs) == 1:
        k = diffs[0]
        return _replacement(protected[k], candidate[k])
    if (
        len(diffs) == 2
        and diffs[1] == diffs[0] + 1
        and candidate[diffs[0]] == protected[diffs[1]]
        and candidate[diffs[1]] == protected[diffs[0]]
    ):
        return "transposition"
    return None
