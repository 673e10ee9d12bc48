"""Protected assets: the domains, names and brand tokens an organisation wants lookalikes of.

Why: a county election office protects ``maricopa.vote`` and the token ``maricopa``; a
campaign protects ``janedoe2026.com`` and ``janedoe``. Assets come from the CISA .gov list
(the election offices in it) or from a CSV an organisation keeps; owned domains are never
alerted on."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from warroom.detectors.domains.names import InvalidDomain, parse_domain
from warroom.detectors.domains.words import NAME_NOISE

ELECTION_TYPES_SUFFIX = "Election"
CSV_COLUMNS = ("organisation", "domain", "tokens", "owned")


@dataclass(frozen=True)
class ProtectedAsset:
    """One protected domain with the tokens that name its owner."""

    organisation: str
    domain: str  # registrable domain, ASCII (punycode)
    label: str  # registrable label, Unicode
    tokens: frozenset[str] = field(default_factory=frozenset)
    owned: frozenset[str] = field(default_factory=frozenset)  # registrable domains, ASCII


class AssetFileError(ValueError):
    """An asset file that cannot be read; the message names the file, row and column."""


def name_tokens(organisation: str, min_length: int = 5) -> frozenset[str]:
    """Distinctive words of an organisation name: ``Maricopa County Elections`` → maricopa."""
    words = re.findall(r"[a-z0-9]+", organisation.lower())
    return frozenset(w for w in words if len(w) >= min_length and w not in NAME_NOISE)


def asset(
    organisation: str, domain: str, tokens: Iterable[str] = (), owned: Iterable[str] = ()
) -> ProtectedAsset:
    """A ProtectedAsset from text: the domain parsed, its label always one of the tokens and
    its registrable domain always owned."""
    name = parse_domain(domain)
    return ProtectedAsset(
        organisation=organisation,
        domain=name.registrable_ascii,
        label=name.label,
        tokens=frozenset(t.lower() for t in tokens if t) | {name.label},
        owned=frozenset({parse_domain(d).registrable_ascii for d in owned})
        | {name.registrable_ascii},
    )


def load_dotgov(path: Path, election_only: bool = True) -> tuple[list[ProtectedAsset], set[str]]:
    """Election-office assets from CISA's dotgov-data CSV, and every registered .gov domain
    (the allowlist: a registered .gov domain is nobody's lookalike)."""
    assets: list[ProtectedAsset] = []
    registered: set[str] = set()
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        for column in ("Domain name", "Domain type", "Organization name"):
            if column not in (reader.fieldnames or ()):
                raise AssetFileError(f"{path}: no column {column!r} (is this dotgov-data?)")
        for row in reader:
            domain = row["Domain name"].strip().lower()
            if not domain:
                continue
            registered.add(domain)
            if election_only and not row["Domain type"].strip().endswith(ELECTION_TYPES_SUFFIX):
                continue
            organisation = row["Organization name"].strip()
            assets.append(asset(organisation, domain, name_tokens(organisation)))
    return assets, registered


def load_csv(path: Path) -> list[ProtectedAsset]:
    """Assets from a CSV with columns organisation, domain, tokens (space-separated) and owned
    (space-separated domains); only organisation and domain are required."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in ("organisation", "domain") if c not in (reader.fieldnames or ())]
        if missing:
            raise AssetFileError(
                f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(CSV_COLUMNS)}"
            )
        out = []
        for line, row in enumerate(reader, start=2):
            try:
                out.append(
                    asset(
                        row["organisation"].strip(),
                        row["domain"],
                        (row.get("tokens") or "").split(),
                        (row.get("owned") or "").split(),
                    )
                )
            except InvalidDomain as exc:
                raise AssetFileError(f"{path}, line {line}: {exc}") from None
        return out


def read_domain_list(path: Path, column: str) -> Iterator[str]:
    """Domains from a CSV column (Tranco lists); plain lists are read by ``sources.ListFile``."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        reader = csv.DictReader(handle)
        if column not in (reader.fieldnames or ()):
            raise AssetFileError(f"{path}: no column {column!r}")
        for row in reader:
            if row[column]:
                yield row[column].strip()
