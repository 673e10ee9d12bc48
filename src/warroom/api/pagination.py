"""Page tokens shared by TAXII (``next``), REST (``next_cursor``) and the audit log.

Why: a token is handed to the caller, so it may carry only what the caller already sees
(docs/security.md). Object pages continue after the ``date_added`` of the last object shown
(unique, growing with every stored row, and printed in the page itself); audit pages continue
after the time of the last entry shown and how many entries of that instant were shown. A global
row number would count the rows the caller cannot see."""

from __future__ import annotations

import base64
import binascii
import re

from warroom.errors import InvalidInput

_OBJECTS = re.compile(r"^d([0-9]{1,20})$")  # ASCII digits only (\d takes any script's)
_AUDIT = re.compile(r"^a([0-9]{1,20})\.([0-9]{1,9})$")


def _encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(token: str, pattern: re.Pattern[str]) -> re.Match[str]:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    match = pattern.match(text)
    if match is None:
        raise InvalidInput("the page token is not one this server issued")
    return match


def encode_cursor(date_added: int) -> str:
    """The token of the page after the object added at ``date_added`` (µs)."""
    return _encode(f"d{date_added}")


def decode_cursor(token: str) -> int:
    return int(_decode(token, _OBJECTS).group(1))


def encode_audit_cursor(ts: int, shown_at_ts: int) -> str:
    """The token of the audit page after ``shown_at_ts`` entries at time ``ts`` were shown."""
    return _encode(f"a{ts}.{shown_at_ts}")


def decode_audit_cursor(token: str) -> tuple[int, int]:
    match = _decode(token, _AUDIT)
    return int(match.group(1)), int(match.group(2))
