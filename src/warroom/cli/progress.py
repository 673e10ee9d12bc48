"""Progress bars for the commands that can take a while, on a terminal only.

Why: ingesting a large export, detecting over millions of posts, watching a day of new domains,
sharing or matching a large file takes seconds to minutes; a person at a terminal should see
that it moves. Piped or in CI nothing is drawn, so logs hold only results."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, AnyStr

from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from warroom.cli.output import err_console


class Bar:
    """One bar: ``advance`` by units done, ``describe`` what is happening now."""

    def __init__(self, progress: Progress, task: TaskID) -> None:
        self._progress = progress
        self._task = task

    def advance(self, units: float = 1) -> None:
        self._progress.advance(self._task, units)

    def describe(self, text: str) -> None:
        self._progress.update(self._task, description=text)

    def finish(self) -> None:
        total = self._progress.tasks[self._task].total
        if total is not None:
            self._progress.update(self._task, completed=total)

    def reader(self, handle: IO[AnyStr]) -> Iterator[AnyStr]:
        """The lines of ``handle``, advancing the bar by each line's length."""
        for line in handle:
            self.advance(len(line))
            yield line


def shows() -> bool:
    """Whether bars are drawn (stderr is a terminal)."""
    return err_console.is_terminal


@contextmanager
def progress_bar(label: str, total: float | None = None, *, unit: str = "") -> Iterator[Bar]:
    """A bar labelled ``label``; ``total`` None pulses; ``unit="bytes"`` shows sizes."""
    count = (
        DownloadColumn()
        if unit == "bytes"
        else MofNCompleteColumn()
        if total is not None
        else TextColumn("{task.completed:,.0f} " + unit)
    )
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        count,
        TimeElapsedColumn(),
        console=err_console,
        disable=not shows(),
        transient=False,
    ) as progress:
        bar = Bar(progress, progress.add_task(label, total=total))
        yield bar
