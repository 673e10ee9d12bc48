"""Branch accounting for property tests: every generated example names the branch it took, and
the test fails when its generator never reached one of the branches it must reach.

Why: a property test whose generator takes one branch 99 times in 100 proves less than its name
says (issue 17). Each ``reached(name)`` is also a hypothesis ``event``, so
``pytest --hypothesis-show-statistics`` prints how many examples took each branch.

    MEDIA = Branches("accepted", "refused")

    @MEDIA.required
    @given(...)
    def test_media(header):
        ...
        MEDIA.reached("accepted")
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable
from typing import Any

from hypothesis import event


class Branches:
    """The branches one property test must reach, and how often each was reached."""

    def __init__(self, *names: str, at_least: int = 1) -> None:
        self.names = names
        self.at_least = at_least
        self.seen: Counter[str] = Counter()

    def reached(self, name: str) -> None:
        if name not in self.names:
            raise AssertionError(f"unknown branch {name!r}; declared: {self.names}")
        event(name)
        self.seen[name] += 1

    def required(self, test: Callable[..., Any]) -> Callable[..., Any]:
        """Wrap a ``@given`` test: run it, then fail if a branch was reached too rarely."""

        @functools.wraps(test)
        def run(*args: Any, **kwargs: Any) -> None:
            self.seen.clear()
            test(*args, **kwargs)
            rare = {n: self.seen[n] for n in self.names if self.seen[n] < self.at_least}
            assert not rare, (
                f"the generator reached these branches fewer than {self.at_least} times: "
                f"{rare} (all: {dict(self.seen)})"
            )

        return run
