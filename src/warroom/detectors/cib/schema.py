"""The canonical post table every coordination signal reads.

Why: platforms export posts in a dozen shapes; the signals are written once against this one
schema, and adapters (``adapters.py``) do the translating. Lists (urls, hashtags, mentions,
domains, media) are Arrow lists so a post can carry several of each."""

from __future__ import annotations

import pyarrow as pa

CANONICAL_SCHEMA = pa.schema(
    [
        pa.field("platform", pa.string(), nullable=False),
        pa.field("account", pa.string(), nullable=False),
        pa.field("post_id", pa.string(), nullable=False),
        pa.field("time", pa.timestamp("us"), nullable=False),
        pa.field("text", pa.string()),
        pa.field("urls", pa.list_(pa.string())),
        pa.field("hashtags", pa.list_(pa.string())),
        pa.field("mentions", pa.list_(pa.string())),
        pa.field("domains", pa.list_(pa.string())),
        pa.field("media", pa.list_(pa.string())),
        pa.field("repost_of", pa.string()),
        pa.field("reply_to", pa.string()),
        pa.field("account_created", pa.timestamp("us")),
    ]
)
"""Columns, in order. ``time`` and ``account_created`` are UTC. ``repost_of`` is the id of the
reposted post, or ``text:<normalised text>`` when the source has no ids (then two reposts of the
same post carry the same key). ``media`` holds perceptual-hash or media ids, ``domains`` the
registrable hosts of ``urls`` (or source-given domain ids)."""

COLUMN_DOCS: dict[str, str] = {
    "platform": "where the post was made (twitter, facebook, …)",
    "account": "the posting account's stable id or handle",
    "post_id": "the post's id (made from account, time and text when the source has none)",
    "time": "when it was posted, UTC",
    "text": "the post's text",
    "urls": "normalised links (lower-case host, no scheme, no www., no utm_ parameters)",
    "hashtags": "lower-case hashtags without '#', in order",
    "mentions": "lower-case mentioned handles without '@'",
    "domains": "hosts of the links, or the source's domain ids",
    "media": "media or perceptual-hash ids",
    "repost_of": "what this post reposts: an id, or text:<normalised text>",
    "reply_to": "the id of the post this replies to",
    "account_created": "when the account was created, UTC",
}
