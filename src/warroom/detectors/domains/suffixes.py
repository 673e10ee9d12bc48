"""Public-suffix reduction: ``login.maricopa.co.uk`` → suffix ``co.uk``, registrable
``maricopa.co.uk``.

Why: every name in a stream of millions goes through this, so it is three hash sets (rules,
wildcard parents, exceptions) probed at the name's dot positions, built once from the Public
Suffix List file bundled in the ``publicsuffixlist`` package (ICANN and private sections;
nothing is downloaded at run time). The algorithm is the list's own (publicsuffix.org/list):
the longest matching rule wins, an exception rule beats it, and an unlisted TLD is a suffix."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources


def _ascii_rule(rule: str) -> str:
    labels = []
    for label in rule.lower().split("."):
        if label.isascii():
            labels.append(label)
        else:
            labels.append("xn--" + label.encode("punycode").decode("ascii"))
    return ".".join(labels)


class PublicSuffixes:
    def __init__(self, text: str) -> None:
        self.rules: set[str] = set()
        self.wildcards: set[str] = set()  # parents of "*." rules
        self.exceptions: set[str] = set()  # "!" rules, without the "!"
        for line in text.splitlines():
            rule = line.strip().split(" ", 1)[0]
            if not rule or rule.startswith("//"):
                continue
            if rule.startswith("!"):
                self.exceptions.add(_ascii_rule(rule[1:]))
            elif rule.startswith("*."):
                self.wildcards.add(_ascii_rule(rule[2:]))
            else:
                self.rules.add(_ascii_rule(rule))

    def suffix(self, name: str) -> str:
        """The public suffix of ``name`` (lower-case ASCII, no trailing dot)."""
        starts = [0]
        i = name.find(".")
        while i != -1:
            starts.append(i + 1)
            i = name.find(".", i + 1)
        if self.exceptions:
            for start in starts:
                if name[start:] in self.exceptions:
                    rest = name[start:]
                    return rest[rest.find(".") + 1 :]
        for k, start in enumerate(starts):  # longest first
            candidate = name[start:]
            if candidate in self.rules:
                return candidate
            if k + 1 < len(starts) and name[starts[k + 1] :] in self.wildcards:
                return candidate
        return name[starts[-1] :]


@lru_cache(maxsize=1)
def public_suffixes() -> PublicSuffixes:
    data = resources.files("publicsuffixlist").joinpath("public_suffix_list.dat")
    return PublicSuffixes(data.read_text("utf-8"))
