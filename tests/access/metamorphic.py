"""The machinery of the inference (metamorphic) oracle: two exchanges run in lockstep, a
deterministic clock and randomness per step, and answers observed as a client sees them.

Why: an access oracle that checks each answer against the rules misses what a caller can
*infer* (a count, a cursor, an error, a version flag). Here two worlds receive the same steps
except for one change hidden from the caller; every answer the caller then gets must be the same
in both. For that to be meaningful the two worlds must be identical in everything else: each step
runs at the same instant and draws the same "random" ids and secrets in both, so the only
difference left is the hidden change.

Every answer is compared whole, page tokens included: a token must be built only from what the
caller can see. Nothing here is imported by the product; the clock and randomness are swapped
by patching (``warroom.model.stix.now_micros`` wherever it was imported, ``uuid.uuid4`` and
``secrets``), so the same harness also runs against older commits of the product.
"""

from __future__ import annotations

import hashlib
import random
import secrets
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warroom.api import create_app
from warroom.settings import Settings
from warroom.storage.store import Store
from warroom.testing.asgi import InProcessClient
from warroom.testing.databases import fresh_database_url

T0 = 1_790_000_000_000_000  # 2026-09-22, in µs
TAXII = "application/taxii+json;version=2.1"


class Determinism:
    """One clock and one random stream per step, the same in every world that runs the step."""

    def __init__(self) -> None:
        self.now = T0
        self.rng = random.Random(0)
        self._saved: list[tuple[object, str, object]] = []

    # the replacements ---------------------------------------------------------------
    def now_micros(self) -> int:
        return self.now

    def uuid4(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def token_bytes(self, n: int | None = None) -> bytes:
        return self.rng.randbytes(32 if n is None else n)

    def token_hex(self, n: int | None = None) -> str:
        return self.token_bytes(n).hex()

    def token_urlsafe(self, n: int | None = None) -> str:
        import base64

        return base64.urlsafe_b64encode(self.token_bytes(n)).rstrip(b"=").decode()

    def randbelow(self, n: int) -> int:
        return self.rng.randrange(n)

    def randbits(self, k: int) -> int:
        return self.rng.getrandbits(k)

    # patching -----------------------------------------------------------------------
    def install(self) -> None:
        import warroom.api.routes
        import warroom.api.taxii  # noqa: F401 - imported now so their names get patched too
        import warroom.model.stix as stix

        original = stix.now_micros
        for module in list(sys.modules.values()):
            name = getattr(module, "__name__", "")
            if (name == "warroom" or name.startswith("warroom.")) and getattr(
                module, "now_micros", None
            ) is original:
                self._patch(module, "now_micros", self.now_micros)
        self._patch(uuid, "uuid4", self.uuid4)
        for attr in ("token_bytes", "token_hex", "token_urlsafe", "randbelow", "randbits"):
            self._patch(secrets, attr, getattr(self, attr))

    def _patch(self, target: object, attr: str, value: object) -> None:
        self._saved.append((target, attr, getattr(target, attr)))
        setattr(target, attr, value)

    def uninstall(self) -> None:
        while self._saved:
            target, attr, value = self._saved.pop()
            setattr(target, attr, value)

    @contextmanager
    def step(self, at: int, label: str) -> Iterator[None]:
        """Run a step at ``at`` µs with randomness seeded by ``label``."""
        self.now = at
        self.rng.seed(hashlib.sha256(label.encode()).digest())
        yield


@dataclass(repr=False)
class World:
    """One exchange: its store, service and in-process client, and the names it knows."""

    store: Store
    client: InProcessClient
    keys: dict[str, str] = field(default_factory=dict)  # user label -> API key
    ids: dict[str, Any] = field(default_factory=dict)  # label -> database id

    @property
    def service(self) -> Any:
        return self.client.app_state.exchange  # type: ignore[attr-defined]

    def request(self, method: str, path: str, user: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.keys[user]}", "Accept": TAXII}
        headers.update(kwargs.pop("headers", {}))
        return self.client.request(method, path, headers=headers, **kwargs)


def open_world(tmp: Path, label: str) -> World:
    url = fresh_database_url(tmp, label)
    settings = Settings(database_url=url, instance_name="oracle", max_page_size=1000,
                        rate_limit=0)  # the oracle sends as fast as it can
    store = Store.open(url)
    app = create_app(settings, store)
    client = InProcessClient(app)
    client.app_state = app.state  # type: ignore[attr-defined]
    return World(store, client)


def close_world(world: World) -> None:
    world.client.close()
    world.store.close()


# --- comparing answers -------------------------------------------------------------------

TOKEN_KEYS = frozenset({"next", "next_cursor"})
"""Fields that carry the token of the next page (compared by value like everything else: a
token must be made only of what the caller can see)."""


@dataclass(frozen=True)
class Answer:
    """What a caller observes of one response: status, the headers a client reads, the body."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: Any


VISIBLE_HEADERS = ("content-type", "x-taxii-date-added-first", "x-taxii-date-added-last",
                   "retry-after", "www-authenticate")


def observe(response: Any) -> Answer:
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    headers = tuple(
        (name, response.headers[name]) for name in VISIBLE_HEADERS if name in response.headers
    )
    return Answer(response.status_code, headers, body)


def tokens_in(body: Any) -> list[str]:
    """Opaque tokens in an answer body, in order of appearance."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in TOKEN_KEYS and isinstance(item, str):
                    found.append(item)
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(body)
    return found


@dataclass
class Difference:
    """The first answer of a probe that differs between the worlds."""

    probe: str
    index: int  # which answer of the probe (requests in order)
    base: Any
    changed: Any

    @classmethod
    def between(cls, probe: str, base: list[Any], changed: list[Any]) -> Difference | None:
        for index in range(max(len(base), len(changed))):
            left = base[index] if index < len(base) else "(no such answer)"
            right = changed[index] if index < len(changed) else "(no such answer)"
            if left != right:
                return cls(probe, index, left, right)
        return None

    def __str__(self) -> str:
        return (f"{self.probe}, answer {self.index}:\n  without the change: {self.base!r:.1500}"
                f"\n  with the change:    {self.changed!r:.1500}")


Probe = Callable[[World], list[Answer]]
