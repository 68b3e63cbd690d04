#!/usr/bin/env python3
"""Summary of bench/pin_cost.sh's raw.tsv: per version and kind, the median microseconds per call of
each variant (with min-max over the rounds), and the cost of the pin: the median over rounds of
(pin - plain) within the same round, with its min-max."""
import csv
import statistics
import sys
from collections import defaultdict

rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
by = defaultdict(lambda: defaultdict(dict))  # (label, kind) -> round -> variant -> us
ver = {}
for r in rows:
    by[(r["label"], r["kind"])][int(r["round"])][r["variant"]] = float(r["us_per_call"])
    ver[r["label"]] = r["server_version"]


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def span(xs):
    return f"{min(xs):.3f}-{max(xs):.3f}" if xs else "-"


print("| version | kind | rounds | none us | plain us | pinned us | pin - plain us (median, min-max) | pinned / plain |")
print("|---|---|---|---|---|---|---|---|")
for (label, kind), rounds in sorted(by.items(), key=lambda kv: (int(kv[0][0]) if kv[0][0].isdigit() else kv[0][0], kv[0][1])):
    v = {x: [rd[x] for rd in rounds.values() if x in rd] for x in ("none", "plain", "pin")}
    diff = [rd["pin"] - rd["plain"] for rd in rounds.values() if "pin" in rd and "plain" in rd]
    ratio = [rd["pin"] / rd["plain"] for rd in rounds.values() if "pin" in rd and "plain" in rd]
    print(f"| {ver[label]} | {kind} | {len(diff)} | {med(v['none']):.3f} | {med(v['plain']):.3f} ({span(v['plain'])}) "
          f"| {med(v['pin']):.3f} ({span(v['pin'])}) | **{med(diff):.3f}** ({span(diff)}) | {med(ratio):.2f}x |")
