#!/usr/bin/env bash
# HTTP/2 interception benchmark (issue 15): tlsgate intercepting CONNECTs with HTTP/2 towards the
# client (`intercept.http2: true`) side by side with mitmproxy (mitmdump, HTTP/2 on) and nghttpx
# doing the same TLS termination as a reverse proxy with an h2 frontend and an h2 TLS backend, in
# one run, against one local nginx TLS origin (h2 by ALPN). See bench/README.md ("HTTP/2 rows").
#
# Rows:
#   A  h2load -c 10 -m 10 req/s, 1 KiB responses
#   B  h2load -c 10 -m 10 req/s, 64 KiB responses
#   C  one HTTP/2 stream of BENCH_BULK_MIB (1 GiB), MiB/s (h2load -c 1 -n 1)
#   D  the same download through tlsgate intercept over HTTP/1.1 (curl --http1.1 -x), MiB/s: the
#      reference for the "h2 bulk >= 0.8x tlsgate's own HTTP/1.1 intercept bulk" target
#
# h2load has no proxy option: for the CONNECT proxies (tlsgate, mitmdump) a socat `PROXY:` relay
# per tool listens on loopback and opens one CONNECT per client connection; h2load reaches it with
# --connect-to, so the SNI and :authority stay origin.bench.test. nghttpx and the no-proxy
# reference are reached directly. h2load does not verify certificates (fine for a throughput row).
#
# Environment:
#   BENCH_ROUNDS=3      rounds (tool order rotates); cells are medians
#   BENCH_DURATION=3    seconds per h2load rate run (h2load -D)
#   BENCH_BULK_MIB=1024 size of the bulk download
#   BENCH_KEEP=1        keep the temp dir
#   TLSGATE_BIN=path    tlsgate binary (default <repo>/.build/release/tlsgate; never built here)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
ROUNDS=${BENCH_ROUNDS:-3}
DUR=${BENCH_DURATION:-3}
BULK_MIB=${BENCH_BULK_MIB:-1024}
HOST=origin.bench.test
T0=$(date +%s)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

