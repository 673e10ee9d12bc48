"""Adapters: how each known export maps onto the canonical post schema.

Why: analysts bring the data they have — Twitter's information-operations archive, research
copies of the IRA tweets, CrowdFlower's #GOPDebate sample, CooRTweet's anonymised tables, their
own CSV. Each adapter names the source columns it needs (so a missing one is reported by name)
and gives one SQL expression per canonical column over the source view ``src``. A user's own
format is a small TOML mapping (``Mapping.from_toml``), documented in docs/cib.md."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from warroom.errors import WarroomError

# Text-derived fields. ``{t}`` is the text expression.
URLS_FROM_TEXT = r"regexp_extract_all({t}, 'https?://[^\s""<>]+')"
HASHTAGS_FROM_TEXT = (r"list_transform(regexp_extract_all({t}, '#([\p{L}\p{N}_]+)', 1), "
                      "lambda x: lower(x))")
MENTIONS_FROM_TEXT = (r"list_transform(regexp_extract_all({t}, '@([\p{L}\p{N}_]+)', 1), "
                      "lambda x: lower(x))")
RETWEET_PREFIX = r"'^(?i:rt) @[\p{L}\p{N}_]+:\s*'"
TEXT_KEY = r"'text:' || lower(trim({t}))"
"""A content key for reposts when the source has no ids. Reposts of one post carry the same
text (the same shortened links, and, for ``RT @user: …`` exports, the same truncation, since
the prefix is the same), so lower-casing and trimming is enough, and cheap on millions of rows."""


class MappingError(WarroomError):
    """The source does not fit the chosen adapter or mapping."""


def quote(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def text_key(text_expr: str) -> str:
    return TEXT_KEY.replace("{t}", text_expr)


def retweet_key(text_expr: str) -> str:
    """For text that marks retweets as ``RT @user: …``: the retweeted text's key, else NULL."""
    stripped = f"regexp_replace({text_expr}, {RETWEET_PREFIX}, '')"
    return f"CASE WHEN regexp_matches({text_expr}, {RETWEET_PREFIX}) THEN {text_key(stripped)} END"


def split_list(column_expr: str) -> str:
    """A list column written as text (``[a, b]``, ``a b`` or ``a,b``) as a list of strings."""
    return (
        f"CASE WHEN {column_expr} IS NULL THEN NULL ELSE "
        f"regexp_extract_all(CAST({column_expr} AS VARCHAR), '[^\\[\\]\\s,''\"]+') END"
    )


def parse_time(column_expr: str, time_format: str | None) -> str:
    """A timestamp from a column: ``epoch`` seconds, a strptime format, or whatever casts."""
    if time_format == "epoch":
        return f"make_timestamp(CAST(TRY_CAST({column_expr} AS DOUBLE) * 1000000 AS BIGINT))"
    if time_format:
        literal = time_format.replace("'", "''")
        return f"try_strptime(CAST({column_expr} AS VARCHAR), '{literal}')"
    return f"TRY_CAST({column_expr} AS TIMESTAMP)"


@dataclass(frozen=True)
class Adapter:
    """One source format. ``columns`` maps canonical column -> SQL over ``src``; canonical
    columns left out are derived (links, hashtags and mentions from the text; a post id from
    account, time and text) or left empty. ``group_by`` folds several rows into one post."""

    name: str
    description: str
    required: tuple[str, ...]
    columns: dict[str, str]
    format: str | None = None
    group_by: tuple[str, ...] = ()
    notes: str = ""

    def missing(self, available: list[str]) -> list[str]:
        present = set(available)
        return [column for column in self.required if column not in present]


IRA = Adapter(
    name="ira",
    description="IRA tweets per account (FiveThirtyEight / Clemson): author_id, content, "
    "publish_date, post_type (R = retweet, Q = quote)",
    required=("author_id", "content", "publish_date", "post_type"),
    columns={
        "platform": "'twitter'",
        "account": '"author_id"',
        "time": parse_time('"publish_date"', None),
        "text": '"content"',
        "repost_of": "CASE WHEN \"post_type\" = 'R' THEN "
        + text_key(f"regexp_replace(\"content\", {RETWEET_PREFIX}, '')") + " END",
    },
    notes="retweets carry the retweeted text but no ids: a repost is keyed by its text",
)

