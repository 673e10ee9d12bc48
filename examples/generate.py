"""Write the example files of this folder (``python examples/generate.py``); deterministic.

Why: the README and docs run on these files from a fresh clone. They are synthetic — made here,
not copied from any data set — but shaped like the real thing: Florida county election offices
(their real, public .gov domains) as protected assets, lookalikes of them among new
registrations, indicators of a phishing campaign against voters, a web server's access log, and
a Twitter-archive-style export with one coordinated network among ordinary accounts."""

from __future__ import annotations

import csv
import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
NAMESPACE = uuid.UUID("5b0f7c1e-4d2a-4e8b-9a57-0c3e1f2d4b6a")
CREATED = "2024-10-28T14:00:00.000Z"

OFFICES = [
    ("Broward County Supervisor of Elections", "browardvotes.gov", "broward", ""),
    ("Palm Beach County Supervisor of Elections", "votepalmbeach.gov", "palmbeach",
     "palmbeachvotes.gov palmbeachelections.gov"),
    ("Duval County Supervisor of Elections", "duvalelections.gov", "duval", ""),
    ("Leon County Supervisor of Elections", "leonvotes.gov", "", ""),
    ("Hillsborough County Supervisor of Elections", "votehillsborough.gov", "hillsborough", ""),
    ("Pinellas County Supervisor of Elections", "votepinellas.gov", "pinellas", ""),
    ("Escambia County Supervisor of Elections", "escambiavotes.gov", "escambia", ""),
    ("Sarasota County Supervisor of Elections", "sarasotavotes.gov", "sarasota", ""),
    ("Brevard County Supervisor of Elections", "votebrevard.gov", "brevard", ""),
    ("Alachua County Supervisor of Elections", "votealachua.gov", "alachua", ""),
    ("Pasco County Supervisor of Elections", "pascovotes.gov", "pasco", ""),
    ("Flagler County Supervisor of Elections", "flaglerelections.gov", "flagler", ""),
]

LOOKALIKES = [
    "browardvotes.com", "browardvote.com", "browardvotess.net", "broward-votes.org",
    "browradvotes.com", "votepa1mbeach.com", "votepalmbeach.info", "duvalelection.com",
    "duvalelecti\u043ens.com".encode("idna").decode(), "leonvotes.net", "votehillsborough-ballot.com",
    "pinellas-ballot-status.com", "sarasotavotes-gov.com", "votebrevard.co",
    "v0tealachua.com", "pascovotes.org", "flaglerelections.us", "escambiavotez.com",
]

WORDS = """amber anchor apple arrow aspen atlas aurora autumn badger bakery bamboo banner
bayou beacon birch bison bloom bluebird bolt bramble breeze brook buffalo cabin cactus canyon
cardinal cedar cellar chalk charter cider citrus clover cobalt comet compass copper coral cove
crane creek crest cypress dahlia delta desert dune eagle ember falcon fern fiddle finch fjord
flint forge fox galaxy garnet glacier glen granite grove harbor hawk hazel heron hickory
horizon indigo iris ivory jasper juniper kelp kestrel lagoon lantern larch lark laurel ledger
lemon lilac linden lotus maple marble marsh meadow mesa mint monarch moss nectar nomad oak
oasis olive onyx orchard osprey otter palm pebble pelican pepper pine plum prairie quail quartz
raven reef ridge river robin rowan saffron sage salt sequoia shadow shore sierra slate sparrow
spruce summit sunrise swift tango thistle tide timber topaz trail tulip tundra valley velvet
violet walnut willow wren yarrow zephyr""".split()
TRADES = """bakery coffee dental plumbing roofing yoga fitness law realty design studio
photo travel pets garden auto salon consulting tutoring catering cleaning media labs tech
crafts books wines farm outfitters supply""".split()
TLDS = [".com"] * 6 + [".net", ".org", ".shop", ".online", ".store", ".site", ".info", ".co"]


def _id(kind: str, text: str) -> str:
    return f"{kind}--{uuid.uuid5(NAMESPACE, text)}"


