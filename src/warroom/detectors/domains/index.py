"""The index of protected assets, built once, that every candidate domain is looked up in.

Why: generating every permutation of 700 (or 10,000) protected names and scanning a stream
for them is slow and still misses what the generator did not think of. Instead the assets are
indexed once — their confusable skeletons in a hash map, the one-deletion neighbourhood of
each skeleton (so a candidate one edit away is found with a handful of hash lookups, the
symmetric-delete method), an Aho-Corasick automaton over brand tokens — and a candidate costs
a few microseconds whatever the number of assets."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick

from warroom.detectors.domains.assets import ProtectedAsset
from warroom.detectors.domains.confusables import skeleton

# Edits are only looked for around labels at least this long: one edit from a four-letter
# name is another ordinary name.
MIN_FUZZY_LENGTH = 6
# Brand tokens shorter than this only match a whole hyphen-separated part; protected labels
# shorter than MIN_INNER_LABEL only count inside a longer word when set off by a hyphen or digits.
MIN_SUBSTRING_TOKEN = 5
MIN_INNER_LABEL = 8


def deletes(text: str) -> list[str]:
    """Every string one deletion away from ``text``."""
    return [text[:i] + text[i + 1 :] for i in range(len(text))]


@dataclass(frozen=True)
class TokenHit:
    """A brand token found inside a label. ``labels`` are the assets whose own domain label is
    the token (a strong sign); ``names`` those whose organisation name holds it (weaker)."""

    token: str
    start: int
    end: int
    labels: tuple[int, ...]
    names: tuple[int, ...]


class AssetIndex:
    def __init__(self, assets: Iterable[ProtectedAsset], allowlist: Iterable[str] = ()) -> None:
        self.assets: list[ProtectedAsset] = list(assets)
        self.allowlist: set[str] = {d.lower() for d in allowlist}
        self.skeletons: list[str] = []
        self.by_skeleton: dict[str, list[int]] = {}
        # skeleton -> assets with that skeleton, plus one-deletion variant -> assets it is
        # one deletion away from (one map: a lookup answers both questions)
        self.by_key: dict[str, list[int]] = {}
        tokens: dict[str, tuple[list[int], list[int]]] = {}
        for i, a in enumerate(self.assets):
            self.allowlist |= a.owned
            sk = skeleton(a.label)
            self.skeletons.append(sk)
            self.by_skeleton.setdefault(sk, []).append(i)
            self.by_key.setdefault(sk, []).append(i)
            if len(sk) >= MIN_FUZZY_LENGTH:
                for d in set(deletes(sk)) - {sk}:
                    self.by_key.setdefault(d, []).append(i)
            tokens.setdefault(sk, ([], []))[0].append(i)
            for token in a.tokens - {a.label}:
                tokens.setdefault(skeleton(token), ([], []))[1].append(i)
        # long tokens are found anywhere by the automaton, short ones as whole parts
        self._automaton = ahocorasick.Automaton()
        self._short: dict[str, tuple[str, tuple[int, ...], tuple[int, ...]]] = {}
        for token, (labels, names) in tokens.items():
            entry = (token, tuple(labels), tuple(names))
            if len(token) >= MIN_SUBSTRING_TOKEN:
                self._automaton.add_word(token, entry)
            else:
                self._short[token] = entry
        self._has_long = len(self._automaton) > 0
        if self._has_long:
            self._automaton.make_automaton()

    def __len__(self) -> int:
        return len(self.assets)

    def near(self, sk: str) -> set[int]:
        """Assets whose skeleton is ``sk`` or one deletion/insertion/substitution/adjacent swap
        from it (candidates; the caller verifies the distance)."""
        get = self.by_key.get
        hits = get(sk)
        found = set(hits) if hits else set()
        if len(sk) + 1 >= MIN_FUZZY_LENGTH:
            for i in range(len(sk)):
                hits = get(sk[:i] + sk[i + 1 :])
                if hits:
                    found.update(hits)
        return found

    def token_hits(self, sk: str) -> list[TokenHit]:
        """Brand tokens inside ``sk`` (a skeleton), short ones only at part boundaries."""
        hits = []
        if self._has_long:
            for end, (token, labels, names) in self._automaton.iter(sk):
                hits.append(TokenHit(token, end - len(token) + 1, end + 1, labels, names))
        if self._short:
            start = 0
            for part in sk.split("-"):
                entry = self._short.get(part)
                if entry is not None:
                    hits.append(TokenHit(entry[0], start, start + len(part), entry[1], entry[2]))
                start += len(part) + 1
        return hits


def set_off(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is set off by the ends, hyphens or digits."""
    return (start == 0 or not text[start - 1].isalpha()) and (
        end == len(text) or not text[end].isalpha()
    )