GOPDEBATE = Adapter(
    name="gopdebate",
    description="CrowdFlower 'First GOP Debate' tweets: id, name, text ('RT @user: …' for "
    "retweets), tweet_created (dd-mm-yyyy hh:mm)",
    required=("id", "name", "text", "tweet_created"),
    columns={
        "platform": "'twitter'",
        "account": '"name"',
        "post_id": "'gop:' || CAST(\"id\" AS VARCHAR)",
        "time": parse_time('"tweet_created"', "%d-%m-%Y %H:%M"),
        "text": '"text"',
        "repost_of": retweet_key('"text"'),
    },
    notes="tweet_id is stored in scientific notation and useless; the row id is the post id",
)

COORTWEET = Adapter(
    name="coortweet",
    description="CooRTweet share table: object_id (the shared object), account_id, "
    "content_id (the post), timestamp_share (epoch seconds)",
    required=("object_id", "account_id", "content_id", "timestamp_share"),
    columns={
        "platform": "'unknown'",
        "account": '"account_id"',
        "post_id": 'CAST("content_id" AS VARCHAR)',
        "time": parse_time('"timestamp_share"', "epoch"),
        "repost_of": 'CAST("object_id" AS VARCHAR)',
        "urls": "[]",
        "hashtags": "[]",
        "mentions": "[]",
    },
)

COORTWEET_GERMAN = Adapter(
    name="coortweet-german",
    description="CooRTweet's anonymised German 2021 election posts: account_id, post_id, "
    "url_id, hashtag_id, domain_id, phash_id, timestamp (one row per post and object)",
    required=("account_id", "post_id", "url_id", "hashtag_id", "domain_id", "phash_id",
              "timestamp"),
    columns={
        "platform": "CASE WHEN \"account_id\" LIKE 'fb_%' THEN 'facebook' ELSE 'twitter' END",
        "account": '"account_id"',
        "post_id": 'CAST("post_id" AS VARCHAR)',
        "time": parse_time('min("timestamp")', "epoch"),
        "urls": "list(DISTINCT 'url:' || \"url_id\") FILTER (WHERE \"url_id\" IS NOT NULL)",
        "hashtags": "list(DISTINCT 'tag:' || \"hashtag_id\") "
        "FILTER (WHERE \"hashtag_id\" IS NOT NULL)",
        "domains": "list(DISTINCT 'domain:' || \"domain_id\") "
        "FILTER (WHERE \"domain_id\" IS NOT NULL)",
        "media": "list(DISTINCT 'phash:' || \"phash_id\") FILTER (WHERE \"phash_id\" IS NOT NULL)",
        "mentions": "[]",
    },
    group_by=('"account_id"', '"post_id"'),
    notes="ids are anonymised; a post's hashtag ids are a set, not a sequence",
)

TWITTER_IO = Adapter(
    name="twitter-io",
    description="Twitter information-operations archive (transparency.twitter.com): tweetid, "
    "userid, tweet_text, tweet_time, retweet_tweetid, in_reply_to_tweetid, "
    "account_creation_date, urls, hashtags, user_mentions",
    required=("tweetid", "userid", "tweet_text", "tweet_time", "retweet_tweetid",
              "in_reply_to_tweetid", "account_creation_date", "urls", "hashtags",
              "user_mentions"),
    columns={
        "platform": "'twitter'",
        "account": 'CAST("userid" AS VARCHAR)',
        "post_id": 'CAST("tweetid" AS VARCHAR)',
        "time": parse_time('"tweet_time"', None),
        "text": '"tweet_text"',
        "urls": split_list('"urls"'),
        "hashtags": "list_transform(" + split_list('"hashtags"') + ", lambda x: lower(x))",
        "mentions": split_list('"user_mentions"'),
        "repost_of": "NULLIF(CAST(\"retweet_tweetid\" AS VARCHAR), '')",
        "reply_to": "NULLIF(CAST(\"in_reply_to_tweetid\" AS VARCHAR), '')",
        "account_created": parse_time('"account_creation_date"', None),
    },
)

