"""Opaque page cursors shared by TAXII (``next``) and REST (``cursor``): a position in the
``date_added`` order, bound to nothing else, so the same query is repeated with it."""

from __future__ import annotations

import base64
import binascii

from warroom.errors import InvalidInput


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"s{seq}".encode()).decode().rstrip("=")


def decode_cursor(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text.startswith("s") or not text[1:].isdigit() or len(text) > 24:
        raise InvalidInput("the page token is not one this server issued")
    return int(text[1:])