log() { printf '[h2-bench %3ds] %s\n' "$(( $(date +%s) - T0 ))" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

export PATH="$PATH:/usr/sbin:/sbin"
for cmd in nginx openssl python3 h2load socat curl; do command -v "$cmd" >/dev/null 2>&1 || die "$cmd not found"; done

. "$HERE/lib.sh"
bench_tempdir h2 BENCH_KEEP
read -r P_NGX P_TG P_MI P_NX S_TG S_MI < <(free_ports 6) || die "no free ports"
log "temp dir $T; ports origin=$P_NGX tlsgate=$P_TG mitmdump=$P_MI nghttpx=$P_NX socat: tlsgate=$S_TG mitmdump=$S_MI"

start() { # name port cmd... ; runs cmd in the background, logs to $T/<name>.out
  local name=$1 port=$2; shift 2
  "$@" >"$T/$name.out" 2>&1 &
  PIDS+=($!)
  if wait_port "$port" 30; then return 0; fi
  log "$name did not listen on $port: $(tail -n 5 "$T/$name.out" | tr '\n' ' ')"
  return 1
}
declare -A UP PORT

# ---------------------------------------------------------------- PKI, origin (h2 by ALPN)
make_pki h2 "DNS:$HOST, IP:127.0.0.1"
CA=$T/pki/ca.pem
mkdir -p "$T/www" "$T/origin"
head -c 1024 /dev/urandom > "$T/www/1k"; head -c 65536 /dev/urandom > "$T/www/64k"
truncate -s "${BULK_MIB}M" "$T/www/1g"   # sparse: the origin reads zeros without disk I/O
chmod 755 "$T/www"; chmod 644 "$T/www"/*
cat > "$T/origin/nginx.conf" <<EOF
worker_processes auto;
user nobody nogroup;
pid $T/origin/nginx.pid;
error_log $T/origin/error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  sendfile on; tcp_nodelay on;
  keepalive_requests 1000000; keepalive_timeout 300s;
  http2_max_requests 1000000;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$P_NGX ssl http2;
    server_name $HOST;
    ssl_certificate $T/pki/origin.pem;
    ssl_certificate_key $T/pki/origin.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    root $T/www;
  }
}
EOF
start origin "$P_NGX" nginx -e "$T/origin/error.log" -p "$T/origin" -c "$T/origin/nginx.conf" -g 'daemon off;' \
  || die "origin nginx failed"

# ---------------------------------------------------------------- tlsgate (intercepting, h2 to the client)
TG_BIN=${TLSGATE_BIN:-$REPO/.build/release/tlsgate}
start_tlsgate() {
  [ -x "$TG_BIN" ] || { log "tlsgate binary missing: $TG_BIN (swift build -c release --product tlsgate)"; return 1; }
  "$TG_BIN" ca init --dir "$T/tgca" --name-constraint bench.test >"$T/tgca.log" 2>&1 || { log "ca init: $(cat "$T/tgca.log")"; return 1; }
  cat > "$T/tlsgate.yaml" <<EOF
listen: 127.0.0.1:$P_TG
log_level: warning
tls: { min_version: "1.2", ca_bundle: "$CA" }
upstream: { resolve: { $HOST: "127.0.0.1:$P_NGX" } }
policy: { allow_hosts: ["$HOST"] }
intercept: { enabled: true, http2: true, ca_cert: "$T/tgca/ca.pem", ca_key: "$T/tgca/ca-key.pem", hosts: ["$HOST"] }
audit: { path: "$T/audit.jsonl" }
EOF
  start tlsgate "$P_TG" "$TG_BIN" run --config "$T/tlsgate.yaml" || return 1
  # socat: one CONNECT origin.bench.test:443 per h2load connection
  start socat-tlsgate "$S_TG" socat "TCP-LISTEN:$S_TG,bind=127.0.0.1,fork,reuseaddr" \
    "PROXY:127.0.0.1:$HOST:443,proxyport=$P_TG"
}

# ---------------------------------------------------------------- peers
start_mitmdump() { # venv made by bench/intercept.sh (installed there if missing)
  local venv=$HERE/out/mitmproxy-venv
  if [ ! -x "$venv/bin/mitmdump" ]; then
    log "installing mitmproxy into $venv"
    mkdir -p "$HERE/out"
    (python3 -m venv "$venv" && "$venv/bin/pip" install -q mitmproxy) >"$T/pip.log" 2>&1 || log "mitmproxy install failed: $(tail -3 "$T/pip.log")"
  fi
  [ -x "$venv/bin/mitmdump" ] || return 1
  mkdir -p "$T/mitm"
  start mitmdump "$P_MI" "$venv/bin/mitmdump" --listen-host 127.0.0.1 -p "$P_MI" -q --set confdir="$T/mitm" \
    --set ssl_verify_upstream_trusted_ca="$CA" --set http2=true --set flow_detail=0 --set stream_large_bodies=1m \
    || return 1
  # mitmdump cannot resolve origin.bench.test: CONNECT to the origin's address (SNI stays the name)
  start socat-mitmdump "$S_MI" socat "TCP-LISTEN:$S_MI,bind=127.0.0.1,fork,reuseaddr" \
    "PROXY:127.0.0.1:127.0.0.1:$P_NGX,proxyport=$P_MI"
}
start_nghttpx() { # TLS-terminating reverse proxy: h2 frontend, h2 TLS backend (verified, SNI set)
  command -v nghttpx >/dev/null 2>&1 || { log "nghttpx not found (apt-get install nghttp2-proxy)"; return 1; }
  start nghttpx "$P_NX" nghttpx --frontend="127.0.0.1,$P_NX" --backend="127.0.0.1,$P_NGX;;tls;proto=h2;sni=$HOST" \
    --cacert="$CA" --workers="$(nproc)" --no-ocsp --log-level=WARN --errorlog-file="$T/nghttpx.err" \
    --pid-file="$T/nghttpx.pid" "$T/pki/origin.key" "$T/pki/origin.pem"
}

start_tlsgate && UP[tlsgate]=1
start_nghttpx && UP[nghttpx]=1
start_mitmdump && UP[mitmdump]=1
UP[direct]=1
PORT[tlsgate]=$S_TG; PORT[mitmdump]=$S_MI; PORT[nghttpx]=$P_NX; PORT[direct]=$P_NGX
TOOLS=(tlsgate nghttpx mitmdump direct)

RES=$T/results.tsv; : > "$RES"
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$RES"; }

h2run() { # seconds tool args... -> h2load output (URI host origin.bench.test, TCP to the tool's port)
  local secs=$1 tool=$2; shift 2
  timeout "$secs" h2load -N 2 --connect-to="127.0.0.1:${PORT[$tool]}" "$@" 2>&1
}
succeeded() { sed -n 's/^requests: .* \([0-9]*\) succeeded, \([0-9]*\) failed, \([0-9]*\) errored.*/\1 \2 \3/p' <<<"$1"; }

rate_row() { # metric tool path
  local metric=$1 tool=$2 path=$3 out ok bad err rps
  out=$(h2run $(( DUR + 30 )) "$tool" -c 10 -m 10 -D "$DUR" "https://$HOST/$path")
  read -r ok bad err < <(succeeded "$out")
  rps=$(sed -n 's/^finished in [0-9.]*s, \([0-9.]*\) req\/s.*/\1/p' <<<"$out")
  if [ -n "$rps" ] && [ "${ok:-0}" -gt 0 ] && [ $(( (bad + err) * 100 )) -le "$ok" ]; then
    record "$metric" "$tool" "$rps"; log "$metric $tool: $rps req/s (failed $bad, errored $err)"
  else
    record "$metric" "$tool" err; log "$metric $tool: failed: $(tail -n 12 <<<"$out" | tr '\n' ' ')"
  fi
}

bulk_row() { # tool: one h2 stream of BULK_MIB, MiB/s
  local tool=$1 out ok bad err secs
  out=$(h2run 120 "$tool" -c 1 -m 1 -n 1 "https://$HOST/1g")
  read -r ok bad err < <(succeeded "$out")
  secs=$(sed -n 's/^finished in \([0-9.]*\)\(m\?s\),.*/\1 \2/p' <<<"$out")
  if [ "${ok:-0}" = 1 ] && [ -n "$secs" ] && grep -q "traffic: .*" <<<"$out"; then
    local mibs; mibs=$(python3 -c "v, u = '$secs'.split(); s = float(v) / (1000 if u == 'ms' else 1); print(f'{$BULK_MIB / s:.1f}')")
    record bulk_h2 "$tool" "$mibs"; log "bulk_h2 $tool: $mibs MiB/s ($secs)"
  else
    record bulk_h2 "$tool" err; log "bulk_h2 $tool: failed: $(tail -n 12 <<<"$out" | tr '\n' ' ')"
  fi
}

bulk_h1_tlsgate() { # the same download through tlsgate intercept, HTTP/1.1 (curl -x, CONNECT)
  local out
  out=$(timeout 120 curl -sS --http1.1 -x "http://127.0.0.1:$P_TG" --cacert "$T/tgca/ca.pem" -o /dev/null \
        -w '%{http_code} %{size_download} %{speed_download}' "https://$HOST/1g" 2>&1)
  read -r code size speed <<<"$out"
  if [ "$code" = 200 ] && [ "$size" = $(( BULK_MIB * 1048576 )) ]; then
    local mibs; mibs=$(python3 -c "print(f'{$speed / 1048576:.1f}')")
    record bulk_h1 tlsgate "$mibs"; log "bulk_h1 tlsgate: $mibs MiB/s"
  else
    record bulk_h1 tlsgate err; log "bulk_h1 tlsgate: failed: $out"
  fi
}

# ---------------------------------------------------------------- check each path once (h2 negotiated)
declare -A OK
for tool in "${TOOLS[@]}"; do
  [ -n "${UP[$tool]:-}" ] || continue
  out=$(h2run 30 "$tool" -c 1 -n 2 "https://$HOST/1k")
  read -r ok bad err < <(succeeded "$out")
  if [ "${ok:-0}" = 2 ] && grep -q '^Application protocol: h2' <<<"$out"; then OK[$tool]=1; log "check $tool: ok (h2)"
  else log "check $tool: FAILED: $(tail -n 12 <<<"$out" | tr '\n' ' ')"; fi
done

rotate() { local r=$1; shift; local a=("$@") n=$# i; for (( i = 0; i < n; i++ )); do echo "${a[$(( (i + r) % n ))]}"; done; }
for tool in "${TOOLS[@]}"; do   # warm-up, not recorded
  [ -n "${OK[$tool]:-}" ] && h2run 10 "$tool" -c 10 -m 10 -D 1 "https://$HOST/1k" >/dev/null
done
for (( r = 0; r < ROUNDS; r++ )); do
  log "round $(( r + 1 ))/$ROUNDS"
  for tool in $(rotate $r "${TOOLS[@]}"); do
    if [ -z "${OK[$tool]:-}" ]; then record rps_1k "$tool" err; record rps_64k "$tool" err; record bulk_h2 "$tool" err; continue; fi
    rate_row rps_1k "$tool" 1k
    rate_row rps_64k "$tool" 64k
    bulk_row "$tool"
    if [ "$tool" = tlsgate ]; then bulk_h1_tlsgate; : > "$T/audit.jsonl"; fi
  done
done

# ---------------------------------------------------------------- report
mkdir -p "$HERE/out"
{
  echo "# tlsgate HTTP/2 interception benchmark"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); host: $(uname -srm); nproc: $(nproc)"
  echo "- load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- rounds: $ROUNDS; h2load -c 10 -m 10 -D $DUR (one h2load thread); bulk: one stream of $BULK_MIB MiB"
  echo "- tlsgate: $TG_BIN; nghttpx: $(nghttpx --version 2>/dev/null | cut -d' ' -f2); nginx origin: $(nginx -v 2>&1 | cut -d' ' -f3); mitmdump: $("$HERE/out/mitmproxy-venv/bin/mitmdump" --version 2>/dev/null | head -n1 | cut -d' ' -f2); $(h2load --version | head -n1)"
  echo
  python3 - "$RES" <<'PY'
import statistics, sys
rows = [("rps_1k", "A. h2 1 KiB GETs (10 conn × 10 streams)", "req/s"),
        ("rps_64k", "B. h2 64 KiB GETs (10 conn × 10 streams)", "req/s"),
        ("bulk_h2", "C. one h2 stream, 1 GiB", "MiB/s"),
        ("bulk_h1", "D. one HTTP/1.1 download, 1 GiB (tlsgate only)", "MiB/s")]
tools = ["tlsgate", "nghttpx", "mitmdump", "direct"]
heads = {"tlsgate": "tlsgate intercept (h2 ⇄ h2)", "nghttpx": "nghttpx (terminate, h2 backend)",
         "mitmdump": "mitmdump (h2 ⇄ h2)", "direct": "no proxy (ref.)"}
data = {}
for line in open(sys.argv[1]):
    m, t, v = line.rstrip("\n").split("\t")
    data.setdefault((m, t), []).append(v)
def cell(m, t):
    vals = data.get((m, t))
    if not vals: return None, "–"
    nums = [float(v) for v in vals if v not in ("err", "n/a", "skip")]
    if not nums: return None, vals[0]
    med = statistics.median(nums)
    return med, (f"{med:,.0f}" if med >= 100 else f"{med:.1f}") + ("†" if len(nums) < len(vals) else "")
print("| row | unit | " + " | ".join(heads[t] for t in tools) + " |")
print("|---|---|" + "---|" * len(tools))
for m, label, unit in rows:
    mine, _ = cell(m, "tlsgate")
    cells = []
    for t in tools:
        v, text = cell(m, t)
        if t != "tlsgate" and v and mine:
            text += f" ({mine / v:.2f}×)"
        cells.append(text)
    print(f"| {label} | {unit} ↑ | " + " | ".join(cells) + " |")
print()
h2, h1 = cell("bulk_h2", "tlsgate")[0], cell("bulk_h1", "tlsgate")[0]
if h2 and h1:
    print(f"tlsgate h2 bulk / tlsgate HTTP/1.1 intercept bulk: {h2 / h1:.2f}× (target ≥ 0.8×).")
    print()
print("Peer cells: value (tlsgate/peer); † = some rounds failed. Targets (issue 15): A and B ≥ 1.0× nghttpx, "
      "≥ 20× mitmdump; C ≥ 0.8× D. tlsgate and mitmdump are reached through a socat CONNECT relay "
      "(one extra loopback hop); nghttpx and the reference directly.")
PY
  echo
  echo "_elapsed: $(( $(date +%s) - T0 )) s_"
} > "$HERE/out/h2.md"
cp "$RES" "$HERE/out/h2.tsv"
cat "$HERE/out/h2.md"