CANONICAL = Adapter(
    name="canonical",
    description="already in warroom's canonical schema (a file written by `warroom cib ingest`)",
    required=("platform", "account", "post_id", "time"),
    columns={
        name: quote(name)
        for name in ("platform", "account", "post_id", "time", "text", "urls", "hashtags",
                     "mentions", "domains", "media", "repost_of", "reply_to", "account_created")
    },
)

ADAPTERS: dict[str, Adapter] = {
    adapter.name: adapter
    for adapter in (IRA, GOPDEBATE, COORTWEET, COORTWEET_GERMAN, TWITTER_IO, CANONICAL)
}

MAPPABLE = ("platform", "account", "post_id", "time", "text", "urls", "hashtags", "mentions",
            "domains", "media", "repost_of", "reply_to", "account_created")


@dataclass(frozen=True)
class Mapping:
    """A user's own format, read from TOML (see docs/cib.md, 'Your own format')::

        name = "my-export"
        format = "csv"                 # csv, jsonl or parquet; default: by file extension
        platform = "mastodon"
        [columns]                      # canonical column = source column
        account = "acct"
        time = "created_at"
        text = "content"
        repost_of = "reblog_id"
        [options]
        time_format = "%Y-%m-%dT%H:%M:%S"   # a strptime format, "epoch", or leave out
        retweet_prefix = true               # "RT @user: text" marks a repost of that text
    """

    name: str
    columns: dict[str, str]
    platform: str = "unknown"
    format: str | None = None
    time_format: str | None = None
    retweet_prefix: bool = False
    list_columns: tuple[str, ...] = field(default=("urls", "hashtags", "mentions", "domains",
                                                   "media"))

    @classmethod
    def from_toml(cls, path: Path) -> Mapping:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise MappingError(f"cannot read mapping {path}: {error}") from error
        columns = data.get("columns")
        if not isinstance(columns, dict) or not columns:
            raise MappingError(f"mapping {path} has no [columns] table")
        unknown = sorted(set(columns) - set(MAPPABLE))
        if unknown:
            raise MappingError(
                f"mapping {path}: unknown canonical column(s) {', '.join(unknown)}; "
                f"known: {', '.join(MAPPABLE)}"
            )
        for needed in ("account", "time"):
            if needed not in columns:
                raise MappingError(f"mapping {path}: [columns] must name the source of {needed!r}")
        options = data.get("options", {})
        return cls(
            name=str(data.get("name", path.stem)),
            columns={key: str(value) for key, value in columns.items()},
            platform=str(data.get("platform", "unknown")),
            format=data.get("format"),
            time_format=options.get("time_format"),
            retweet_prefix=bool(options.get("retweet_prefix", False)),
        )

    def to_adapter(self) -> Adapter:
        expressions: dict[str, str] = {"platform": "'" + self.platform.replace("'", "''") + "'"}
        for canonical, source in self.columns.items():
            column = quote(source)
            if canonical in ("time", "account_created"):
                expressions[canonical] = parse_time(column, self.time_format)
            elif canonical in self.list_columns:
                expressions[canonical] = split_list(column)
            else:
                expressions[canonical] = f"CAST({column} AS VARCHAR)"
        if self.retweet_prefix and "text" in self.columns and "repost_of" not in self.columns:
            expressions["repost_of"] = retweet_key(quote(self.columns["text"]))
        return Adapter(
            name=self.name,
            description=f"user mapping {self.name}",
            required=tuple(self.columns.values()),
            columns=expressions,
            format=self.format,
        )


def resolve(name_or_path: str) -> Adapter:
    """A built-in adapter by name, or a TOML mapping file by path."""
    if name_or_path in ADAPTERS:
        return ADAPTERS[name_or_path]
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        return Mapping.from_toml(path).to_adapter()
    raise MappingError(
        f"unknown adapter {name_or_path!r}: use one of {', '.join(ADAPTERS)} or a TOML mapping "
        "file (docs/cib.md)"
    )
