#!/usr/bin/env python3
"""Builds the Markdown comparison table of bench/run.sh from its raw results.

Usage: report.py RESULTS.tsv

RESULTS.tsv has one measurement per line: metric<TAB>tool<TAB>value, where value is a number,
"err" (the tool failed that run), "n/a" (the tool cannot do that row) or "skip" (not run).
Several lines for the same (metric, tool) are rounds; the table shows their median.
"""
import statistics
import sys

# Columns, in display order. "direct" = no proxy (client straight to the origin / raw loopback).
TOOLS = ["tlsgate", "stunnel", "haproxy", "nginx", "squid", "tinyproxy", "socat", "direct"]
HEADERS = {
    "tlsgate": "tlsgate",
    "stunnel": "stunnel4",
    "haproxy": "haproxy",
    "nginx": "nginx proxy",
    "squid": "squid",
    "tinyproxy": "tinyproxy",
    "socat": "socat relay",
    "direct": "no proxy (ref.)",
}
# Reference columns are never "peers" for the best-peer ratio.
REFERENCE = {"direct"}

# (metric, label, unit, higher_is_better, key peers for the "key ratios" column)
ROWS = [
    ("ka1k_rps", "1. plain→TLS keep-alive 1 KiB", "req/s", True, ["stunnel"]),
    ("ka1k_p50", "1. … latency p50", "ms", False, ["stunnel"]),
    ("ka1k_p99", "1. … latency p99", "ms", False, ["stunnel"]),
    ("close1k_rps", "2. plain→TLS new conn/request 1 KiB", "req/s", True, ["stunnel"]),
    ("close1k_p99", "2. … latency p99", "ms", False, []),
    ("ka64k_rps", "3. plain→TLS keep-alive 64 KiB", "req/s", True, ["stunnel"]),
    ("ka64k_p99", "3. … latency p99", "ms", False, []),
    ("bulk_mibs", "4. plain→TLS bulk GET 100 MiB", "MiB/s", True, ["stunnel"]),
    ("tunbulk_mibs", "5. CONNECT tunnel bulk 100 MiB", "MiB/s", True, ["tinyproxy", "socat"]),
    ("tunrate", "6. new CONNECT tunnels (TLS + 1 KiB GET)", "tunnels/s", True, ["squid"]),
    ("loopback_mibs", "7. raw TCP loopback, 1 stream (python, 1 MiB writes)", "MiB/s", True, []),
]


def load(path):
    data = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3:
                continue
            metric, tool, value = parts
            data.setdefault((metric, tool), []).append(value)
    return data


def summarize(values):
    """Returns (median or None, marker text, failed_rounds)."""
    if not values:
        return None, "", 0
    nums = []
    failed = 0
    tags = set()
    for v in values:
        try:
            nums.append(float(v))
        except ValueError:
            tags.add(v)
            if v == "err":
                failed += 1
    if nums:
        return statistics.median(nums), "", failed
    for tag in ("err", "n/a", "skip"):
        if tag in tags:
            return None, tag, failed
    return None, "err", failed


def fmt(value, unit):
    if unit == "ms":
        return f"{value:.2f}" if value < 100 else f"{value:.0f}"
    if unit == "MiB/s":
        return f"{value:.0f}" if value >= 100 else f"{value:.1f}"
    return f"{value:.0f}"


def per_round(tg_values, peer_values):
    """tlsgate / peer for each round both have a number, in round order, e.g. "1.04 0.97 0.99"."""
    ratios = []
    for a, b in zip(tg_values, peer_values):
        try:
            x, y = float(a), float(b)
        except ValueError:
            ratios.append("–")
            continue
        ratios.append(f"{x / y:.2f}" if y > 0 else "–")
    return " ".join(ratios) if len(ratios) > 1 else ""


def main():
    data = load(sys.argv[1])
    present = [t for t in TOOLS if any(k[1] == t for k in data)]
    head = ["row", "unit"] + [HEADERS[t] for t in present] + ["tlsgate / best peer", "per round", "key ratios"]
    out = ["| " + " | ".join(head) + " |",
           "|" + "|".join(["---"] * 2 + ["--:"] * len(present) + ["--:", "--:", "---"]) + "|"]
    notes = False
    for metric, label, unit, higher, keys in ROWS:
        if not any(k[0] == metric for k in data):
            continue
        tg, _, _ = summarize(data.get((metric, "tlsgate"), []))
        cells = []
        peers = {}
        for tool in present:
            med, tag, failed = summarize(data.get((metric, tool), []))
            if med is None:
                cells.append(tag or "–")
                continue
            text = fmt(med, unit)
            if failed:
                text += "†"
                notes = True
            if tool != "tlsgate" and tool not in REFERENCE:
                peers[tool] = med
                if tg is not None and med > 0:
                    text += f" ({tg / med:.2f})"
            cells.append(text)
        best = ""
        rounds = ""
        if tg is not None and peers:
            pick = max if higher else min
            name = pick(peers, key=peers.get)
            if peers[name] > 0:
                best = f"{tg / peers[name]:.2f} (vs {HEADERS[name]})"
                rounds = per_round(data.get((metric, "tlsgate"), []), data.get((metric, name), []))
        key_txt = []
        for k in keys:
            if tg is not None and k in peers and peers[k] > 0:
                key_txt.append(f"vs {HEADERS[k]}: {tg / peers[k]:.2f}")
        better = "↑" if higher else "↓"
        out.append("| " + " | ".join([label, f"{unit} {better}"] + cells + [best, rounds, "; ".join(key_txt)]) + " |")
    print("\n".join(out))
    print()
    print("Cells: median over rounds; peer cells show `value (tlsgate/peer)`. ↑ = higher is better "
          "(ratio > 1 favours tlsgate), ↓ = lower is better (ratio < 1 favours tlsgate). "
          "n/a = the peer cannot do this row (see bench/README.md); err = the tool failed; "
          "– = not part of this row. Per round: tlsgate / that same peer in each round, in run order "
          "(the spread shows how much of a ratio is run-to-run noise).")
    if notes:
        print("† some rounds of this cell failed; the median is over the successful rounds.")


if __name__ == "__main__":
    main()
