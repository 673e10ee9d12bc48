"""Speed of the domain-lookalike detector, side by side with openSquat and dnstwist (issue 3,
acceptance 2).

Brands: the 697 election-office .gov domains plus the Tranco top-10k. Input: new registrations
from the NRD file. Each contestant runs in its own process (one core) so its peak memory is
its own:
- warroom: build the asset index, then score every name (parse, IDNA, public suffix, skeleton,
  symmetric-delete lookups, Aho-Corasick) — names per second, peak RSS;
- openSquat (PyPI ``opensquat``): its SquattingDetector checks every keyword against every
  name (Levenshtein + homograph), on a sample of names, all keywords;
- dnstwist generate-then-lookup: generate every permutation of every brand with dnstwist's
  Fuzzer into a hash set, then look every name up in it; generation is timed on a sample of
  brands and scaled to all of them (it is linear in the number of brands).
The ratio is end to end for the same number of names.

Run: .venv/bin/python -m bench.domains [--names 500000] [--output docs/benchmarks.md]"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "domains"


def _brands() -> tuple[list, set[str]]:
    from warroom.detectors.domains.assets import asset, load_dotgov, read_domain_list

    assets, dotgov = load_dotgov(DATA / "dotgov-current-full.csv")
    tranco = list(read_domain_list(DATA / "tranco-top10k.csv", "Domain"))
    for domain in tranco:
        with contextlib.suppress(ValueError):
            assets.append(asset(domain, domain))
    return assets, dotgov | {d.lower() for d in tranco}


def _names(n: int) -> list[str]:
    import pyarrow.parquet as pq

    table = pq.read_table(DATA / "nrd-2025-11-29_2025-12-31.parquet", columns=["domain"])
    return table.column("domain").slice(0, n).to_pylist()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def part_warroom(n: int) -> dict[str, float]:
    from warroom.detectors.domains.detector import DomainWatch
    from warroom.detectors.domains.index import AssetIndex

    assets, allow = _brands()
    names = _names(n)
    base = _peak_mb()
    started = time.perf_counter()
    index = AssetIndex(assets, allow)
    built = time.perf_counter() - started
    watch = DomainWatch(index)
    started = time.perf_counter()
    alerts = sum(1 for _ in watch.scan(names))
    elapsed = time.perf_counter() - started
    return {
        "names": len(names),
        "brands": len(assets),
        "index_s": built,
        "scan_s": elapsed,
        "per_s": len(names) / elapsed,
        "alerts": alerts,
        "peak_mb": _peak_mb(),
        "inputs_mb": base,
    }


def part_opensquat(n: int) -> dict[str, float]:
    import io

    from opensquat.squatting_detector import SquattingDetector

    assets, _ = _brands()
    keywords = sorted({a.label for a in assets})
    names = _names(n)
    detector = SquattingDetector(confidence_level=2)
    started = time.perf_counter()
    found = 0
    for keyword in keywords:
        found += len(detector.check(keyword, names, io.StringIO()))
    elapsed = time.perf_counter() - started
    return {
        "names": len(names),
        "keywords": len(keywords),
        "scan_s": elapsed,
        "per_s": len(names) / elapsed,
        "alerts": found,
        "peak_mb": _peak_mb(),
    }


def part_dnstwist(n: int, brand_sample: int) -> dict[str, float]:
    import dnstwist

    assets, _ = _brands()
    names = _names(n)
    sample = assets[:: max(1, len(assets) // brand_sample)][:brand_sample]
    started = time.perf_counter()
    permutations: set[str] = set()
    for a in sample:
        fuzzer = dnstwist.Fuzzer(a.domain)
        fuzzer.generate()
        permutations.update(d["domain"] for d in fuzzer.domains)
    generated = time.perf_counter() - started
    scale = len(assets) / len(sample)
    started = time.perf_counter()
    hits = sum(1 for name in names if name in permutations)
    lookup = time.perf_counter() - started
    return {
        "names": len(names),
        "brands_sampled": len(sample),
        "brands": len(assets),
        "generate_sample_s": generated,
        "generate_all_s": generated * scale,
        "permutations_sample": len(permutations),
        "lookup_s": lookup,
        "end_to_end_s": generated * scale + lookup,
        "alerts_sample": hits,
        "peak_mb_sample": _peak_mb(),
    }


def part_matching(n_indicators: int) -> dict[str, float]:
    """Lookups per second against ``n_indicators`` shared domains (plus 1M IPv4 ranges)."""
    import random

    from warroom.detectors.matching.matcher import IndicatorMatcher

    rng = random.Random(7)
    matcher = IndicatorMatcher()
    started = time.perf_counter()
    matcher.add_domains(
        (f"x{i:x}-{rng.getrandbits(24):06x}.com" for i in range(n_indicators)), "indicator"
    )
    domains = matcher.domains
    matcher.add_ipv4_networks(24, (rng.getrandbits(24) << 8 for _ in range(1_000_000)), "indicator")
    built = time.perf_counter() - started
    keys = rng.sample(list(domains), 200_000)
    queries = [f"www.login.{k}" for k in keys] + [
        f"www.{i:x}-miss.example.net" for i in range(800_000)
    ]
    rng.shuffle(queries)
    started = time.perf_counter()
    hits = sum(1 for ref in matcher.match_domains(queries) if ref is not None)
    domain_s = time.perf_counter() - started
    addresses = [rng.getrandbits(32) for _ in range(1_000_000)]
    started = time.perf_counter()
    ip_hits = sum(1 for a in addresses if matcher.match_ipv4(a) is not None)
    ip_s = time.perf_counter() - started
    return {
        "indicators": n_indicators + 1_000_000,
        "build_s": built,
        "domain_lookups": len(queries),
        "domain_per_s": len(queries) / domain_s,
        "domain_hits": hits,
        "ip_lookups": len(addresses),
        "ip_per_s": len(addresses) / ip_s,
        "ip_hits": ip_hits,
        "peak_mb": _peak_mb(),
    }


def _child(part: str, *args: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.domains", "--part", part, *map(str, args)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--names", type=int, default=500_000)
    parser.add_argument("--opensquat-names", type=int, default=300)
    parser.add_argument("--dnstwist-brands", type=int, default=200)
    parser.add_argument(
        "--indicators",
        type=int,
        default=9_000_000,
        help="shared domains for the matching figure (plus 1M IPv4 /24 ranges)",
    )
    parser.add_argument("--output", type=Path, help="append the results to this Markdown file")
    parser.add_argument("--part", help=argparse.SUPPRESS)
    parser.add_argument("args", nargs="*", type=int, help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.part:
        fn = {
            "warroom": part_warroom,
            "opensquat": part_opensquat,
            "dnstwist": part_dnstwist,
            "matching": part_matching,
        }
        print(json.dumps(fn[opts.part](*opts.args)))
        return
    if not DATA.is_dir():
        sys.exit(f"no data at {DATA}")
    w = _child("warroom", opts.names)
    o = _child("opensquat", opts.opensquat_names)
    d = _child("dnstwist", opts.names, opts.dnstwist_brands)
    m = _child("matching", opts.indicators)
    w_e2e = w["index_s"] + w["names"] / w["per_s"]
    lines = [
        f"## Domain watch speed ({datetime.date.today()}, `python -m bench.domains "
        f"--names {opts.names}`)",
        "",
        f"{w['brands']:,} brands (697 election offices + Tranco top-10k), new registrations "
        "from the NRD file, one process (one core) per contestant.",
        "",
        "| contestant | names | time | names/s | peak RSS | ratio |",
        "|---|---:|---:|---:|---:|---:|",
        f"| warroom (index {w['index_s']:.2f} s, then scan) | {w['names']:,} | {w['scan_s']:.1f} s"
        f" | {w['per_s']:,.0f} | {w['peak_mb']:.0f} MB (inputs {w['inputs_mb']:.0f} MB) | 1 |",
        f"| openSquat, all {o['keywords']:,} keywords | {o['names']:,} | {o['scan_s']:.1f} s | "
        f"{o['per_s']:,.1f} | {o['peak_mb']:.0f} MB | {w['per_s'] / o['per_s']:,.0f}× slower |",
        f"| dnstwist generate ({d['brands_sampled']} brands timed, scaled to {d['brands']:,}) "
        f"then look up | {d['names']:,} | {d['end_to_end_s']:.0f} s | "
        f"{d['names'] / d['end_to_end_s']:,.0f} | {d['peak_mb_sample']:.0f} MB (sample) | "
        f"{d['end_to_end_s'] / w_e2e:,.0f}× slower end to end |",
        "",
        f"Matching (`warroom match`'s lookups) against {m['indicators']:,} indicators "
        f"({m['indicators'] - 1_000_000:,} domains + 1,000,000 IPv4 /24 ranges, loaded in "
        f"{m['build_s']:.0f} s, peak RSS {m['peak_mb']:,.0f} MB), one core: "
        f"{m['domain_per_s']:,.0f} host lookups/s (each host and its parent domains; "
        f"{m['domain_hits']:,} of {m['domain_lookups']:,} hit), {m['ip_per_s']:,.0f} IPv4 "
        f"lookups/s ({m['ip_hits']:,} of {m['ip_lookups']:,} hit).",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    print(json.dumps({"warroom": w, "opensquat": o, "dnstwist": d, "matching": m}, indent=1))
    if opts.output:
        with opts.output.open("a") as handle:
            handle.write("\n" + text)


if __name__ == "__main__":
    main()
