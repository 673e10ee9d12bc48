"""The few SQL spellings that differ between DuckDB and Spark SQL.

Why: the coordination signals are one query text each; only a handful of functions are spelled
differently by the two engines (list explode, epoch seconds, hashing, list slicing, string
literals). Each query calls these helpers instead of writing an engine's spelling, so the same
text runs on both and gives the same rows (tests/detectors/test_cib_engines.py)."""

from __future__ import annotations

from dataclasses import dataclass

_JAVA_REGEX_SPECIALS = frozenset("\\^$.|?*+()[]{}")


@dataclass(frozen=True)
class Dialect:
    """Function spellings for one SQL engine. Each template has ``{0}``, ``{1}`` … slots; slots
    that take literal text (separators, prefixes, patterns) receive an already quoted literal
    (``literal``), so callers pass plain text."""

    name: str
    explode_template: str
    epoch_template: str
    hash_template: str
    first_n_template: str
    list_size_template: str
    join_list_template: str
    replace_all_template: str
    split_template: str
    transform_template: str
    filter_template: str
    list_min_template: str
    hash_any_template: str
    starts_with_template: str
    ln_template: str = "ln({0})"
    doubled_quotes: bool = True
    """Standard SQL string literals: ``''`` is a quote, a backslash is itself (DuckDB). False
    for Spark with ``spark.sql.parser.escapedStringLiterals=true`` (as ``SparkEngine`` sets it):
    backslashes are kept as written, but no spelling of a quote exists inside ``'…'``."""
    split_on_regex: bool = False
    """The split function takes a regular expression (Spark) rather than literal text."""

    def literal(self, text: str) -> str:
        """``text`` as an SQL string literal that reads back as exactly ``text``."""
        if self.doubled_quotes:
            return "'" + text.replace("'", "''") + "'"
        # Spark's lexer reads a backslash and the next character as a pair, so a quote, or a
        # backslash just before the closing quote, cannot be written raw: spell those as bytes
        if "'" in text or text.endswith("\\"):
            return f"decode(unhex('{text.encode().hex().upper()}'), 'UTF-8')"
        return f"'{text}'"

    def explode(self, list_expr: str) -> str:
        """A set-returning expression that yields one row per element of a list column."""
        return self.explode_template.format(list_expr)

    def epoch(self, timestamp_expr: str) -> str:
        """Seconds since 1970-01-01 UTC as a 64-bit integer, rounded to the nearest second
        (ties to even, as DuckDB casts), for naive timestamps read as UTC."""
        return self.epoch_template.format(timestamp_expr)

    def hash64(self, *exprs: str) -> str:
        """A 64-bit hash of the arguments. Engines hash differently: use it for bucketing only,
        never compare hash values across engines."""
        return self.hash_template.format(", ".join(exprs))

    def hash_any(self, *exprs: str) -> str:
        """A hash for ordering and bucketing inside one query (MinHash): the engine's native
        type, no conversion, so it is cheap inside list lambdas."""
        return self.hash_any_template.format(", ".join(exprs))

    def starts_with(self, expr: str, prefix: str) -> str:
        return self.starts_with_template.format(expr, self.literal(prefix))

    def first_n(self, aggregate_list_expr: str, n: int) -> str:
        """The first ``n`` elements of a list produced by ``collect_sorted``."""
        return self.first_n_template.format(aggregate_list_expr, n)

    def list_size(self, list_expr: str) -> str:
        """The number of elements; NULL lists fail both ``> 0`` and ``>= n`` tests."""
        return self.list_size_template.format(list_expr)

    def join_list(self, list_expr: str, separator: str) -> str:
        """The elements joined by ``separator``, NULL elements skipped."""
        return self.join_list_template.format(list_expr, self.literal(separator))

    def replace_all(self, expr: str, pattern: str, replacement: str) -> str:
        """Replace every match of a regular expression (RE2 and Java agree on what we use).
        Keep ``replacement`` plain text: group references are spelled differently."""
        return self.replace_all_template.format(expr, self.literal(pattern),
                                                self.literal(replacement))

    def split(self, expr: str, separator: str) -> str:
        """Split a string on literal text into a list (empty strings kept)."""
        if self.split_on_regex:
            separator = "".join(f"\\{c}" if c in _JAVA_REGEX_SPECIALS else c for c in separator)
        return self.split_template.format(expr, self.literal(separator))

    def transform(self, list_expr: str, var: str, body: str) -> str:
        """Apply ``body`` (an expression in ``var``) to every element of a list."""
        return self.transform_template.format(list_expr, var, body)

    def filter(self, list_expr: str, var: str, condition: str) -> str:
        """Keep the elements of a list for which ``condition`` (in ``var``) holds."""
        return self.filter_template.format(list_expr, var, condition)

    def list_min(self, list_expr: str) -> str:
        return self.list_min_template.format(list_expr)

    def ln(self, expr: str) -> str:
        return self.ln_template.format(expr)


DUCKDB = Dialect(
    name="duckdb",
    explode_template="unnest({0})",
    epoch_template="CAST(epoch({0}) AS BIGINT)",
    hash_template="CAST(hash({0}) >> 1 AS BIGINT)",
    first_n_template="list_slice({0}, 1, {1})",
    list_size_template="len({0})",
    join_list_template="array_to_string({0}, {1})",
    replace_all_template="regexp_replace({0}, {1}, {2}, 'g')",
    split_template="string_split({0}, {1})",
    transform_template="list_transform({0}, lambda {1}: {2})",
    filter_template="list_filter({0}, lambda {1}: {2})",
    list_min_template="list_min({0})",
    hash_any_template="hash({0})",
    starts_with_template="starts_with({0}, {1})",
)

SPARK = Dialect(
    name="spark",
    explode_template="explode({0})",
    # unix_timestamp would truncate sub-second times where DuckDB rounds them (half to even);
    # a naive (TIMESTAMP_NTZ) column is read in the session time zone, which SparkEngine sets
    # to UTC
    epoch_template="(bround(unix_micros(CAST({0} AS TIMESTAMP)), -6) div 1000000)",
    hash_template="xxhash64({0})",
    first_n_template="slice({0}, 1, {1})",
    list_size_template="size({0})",
    join_list_template="array_join({0}, {1})",
    replace_all_template="regexp_replace({0}, {1}, {2})",
    split_template="split({0}, {1})",
    transform_template="transform({0}, {1} -> {2})",
    filter_template="filter({0}, {1} -> {2})",
    list_min_template="array_min({0})",
    hash_any_template="xxhash64({0})",
    starts_with_template="startswith({0}, {1})",
    doubled_quotes=False,
    split_on_regex=True,
)