def assets() -> None:
    with (HERE / "assets.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["organisation", "domain", "tokens", "owned"])
        writer.writerows(OFFICES)


DOTGOV = [  # CISA dotgov-data's columns; a handful of real, public registrations
    ("browardvotes.gov", "County - Election", "Broward County Supervisor of Elections",
     "Fort Lauderdale", "FL"),
    ("votepalmbeach.gov", "County - Election", "Palm Beach County Supervisor of Elections",
     "West Palm Beach", "FL"),
    ("duvalelections.gov", "County - Election", "Duval County Supervisor of Elections",
     "Jacksonville", "FL"),
    ("leonvotes.gov", "County - Election", "Supervisor of Elections", "Tallahassee", "FL"),
    ("escambiavotes.gov", "County - Election", "Escambia County Supervisor of Elections",
     "Pensacola", "FL"),
    ("sarasotavotes.gov", "County - Election", "Sarasota County Supervisor of Elections",
     "Sarasota", "FL"),
    ("votebrevard.gov", "County - Election", "Brevard County Supervisor of Elections",
     "Melbourne", "FL"),
    ("pascovotes.gov", "County - Election", "Pasco County Supervisor of Elections",
     "Dade City", "FL"),
    ("miamidade.gov", "County", "Miami Dade County", "Miami", "FL"),
    ("broward.gov", "County", "Broward County", "Fort Lauderdale", "FL"),
    ("tallahassee.gov", "City", "City of Tallahassee", "Tallahassee", "FL"),
    ("floridahealth.gov", "State", "Florida Department of Health", "Tallahassee", "FL"),
]


def dotgov() -> None:
    with (HERE / "dotgov-sample.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["Domain name", "Domain type", "Organization name",
                         "Suborganization name", "City", "State", "Security contact email"])
        for domain, kind, organisation, city, state in DOTGOV:
            writer.writerow([domain, kind, organisation, "", city, state, "(blank)"])


def new_domains() -> None:
    rng = random.Random(2024)
    names: set[str] = set()
    while len(names) < 400:
        first, second = rng.sample(WORDS, 2)
        shape = rng.random()
        label = (f"{first}{second}" if shape < 0.4 else f"{first}-{rng.choice(TRADES)}"
                 if shape < 0.8 else f"{first}{rng.randint(1, 99)}")
        names.add(label + rng.choice(TLDS))
    domains = sorted(names) + LOOKALIKES
    rng.shuffle(domains)
    day = datetime(2024, 10, 29, tzinfo=UTC).date()
    table = pa.table({"day": pa.array([day] * len(domains), pa.date32()),
                      "domain": pa.array(domains, pa.string())})
    pq.write_table(table, HERE / "new-domains.parquet", compression="zstd")


CAMPAIGN = [
    ("domain-name", "browardvotes-ballot.com", "Lookalike of browardvotes.gov"),
    ("domain-name", "votepalmbeach-verify.com", "Lookalike of votepalmbeach.gov"),
    ("domain-name", "fl-voter-status.net", "Fake voter-status portal"),
    ("domain-name", "mail-ballot-tracker.org", "Fake mail-ballot tracker"),
    ("url", "http://fl-voter-status.net/check?county=broward",
     "Phishing page asking for voter ID and date of birth"),
    ("url", "https://secure-elections-update.com/login", "Credential phishing page"),
    ("ipv4-addr", "203.0.113.45", "Server hosting the fake voter-status portal"),
    ("ipv4-addr", "198.51.100.0/24", "Bulletproof hosting range used by the campaign"),
]


def indicators() -> None:
    objects = []
    for kind, value, name in CAMPAIGN:
        objects.append({
            "type": "indicator", "spec_version": "2.1", "id": _id("indicator", value),
            "created": CREATED, "modified": CREATED, "name": name,
            "description": "Seen in text messages telling Florida voters their registration "
                           "was cancelled (campaign of October 2024).",
            "indicator_types": ["malicious-activity"],
            "pattern": f"[{kind}:value = '{value}']", "pattern_type": "stix",
            "valid_from": CREATED,
        })
    bundle = {"type": "bundle", "id": _id("bundle", "examples"), "objects": objects}
    (HERE / "indicators.json").write_text(json.dumps(bundle, indent=2) + "\n")
    value = "ballot-drop-box-map.com"
    request = {  # the body of POST /api/v1/objects (docs/api.md)
        "objects": [{
            "type": "indicator", "spec_version": "2.1", "id": _id("indicator", value),
            "created": CREATED, "modified": CREATED, "name": "Fake ballot drop-box map",
            "description": "Map site sending voters to drop boxes that do not exist.",
            "indicator_types": ["malicious-activity"],
            "pattern": f"[domain-name:value = '{value}']", "pattern_type": "stix",
            "valid_from": CREATED,
        }],
        "tlp": "amber",
        "recipients": {"orgs": [3]},  # Florida Department of State in the quickstart
    }
    (HERE / "share-request.json").write_text(json.dumps(request, indent=2) + "\n")


def access_log() -> None:
    rng = random.Random(7)
    start = datetime(2024, 10, 30, 8, 0, tzinfo=UTC)
    pages = ["/", "/polling-places", "/sample-ballot", "/vote-by-mail", "/results",
             "/static/site.css", "/candidates", "/voter-lookup"]
    referers = ["-", "https://www.google.com/", "https://browardvotes.gov/",
                "https://news.example.org/elections"]
    lines = []
    for n in range(120):
        when = start + timedelta(seconds=37 * n + rng.randint(0, 30))
        ip = f"{rng.choice([66, 73, 98, 174])}.{rng.randint(1, 254)}.{rng.randint(1, 254)}." \
             f"{rng.randint(1, 254)}"
        referer = rng.choice(referers)
        if n in (17, 64):
            referer = "http://fl-voter-status.net/check?county=broward"
        if n == 91:
            referer = "https://secure-elections-update.com/login?next=%2Fballot"
        if n in (33, 34, 35):
            ip = "203.0.113.45"
        if n == 102:
            ip = "198.51.100.77"
        stamp = when.strftime("%d/%b/%Y:%H:%M:%S +0000")
        lines.append(f'{ip} - - [{stamp}] "GET {rng.choice(pages)} HTTP/1.1" 200 '
                     f'{rng.randint(900, 40000)} "{referer}" "Mozilla/5.0"')
    (HERE / "access.log").write_text("\n".join(lines) + "\n")


