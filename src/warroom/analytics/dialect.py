"""The few SQL spellings that differ between DuckDB and Spark SQL.

Why: the coordination signals are one query text each; only a handful of functions are spelled
differently by the two engines (list explode, epoch seconds, hashing, list slicing). Each query
calls these helpers instead of writing an engine's spelling, so the same text runs on both."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dialect:
    """Function spellings for one SQL engine. Each template has ``{0}``, ``{1}`` … slots."""

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

    def explode(self, list_expr: str) -> str:
        """A set-returning expression that yields one row per element of a list column."""
        return self.explode_template.format(list_expr)

    def epoch(self, timestamp_expr: str) -> str:
        """Whole seconds since 1970-01-01 UTC as a 64-bit integer."""
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
        return self.starts_with_template.format(expr, prefix)

    def first_n(self, aggregate_list_expr: str, n: int) -> str:
        """The first ``n`` elements of a list produced by ``collect_sorted``."""
        return self.first_n_template.format(aggregate_list_expr, n)

    def list_size(self, list_expr: str) -> str:
        return self.list_size_template.format(list_expr)

    def join_list(self, list_expr: str, separator: str) -> str:
        return self.join_list_template.format(list_expr, separator)

    def replace_all(self, expr: str, pattern: str, replacement: str) -> str:
        """Replace every match of a regular expression (RE2 and Java agree on what we use)."""
        return self.replace_all_template.format(expr, pattern, replacement)

    def split(self, expr: str, separator: str) -> str:
        """Split a string on a literal one-character separator into a list."""
        return self.split_template.format(expr, separator)

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
    join_list_template="array_to_string({0}, '{1}')",
    replace_all_template="regexp_replace({0}, '{1}', '{2}', 'g')",
    split_template="string_split({0}, '{1}')",
    transform_template="list_transform({0}, lambda {1}: {2})",
    filter_template="list_filter({0}, lambda {1}: {2})",
    list_min_template="list_min({0})",
    hash_any_template="hash({0})",
    starts_with_template="starts_with({0}, '{1}')",
)

SPARK = Dialect(
    name="spark",
    explode_template="explode({0})",
    epoch_template="CAST(unix_timestamp({0}) AS BIGINT)",
    hash_template="xxhash64({0})",
    first_n_template="slice({0}, 1, {1})",
    list_size_template="size({0})",
    join_list_template="array_join({0}, '{1}')",
    replace_all_template="regexp_replace({0}, '{1}', '{2}')",
    split_template="split({0}, '{1}')",
    transform_template="transform({0}, {1} -> {2})",
    filter_template="filter({0}, {1} -> {2})",
    list_min_template="array_min({0})",
    hash_any_template="xxhash64({0})",
    starts_with_template="startswith({0}, '{1}')",
)
