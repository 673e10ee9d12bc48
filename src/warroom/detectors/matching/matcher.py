"""Match observables against indicators: exact URLs, domains and their subdomains, CIDR ranges.

Why: the question a platform or election office asks of the exchange every day is "does
anything in my logs match what others shared?". Indicators are loaded once into hash maps —
canonical URLs, domain names (a name matches itself and every subdomain: ``login.evil.com``
matches the indicator ``evil.com``), IPv4 addresses and ranges (one map per prefix length) —
and each lookup is a handful of dictionary probes, so millions of indicators stay fast."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from warroom.detectors.matching.canonical import canonical_host, canonical_url, ipv4_int
from warroom.model.patterns import equality_comparisons

# the object paths of the comparisons a matcher can use
MATCHABLE_PATHS = ("domain-name:value", "url:value", "ipv4-addr:value", "ipv6-addr:value")
# what a log line may hold
_URL_IN_TEXT = re.compile(r"\b(?:https?|ftp)://[^\s\"'<>]+", re.IGNORECASE)
_IPV4_IN_TEXT = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
_HOST_IN_TEXT = re.compile(r"\b(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z]{2,63}\b", re.I)


@dataclass(frozen=True)
class Match:
    observable: str  # what was looked up (canonical)
    kind: str  # url | domain | ipv4 | ipv6
    indicator: str  # the indicator value it matched
    ref: str  # the indicator's id


def observables_of(pattern: str) -> list[tuple[str, str]]:
    """(type, value) of every equality comparison in a STIX pattern we can match on."""
    return [
        (path.split(":", 1)[0], value)
        for path, value in equality_comparisons(pattern)
        if path in MATCHABLE_PATHS
    ]


class IndicatorMatcher:
    def __init__(self) -> None:
        self.urls: dict[str, str] = {}
        self.domains: dict[str, str] = {}
        # the last two labels of every shared domain: a host whose last two labels are not
        # here matches nothing, which one lookup tells (most hosts in a log match nothing)
        self._tails: set[str] = set()
        self.ipv4: dict[int, dict[int, str]] = {}  # prefix length -> network int -> ref
        self._ipv4_lengths: list[int] = []  # the keys of ipv4, longest prefix first
        self.ipv6: list[tuple[ipaddress.IPv6Network, str]] = []
        self._values: dict[str, str] = {}  # ref -> the indicator value (for reporting)
        self.size = 0

    def add(self, kind: str, value: str, ref: str) -> bool:
        """Add one indicator value; returns False for a value that cannot be matched on."""
        if kind == "url":
            url = canonical_url(value)
            if url is None:
                return False
            self.urls[url] = ref
        elif kind == "domain-name":
            host = canonical_host(value)
            if not host or "." not in host:
                return False
            self.add_domains([host], ref)
            return True
        elif kind == "ipv4-addr":
            try:
                network = ipaddress.IPv4Network(value.strip(), strict=False)
            except ValueError:
                return False
            self.add_ipv4_networks(network.prefixlen, [int(network.network_address)], ref)
            return True
        elif kind == "ipv6-addr":
            try:
                self.ipv6.append((ipaddress.IPv6Network(value.strip(), strict=False), ref))
            except ValueError:
                return False
        else:
            return False
        self.size += 1
        return True

    def add_domains(self, hosts: Iterable[str], ref: str) -> None:
        """Add canonical host names (lower case, ASCII, with a dot) in bulk."""
        domains, tails = self.domains, self._tails
        n = len(domains)
        for host in hosts:
            domains[host] = ref
            tails.add(_tail(host))
        self.size += len(domains) - n

    def add_ipv4_networks(self, prefixlen: int, networks: Iterable[int], ref: str) -> None:
        """Add IPv4 networks of one prefix length, as integers of their first address."""
        if prefixlen not in self.ipv4:
            self.ipv4[prefixlen] = {}
            self._ipv4_lengths = sorted(self.ipv4, reverse=True)
        table = self.ipv4[prefixlen]
        n = len(table)
        for network in networks:
            table[network] = ref
        self.size += len(table) - n

    def add_pattern(self, pattern: str, ref: str) -> int:
        return sum(self.add(kind, value, ref) for kind, value in observables_of(pattern))

    def match_domain(self, host: str) -> tuple[str, str] | None:
        """(indicator domain, ref) for ``host`` or the nearest parent domain shared."""
        if _tail(host) not in self._tails:
            return None
        domains = self.domains
        ref = domains.get(host)
        if ref is not None:
            return host, ref
        i = host.find(".")
        while i != -1:
            host = host[i + 1 :]
            ref = domains.get(host)
            if ref is not None:
                return host, ref
            i = host.find(".")
        return None

    def match_domains(self, hosts: Iterable[str]) -> Iterator[str | None]:
        """The ref ``match_domain`` finds for each of many canonical hosts, or None."""
        match = self.match_domain
        for host in hosts:
            hit = match(host)
            yield hit[1] if hit is not None else None

    def match_ipv4(self, address: int) -> tuple[str, str] | None:
        """(indicator network, ref) of the most specific range holding ``address``."""
        for length in self._ipv4_lengths:
            mask = (0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF
            ref = self.ipv4[length].get(address & mask)
            if ref is not None:
                network = ipaddress.IPv4Network((address & mask, length))
                return str(network.network_address if length == 32 else network), ref
        return None

    def match_ipv6(self, text: str) -> str | None:
        if not self.ipv6:
            return None
        try:
            address = ipaddress.IPv6Address(text)
        except ValueError:
            return None
        return next((ref for network, ref in self.ipv6 if address in network), None)

    def match_url(self, url: str) -> Match | None:
        """A URL matches a shared URL equal to it, to it without its query, or to one of its
        path prefixes ending in ``/`` (as Safe Browsing looks up); else its host is matched."""
        canonical = canonical_url(url)
        if canonical is None:
            return None
        if self.urls:
            for candidate in _url_lookups(canonical):
                ref = self.urls.get(candidate)
                if ref is not None:
                    return Match(canonical, "url", candidate, ref)
        host = canonical.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[0]
        return self._match_host(host)

    def _match_host(self, host: str) -> Match | None:
        address = ipv4_int(host)
        hit = self.match_ipv4(address) if address is not None else self.match_domain(host)
        if hit is None:
            return None
        return Match(host, "ipv4" if address is not None else "domain", hit[0], hit[1])

    def match_text(self, line: str) -> list[Match]:
        """Every match in a line of a log or a list: URLs, then host names and IPs."""
        found: list[Match] = []
        seen: set[str] = set()
        for url in _URL_IN_TEXT.findall(line):
            hit = self.match_url(url.rstrip(".,;)]"))
            if hit and hit.observable not in seen:
                seen.add(hit.observable)
                found.append(hit)
        for host in _HOST_IN_TEXT.findall(line):
            hit = self._match_host(canonical_host(host))
            if hit and hit.observable not in seen:
                seen.add(hit.observable)
                found.append(hit)
        for ip in _IPV4_IN_TEXT.findall(line):
            hit = self._match_host(ip)
            if hit and hit.observable not in seen:
                seen.add(hit.observable)
                found.append(hit)
        return found


def _tail(host: str) -> str:
    """The last two labels of a host name (all of it when it has fewer)."""
    return host[host.rfind(".", 0, host.rfind(".")) + 1 :]


def _url_lookups(canonical: str) -> Iterator[str]:
    yield canonical
    base, _, _query = canonical.partition("?")
    if _query:
        yield base
    scheme_host, slash, path = base.partition("://")[2].partition("/")
    prefix = base[: len(base) - len(path) - len(slash)]
    parts = path.split("/")
    for n in range(len(parts) - 1, -1, -1):
        candidate = prefix + "/" + "/".join(parts[:n]) + ("/" if n else "")
        if candidate != base:
            yield candidate
