"""Domain names as they arrive from the wild, made comparable.

Why: new-registration lists, certificate logs and logs hold names in punycode, in Unicode, with
wildcards, trailing dots, upper case and garbage. Everything the detector compares goes through
``parse_domain`` once: IDNA decoding (punycode labels to Unicode), validation with a reason
for what is refused, and public-suffix reduction (``suffixes.py``)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from warroom.detectors.domains.suffixes import public_suffixes

MAX_NAME = 253
MAX_LABEL = 63
_ASCII_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$")
# the common case in one match: plain ASCII labels of 1-63 characters, no punycode
_PLAIN_NAME = re.compile(
    r"^(?!.*xn--)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$"
)


class InvalidDomain(ValueError):
    """A name that is not a usable domain name; the message says why, ``reason`` is the short
    category it is counted under."""

    def __init__(self, message: str, reason: str = "invalid") -> None:
        super().__init__(message)
        self.reason = reason


def _allowed_unicode(c: str) -> bool:
    return c in "-_" or unicodedata.category(c)[0] in "LMN"


@dataclass(frozen=True, slots=True)
class DomainName:
    """A parsed name. ``label`` is the registrable label (``maricopa`` in ``maricopa.gov``), in
    Unicode; ``subdomain`` the labels left of it; ``suffix`` the public suffix."""

    ascii: str
    unicode: str
    label: str
    suffix: str
    subdomain: tuple[str, ...]
    registrable_ascii: str  # what allowlists hold: ``xn--...`` labels, the public suffix

    @property
    def registrable(self) -> str:
        return f"{self.label}.{self.suffix}"

    @property
    def is_idn(self) -> bool:
        return not self.unicode.isascii()


def _decode_label(label: str) -> str:
    if label.startswith("xn--"):
        try:
            decoded = label[4:].encode("ascii").decode("punycode")
        except (UnicodeError, ValueError):
            raise InvalidDomain(f"label {label!r} is not valid punycode", "bad punycode") from None
        if not decoded or decoded.isascii():
            raise InvalidDomain(f"label {label!r} decodes to nothing non-ASCII", "bad punycode")
        return decoded.lower()
    return label


def _encode_label(label: str) -> str:
    if label.isascii():
        return label
    try:
        return "xn--" + label.encode("punycode").decode("ascii")
    except UnicodeError:
        raise InvalidDomain(f"label {label!r} cannot be encoded", "bad label") from None


def clean(raw: str) -> str:
    """Lower case, no surrounding space, no trailing dot, no leading ``*.`` (certificates)."""
    name = raw.strip().lower().rstrip(".")
    while name.startswith("*."):
        name = name[2:]
    return name


def parse_domain(raw: str) -> DomainName:
    """Parse one name or raise InvalidDomain with the reason."""
    name = clean(raw)
    if not name:
        raise InvalidDomain("empty name", "empty")
    if len(name) > MAX_NAME:
        raise InvalidDomain(f"name is {len(name)} characters long (at most {MAX_NAME})", "too long")
    labels = name.split(".")
    if len(labels) < 2:
        raise InvalidDomain(f"{name!r} has no public suffix", "no suffix")
    if _PLAIN_NAME.match(name):
        return _split(name, labels, labels)
    uni: list[str] = []
    asc: list[str] = []
    for label in labels:
        if not label:
            raise InvalidDomain(f"{name!r} has an empty label", "empty label")
        if len(label) > MAX_LABEL:
            raise InvalidDomain(
                f"a label is {len(label)} characters long (at most {MAX_LABEL})", "label too long"
            )
        if label.isascii():
            if not _ASCII_LABEL.match(label):
                raise InvalidDomain(
                    f"label {label!r} has characters a domain cannot hold", "bad characters"
                )
            uni.append(_decode_label(label))
            asc.append(label)
        else:
            if not all(_allowed_unicode(c) for c in label):
                raise InvalidDomain(
                    f"label {label!r} has characters a domain cannot hold", "bad characters"
                )
            uni.append(label)
            encoded = _encode_label(label)
            if len(encoded) > MAX_LABEL:
                raise InvalidDomain(f"label {label!r} is too long once encoded", "label too long")
            asc.append(encoded)
    ascii_name = ".".join(asc)
    if len(ascii_name) > MAX_NAME:
        raise InvalidDomain(
            f"name is {len(ascii_name)} characters long once encoded (at most {MAX_NAME})",
            "too long",
        )
    return _split(ascii_name, uni, asc)


def _split(ascii_name: str, uni: list[str], asc: list[str]) -> DomainName:
    suffix = public_suffixes().suffix(ascii_name)
    if suffix == ascii_name:
        raise InvalidDomain(f"{ascii_name!r} is a public suffix, not a domain", "public suffix")
    n_suffix = suffix.count(".") + 1
    return DomainName(
        ascii=ascii_name,
        unicode=".".join(uni),
        label=uni[-n_suffix - 1],
        suffix=".".join(uni[-n_suffix:]),
        subdomain=tuple(uni[: -n_suffix - 1]),
        registrable_ascii=".".join(asc[-n_suffix - 1 :]),
    )
