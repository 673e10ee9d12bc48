"""Expected failures, said in one line: what went wrong and, where it helps, what to do.

Why: the commands meet the outside world (files, databases, optional extras, analytics engines)
and each of those fails with its own exception, often several lines long. ``describe`` is the
one place that knows how to say each of them in a sentence; what it does not know is a bug."""

from __future__ import annotations

from pydantic import ValidationError

from warroom.errors import WarroomError

EXTRAS = {"psycopg": "postgres", "pyspark": "spark"}


def first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else ""


def describe(error: BaseException) -> str | None:
    """One line for an expected failure; None for anything else (a bug)."""
    if isinstance(error, WarroomError):
        return first_line(error.message) or error.title
    if isinstance(error, ValidationError):
        return _settings(error) if error.title == "Settings" else first_line(str(error))
    if isinstance(error, ImportError):
        return _missing_module(error)
    if isinstance(error, OSError):
        return _os_error(error)
    if isinstance(error, ValueError):
        return first_line(str(error)) or type(error).__name__
    module = type(error).__module__
    if module.startswith("sqlalchemy"):
        cause = getattr(error, "orig", None) or error
        return f"database error: {first_line(str(cause)) or type(cause).__name__}"
    if module.startswith("duckdb"):
        return f"analytics engine error: {first_line(str(error))}"
    if module.startswith("pyspark") or type(error).__name__ == "Py4JJavaError":
        return f"Spark error: {first_line(str(error))}"
    return None


def _settings(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        name = "_".join(str(part) for part in item["loc"]).upper()
        problems.append(f"WARROOM_{name}={item.get('input')!r}: {item['msg']}")
    return "bad setting " + "; ".join(problems)


def _missing_module(error: ImportError) -> str | None:
    name = (error.name or "").split(".")[0]
    extra = EXTRAS.get(name)
    if extra is None:
        return None
    return f"this needs the {extra} extra: pip install 'warroom[{extra}]'"


def _os_error(error: OSError) -> str:
    if error.filename is None or not error.strerror:
        return first_line(str(error)) or type(error).__name__
    reason = error.strerror[0].lower() + error.strerror[1:]
    return f"{error.filename}: {reason}"
