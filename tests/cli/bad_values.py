"""The table of bad values for every CLI option and argument that takes a path, URL, name or
number, with a valid value for each (so a command fails because of the one bad value).

Placeholders in braces are filled per case by ``tests/cli/test_bad_values.py``: ``{URL}`` the
initialised instance, ``{NEW_DB}`` a fresh SQLite URL, ``{OUT}`` a new path, ``{MISSING}`` a path
that does not exist, ``{DIR}`` a folder, ``{FILE}`` a regular file, ``{JUNK}`` random bytes,
``{EMPTY}`` an empty file, ``{EX}`` the examples folder, ``{POSTS}`` / ``{RESULT}`` an
ingested post file and a detection result, ``{PORT}`` a free port."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Param:
    valid: str | None  # None: left out of the valid command (an optional option)
    bad: tuple[str, ...]


URLS = ("garbage", "mysql://u@h/db", "postgresql+asyncpg://u@h/db", "postgres://u@127.0.0.1:1/db",
        "sqlite:///{MISSING}/w.db", "sqlite:///{FILE}/w.db", "sqlite:///{DIR}", "sqlite:///{JUNK}",
        "sqlite:///{EMPTY}", "sqlite://", "postgresql+psycopg://u@127.0.0.1:1/db")
NEW_URLS = ("garbage", "mysql://u@h/db", "sqlite:///{MISSING}/w.db", "sqlite:///{FILE}/w.db",
            "sqlite:///{DIR}", "sqlite:///{JUNK}", "postgresql+psycopg://u@127.0.0.1:1/db")
INPUTS = ("{MISSING}", "{DIR}", "{JUNK}", "{EMPTY}")
OUTPUTS = ("{FILE}/out", "{DIR}")
NAMES = ("No Such Name", "", "   ", "x" * 300, "ℵ\u0301")
NEW_NAMES = ("", "   ", "x" * 300, "\t")
INTS = ("abc", "-1", "0", "1.5", "99999999999999999999999")
TLPS = ("purple", "", "amber+", "TLP:")
RECIPIENTS = ("nowhere", "group:No Such Group", "org:No Such Org", "group:", "org:")

DB = Param("{URL}", URLS)
AS = Param("alice", NAMES)
TLP = Param("amber", TLPS)
TO = Param("group:WG", RECIPIENTS)

TABLE: dict[str, dict[str, Param]] = {
    "init": {"org": Param(None, NEW_NAMES), "admin": Param(None, NEW_NAMES),
             "database_url": Param("{NEW_DB}", NEW_URLS)},
    "serve": {"host": Param("127.0.0.1", ("no such host!", "256.1.1.1", "", "::zz")),
              "port": Param("{PORT}", ("abc", "0", "-1", "70000")),
              "workers": Param(None, ("0", "-2", "abc", "100000")), "database_url": DB},
    "demo": {"data_dir": Param(None, ("{MISSING}", "{FILE}", "{DIR}", "{JUNK}")),
             "port": Param(None, ("abc", "0", "70000")),
             "database_url": Param("{NEW_DB}", (*NEW_URLS, "{URL}"))},
    "share": {"file": Param("{EX}/indicators.json", (*INPUTS, "{EX}/tweets.csv")),
              "as_user": AS, "tlp": TLP, "to": TO, "database_url": DB},
    "export": {"as_user": AS, "type_": Param(None, ("Not A Type", "", "x", "indicator!")),
               "output": Param("{OUT}.json", OUTPUTS), "database_url": DB},
    "match": {"file": Param("{EX}/access.log", ("{MISSING}", "{DIR}")), "as_user": AS,
              "report": Param(None, OUTPUTS), "database_url": DB},
    "db upgrade": {"database_url": DB},
    "org add": {"name": Param("{UNIQUE}", (*NEW_NAMES, "Chirp Social")), "database_url": DB},
    "org list": {"database_url": DB},
    "user add": {"username": Param("{UNIQUE}", (*NEW_NAMES, "alice")), "org": Param(
        "Chirp Social", NAMES), "role": Param(None, ("boss", "")), "database_url": DB},
    "user list": {"org": Param(None, NAMES), "database_url": DB},
    "key create": {"username": Param("alice", NAMES), "database_url": DB},
    "key list": {"username": Param("alice", NAMES), "database_url": DB},
    "key revoke": {"key_id": Param("{KEY_ID}", (*INTS, "12345")),
                   "user": Param(None, NAMES), "name": Param(None, NAMES), "database_url": DB},
    "group add": {"name": Param("{UNIQUE}", (*NEW_NAMES, "WG")),
                  "owner": Param("Chirp Social", NAMES), "database_url": DB},
    "group list": {"database_url": DB},
    "group member add": {"group": Param("WG", NAMES), "org": Param("Parcel Mail", NAMES),
                         "database_url": DB},
    "group member remove": {"group": Param("WG", NAMES), "org": Param("Parcel Mail", NAMES),
                            "database_url": DB},
    "domains watch": {
        "source": Param("nrd:{EX}/new-domains.parquet", (
            "nrd:{MISSING}", "nrd:{JUNK}", "nrd:{EX}/assets.csv", "list:{DIR}",
            "certstream:{MISSING}", "{MISSING}", "nrd:")),
        "as_user": AS, "tlp": TLP, "to": TO, "org": Param(None, NAMES),
        "output_dir": Param(None, ("{FILE}", "{FILE}/alerts")),
        "report": Param(None, OUTPUTS), "checkpoint": Param(None, ("{DIR}", "{JUNK}", "{FILE}/c")),
        "batch_size": Param(None, INTS[:3]), "database_url": DB},
    "domains assets import": {"file": Param("{EX}/assets.csv", (*INPUTS, "{EX}/tweets.csv")),
                              "org": Param("Parcel Mail", NAMES), "database_url": DB},
    "domains assets list": {"org": Param(None, NAMES), "database_url": DB},
    "cib ingest": {"files": Param("{EX}/tweets.csv", (*INPUTS, "{EX}/indicators.json")),
                   "adapter": Param("twitter-io", ("nope", "", "{MISSING}.toml", "{JUNK}",
                                                   "{DIR}", "ira")),
                   "output": Param("{OUT}.parquet", OUTPUTS)},
    "cib detect": {"posts": Param("{POSTS}", (*INPUTS, "{EX}/tweets.csv", "{EX}/assets.csv")),
                   "output": Param("{OUT}.json", OUTPUTS), "window": Param(None, INTS[:4]),
                   "signals": Param(None, ("nope", "", ",", "all,nope")),
                   "html": Param(None, OUTPUTS), "min_evidence": Param(None, INTS[:4]),
                   "max_object_accounts": Param(None, ("abc", "1", "-3")),
                   "resolution": Param(None, ("abc", "0", "-1", "nan", "inf")),
                   "engine": Param(None, ("nope", "", "duck"))},
    "cib report": {"result_file": Param("{RESULT}", (*INPUTS, "{EX}/indicators.json")),
                   "output": Param("{OUT}.html", OUTPUTS)},
    "cib share": {"result_file": Param("{RESULT}", (*INPUTS, "{EX}/indicators.json")),
                  "as_user": AS, "tlp": TLP, "to": TO, "bundle": Param(None, OUTPUTS),
                  "cluster": Param(None, ("abc", "999", "-5")),
                  "platform": Param(None, ("Twitter Inc!", "", "x" * 100)),
                  "disarm": Param(None, (*INPUTS, "{EX}/assets.csv")), "database_url": DB},
}

FREE_TEXT = {  # any text is a valid value of these
    ("org add", "sector"), ("group add", "description"), ("key create", "name"),
}
FLAGS = {"demo": ["--no-serve"]}  # flags the valid command needs
