#!/usr/bin/env bash
# `tlsgate audit summary` against the same summary done with jq (bench/audit_summary.jq), on the
# same generated file, side by side: lines/s of each and the ratio. Prints one Markdown row.
#   bench/audit_summary.sh [LINES]        (default 300000; TLSGATE_BIN as in run.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lines=${1:-300000}
bin=${TLSGATE_BIN:-$here/../.build/release/tlsgate}
if [ ! -x "$bin" ]; then (cd "$here/.." && swift build -c release --product tlsgate); fi
command -v jq >/dev/null || { echo "jq is required (apt-get install jq)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$here/audit_lines.py" "$lines" > "$tmp/audit.jsonl"
total=$(wc -l < "$tmp/audit.jsonl")
bytes=$(stat -c %s "$tmp/audit.jsonl")
# The generator chains its lines like tlsgate (but writes no checkpoint): verify finds only that.
{ "$bin" audit verify "$tmp/audit.jsonl" || true; } | grep -q "there is no checkpoint: $total lines are not sealed" \
  || { echo "verify found more than the missing checkpoint" >&2; exit 1; }
best() {  # best of 3 wall-clock seconds of "$@"
  local b=""
  for _ in 1 2 3; do
    local s e
    s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N)
    b=$(python3 -c "import sys; t=$e-$s; b='$b'; print(min(t, float(b)) if b else t)")
  done
  echo "$b"
}
t_gate=$(best "$bin" audit summary --format json "$tmp/audit.jsonl")
t_jq=$(best jq -n -c -f "$here/audit_summary.jq" "$tmp/audit.jsonl")
# verify over the same file (the generator chains its lines; no checkpoint, so exit 1 is expected).
t_verify=$(best bash -c '"$0" audit verify "$1" || true' "$bin" "$tmp/audit.jsonl")
# The two agree on the totals (a summary that is fast because it is wrong would not count).
"$bin" audit summary --format json "$tmp/audit.jsonl" > "$tmp/gate.json"
jq -n -c -f "$here/audit_summary.jq" "$tmp/audit.jsonl" > "$tmp/jq.json"
python3 - "$tmp/gate.json" "$tmp/jq.json" <<'PY'
import json, sys
g, j = (json.load(open(p)) for p in sys.argv[1:3])
for k in ["by_mode", "by_decision", "by_outcome", "errors", "tls_versions", "ciphers", "hosts", "instances",
          "aws_services", "aws_regions", "aws_operations", "aws_access_key_ids"]:
    assert g[k] == j[k], (k, g[k], j[k])
assert g["traffic"] == j["traffic"] and g["fips"]["fips_calls"] == j["fips_calls"], "totals differ"
assert {c: v["count"] for c, v in g["violations"].items()} == {c: v["count"] for c, v in j["violations"].items()}
PY
python3 - "$total" "$bytes" "$t_gate" "$t_jq" "$t_verify" <<'PY'
import sys
n, b, g, j, v = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
print("| row | lines | MiB | tlsgate audit summary | jq (same summary) | ratio |")
print("|---|---:|---:|---:|---:|---:|")
print("| audit summary | %d | %.0f | %.0f lines/s (%.2f s) | %.0f lines/s (%.2f s) | %.1fx |" % (n, b / 2**20, n / g, g, n / j, j, j / g))
print("\naudit verify over the same file: %.0f lines/s (%.2f s, %.0f MiB/s)" % (n / v, v, b / 2**20 / v))
PY
