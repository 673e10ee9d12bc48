"""Canonical forms of URLs, host names and IP addresses, so equal things compare equal.

Why: ``HTTP://Evil.COM:80/a/./b/../c#frag`` and ``http://evil.com/a/c`` are the same URL to a
browser, and an indicator shared in one spelling must match a log that has the other. URLs are
canonicalised the way Google Safe Browsing does it (lower-case scheme and host, no default
port, no fragment, dot segments resolved, repeated slashes collapsed, percent-escapes
normalised); IPs are parsed to integers; hosts lose trailing dots and case."""

from __future__ import annotations

import re
from urllib.parse import unquote

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")
_DEFAULT_PORTS = {"http": "80", "https": "443", "ftp": "21"}


def canonical_host(host: str) -> str:
    host = host.strip().strip(".").lower()
    if host.startswith("[") and host.endswith("]"):
        return host
    try:
        return host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return host


def ipv4_int(text: str) -> int | None:
    """An IPv4 address as an integer, or None (no exceptions: this runs per log line)."""
    parts = text.split(".")
    if len(parts) != 4:
        return None
    value = 0
    for part in parts:
        if not part.isdigit() or len(part) > 3:
            return None
        octet = int(part)
        if octet > 255:
            return None
        value = value << 8 | octet
    return value


def _escape(text: str) -> str:
    """Percent-escape what a canonical URL may not hold (control characters, space, #, %)."""
    out: list[str] = []
    for ch in text:
        code = ord(ch)
        if code <= 32 or code >= 127 or ch in "#%":
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8"))
        else:
            out.append(ch)
    return "".join(out)


def _unescape_fully(text: str) -> str:
    for _ in range(10):
        decoded = unquote(text)
        if decoded == text:
            break
        text = decoded
    return text


def _resolve_path(path: str) -> str:
    segments: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment not in (".", ""):
            segments.append(segment)
    trailing = path.endswith(("/", "/.", "/..")) and bool(segments)
    return "/" + "/".join(segments) + ("/" if trailing else "")


def canonical_url(url: str) -> str | None:
    """The canonical form of ``url`` (``http`` assumed without a scheme), or None."""
    text = url.strip().replace("\t", "").replace("\r", "").replace("\n", "")
    text = text.split("#", 1)[0]
    match = _SCHEME.match(text)
    scheme = match.group(1).lower() if match else "http"
    rest = text[match.end() :] if match else text
    end = min((i for i in (rest.find("/"), rest.find("?")) if i != -1), default=len(rest))
    authority, tail = rest[:end], rest[end:]
    if not tail.startswith("/"):
        tail = "/" + tail
    path, question, query = tail.partition("?")
    authority = authority.rsplit("@", 1)[-1]
    host, colon, port = (
        authority.rpartition(":")
        if ":" in authority and not authority.endswith("]")
        else (authority, "", "")
    )
    if colon and not port.isdigit():
        return None
    host = canonical_host(_unescape_fully(host))
    if not host or " " in host:
        return None
    if port and _DEFAULT_PORTS.get(scheme) == port:
        port = ""
    path = _escape(_resolve_path(_unescape_fully(path)))
    canonical = f"{scheme}://{host}{':' + port if port else ''}{path}"
    if question:
        canonical += "?" + _escape(_unescape_fully(query))
    return canonical
