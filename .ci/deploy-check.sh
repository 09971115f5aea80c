#!/usr/bin/env bash
# Checks the deployment files with the tools that consume them (run by `make test`):
#   - deploy/systemd/tlsgate.service: `systemd-analyze verify` prints nothing, and
#     `systemd-analyze security --offline=true` rates it OK or better (the score is printed);
#   - deploy/kubernetes/*.yaml: `kubernetes-validate --strict` against the Kubernetes schema, and
#     the tlsgate.yaml of each ConfigMap passes `tlsgate check-config`.
#
#   .ci/deploy-check.sh [TLSGATE_BINARY]     (default .build/debug/tlsgate)
set -euo pipefail
cd "$(dirname "$0")/.."
binary=$(realpath "${1:-.build/debug/tlsgate}")
[ -x "$binary" ] || { echo "deploy-check: no tlsgate binary at $binary (build first)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# systemd. `verify` checks that ExecStart's program exists: the copy names the built binary
# instead of /usr/local/bin/tlsgate (the only change).
unit=deploy/systemd/tlsgate.service
sed "s#/usr/local/bin/tlsgate#$binary#g" "$unit" > "$work/tlsgate.service"
if ! out=$(systemd-analyze verify "$work/tlsgate.service" 2>&1) || [ -n "$out" ]; then
    echo "deploy-check: systemd-analyze verify $unit failed:" >&2
    echo "$out" >&2
    exit 1
fi
echo "systemd-analyze verify $unit: OK"
security=$(systemd-analyze security --offline=true --no-pager "$unit" 2>&1 | grep 'Overall exposure level' || true)
level=$(echo "$security" | sed -E 's/.*: ([0-9.]+) ([A-Z]+).*/\1 \2/')
case "$level" in
    *" PERFECT"|*" SAFE"|*" OK") echo "systemd-analyze security --offline=true $unit: exposure $level" ;;
    *) echo "deploy-check: systemd-analyze security: exposure '$level' (want OK or better): $security" >&2; exit 1 ;;
esac

# Kubernetes: the schema (offline, bundled with kubernetes-validate), strict about unknown fields.
kubernetes-validate --strict --quiet deploy/kubernetes/*.yaml
echo "kubernetes-validate --strict: OK ($(ls deploy/kubernetes/*.yaml | xargs -n1 basename | tr '\n' ' '))"
# The validator must catch a misspelt field, or the check above proves nothing.
sed 's/readinessProbe:/readinessProbee:/' deploy/kubernetes/sidecar.yaml > "$work/typo.yaml"
if kubernetes-validate --strict --quiet "$work/typo.yaml" >/dev/null 2>&1; then
    echo "deploy-check: kubernetes-validate accepted an unknown field" >&2
    exit 1
fi

# Each ConfigMap's tlsgate.yaml is a valid tlsgate configuration.
for manifest in deploy/kubernetes/*.yaml; do
    name=$(basename "$manifest" .yaml)
    python3 - "$manifest" "$work/$name.tlsgate.yaml" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d.get("kind") == "ConfigMap"]
texts = [d["data"]["tlsgate.yaml"] for d in docs if "tlsgate.yaml" in d.get("data", {})]
if len(texts) != 1:
    sys.exit(f"{sys.argv[1]}: expected one ConfigMap with tlsgate.yaml, found {len(texts)}")
open(sys.argv[2], "w").write(texts[0])
PY
    (cd "$work" && "$binary" check-config --config "$name.tlsgate.yaml")
done
echo "deploy-check: all passed"
