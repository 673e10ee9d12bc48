"""The Detector interface and the registry of detectors.

Why: every detector (domain lookalikes, coordinated behaviour, media hashes) is driven the same
way by the CLI and services — build it from its configuration, feed it batches of input, get
findings with evidence back, turn findings into STIX — so one small interface is the only thing
the rest of warroom knows about them (DESIGN.md principle 1). Names are stable snake_case and
double as configuration keys (principle 2); ``REGISTRY`` lists the built-in ones and a test
fails when a detector is left out of it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class Finding:
    """One thing a detector found: what it is, why (evidence), and how sure (0..1)."""

    detector: str
    subject: str
    kind: str
    score: float
    evidence: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class Detector(Protocol):
    """Turns batches of input items into findings. Stateless between batches except for what
    it indexed at construction, so a stream can be split, stopped and resumed anywhere."""

    name: str

    def detect(self, items: Iterable[str]) -> Iterator[Finding]: ...


REGISTRY: dict[str, str] = {
    # name -> "module:factory"; loaded lazily so importing warroom stays cheap
    "domain_lookalike": "warroom.detectors.domains.detector:DomainWatch",
    "coordinated_behaviour": "warroom.detectors.cib.detector:CoordinationDetector",
}