ORGANIC = [
    "Polls open at 7am tomorrow, bring a photo ID #Election2024 #Florida",
    "Early voting lines at the library were short today #vote",
    "Reminder: mail ballots must arrive by 7pm on election day",
    "Volunteered as a poll worker, great team #Election2024",
    "Sample ballot is out, read the amendments before you go",
    "Does anyone know if the county updated polling places? #vote",
    "Proud to vote in my first election! #FirstTimeVoter",
    "Traffic on I-95 is terrible, leave early if you are voting",
]
NETWORK_TEXT = [
    "They are throwing out ballots in Broward! Check your status now {url} #StopTheSteal #BrowardFraud",
    "Your mail ballot may have been cancelled. Verify here before it is too late {url} #StopTheSteal #BrowardFraud",
    "Machines in Palm Beach flipped votes, share before they delete this {url} #StopTheSteal #BrowardFraud",
]


def tweets() -> None:
    rng = random.Random(11)
    handles: dict[str, str] = {}
    start = datetime(2024, 11, 5, 12, 0, tzinfo=UTC)
    rows = []
    texts: dict[str, str] = {}
    seq = 1_855_000_000_000_000_000

    def add(user: str, text: str, when: datetime, created: str, retweet: str = "",
            urls: str = "[]", hashtags: str = "[]") -> str:
        nonlocal seq
        seq += rng.randint(1_000, 90_000)
        if retweet:
            text = f"RT @{handles[rows_by_id[retweet]]}: {texts[retweet]}"
        rows.append([str(seq), user, text, when.strftime("%Y-%m-%d %H:%M:%S"), retweet, "",
                     created, urls, hashtags, "[]"])
        texts[str(seq)], rows_by_id[str(seq)] = text, user
        return str(seq)

    rows_by_id: dict[str, str] = {}
    organic = [f"{rng.randint(10**8, 10**9)}" for _ in range(40)]
    handles.update({user: f"user{user[-5:]}" for user in organic})
    popular = []
    for user in organic:
        created = f"20{rng.randint(10, 21)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
        for _ in range(rng.randint(2, 5)):
            when = start + timedelta(seconds=rng.randint(0, 10 * 3600))
            text = rng.choice(ORGANIC)
            tags = "[" + ", ".join(t.lstrip("#").lower() for t in text.split()
                                   if t.startswith("#")) + "]"
            popular.append(add(user, text, when, created, hashtags=tags))
    for user in organic:  # ordinary retweets, hours apart
        for source in rng.sample(popular, 2):
            when = start + timedelta(seconds=rng.randint(0, 10 * 3600))
            add(user, "", when, "2016-03-12", retweet=source)
    network = [f"{rng.randint(10**9, 10**10)}" for _ in range(8)]
    handles.update({user: f"patriot_fl_{user[-4:]}" for user in network})
    seeds = []
    for burst in range(6):
        at = start + timedelta(minutes=35 * burst + 7)
        url = f"https://fl-voter-status.net/check?county=broward&utm_source=tw{burst}"
        text = NETWORK_TEXT[burst % len(NETWORK_TEXT)].format(url=url)
        seeds.append(add(network[0], text, at, "2024-10-30", urls=f"['{url}']",
                         hashtags="[stopthesteal, browardfraud]"))
        for i, user in enumerate(network[1:], start=1):
            when = at + timedelta(seconds=4 * i + rng.randint(0, 3))
            add(user, text, when, f"2024-10-30 0{i % 3}:{10 + i}:00", urls=f"['{url}']",
                hashtags="[stopthesteal, browardfraud]")
        for i, user in enumerate(network[1:], start=1):
            when = at + timedelta(minutes=2, seconds=3 * i + rng.randint(0, 2))
            add(user, "", when, f"2024-10-30 0{i % 3}:{10 + i}:00", retweet=seeds[-1])
    rows.sort(key=lambda r: r[3])
    with (HERE / "tweets.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["tweetid", "userid", "tweet_text", "tweet_time", "retweet_tweetid",
                         "in_reply_to_tweetid", "account_creation_date", "urls", "hashtags",
                         "user_mentions"])
        writer.writerows(rows)


if __name__ == "__main__":
    assets()
    dotgov()
    new_domains()
    indicators()
    access_log()
    tweets()
