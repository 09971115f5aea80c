#!/usr/bin/env bash
# TLS interception benchmark: tlsgate intercepting CONNECTs (local CA leaf, client handshake,
# verified upstream, HTTP/1.1 inside) side by side with mitmproxy (mitmdump), squid ssl-bump and
# nginx doing the same crypto work (TLS termination with an ECDSA P-256 certificate and
# `proxy_pass https` with an upstream keepalive pool), in one run, against one local TLS origin.
# See bench/README.md ("Interception rows").
#
# Rows:
#   A  intercepted keep-alive 1 KiB GETs, req/s (connect_load --keepalive, one tunnel per thread)
#   B  new intercepted connections/s: CONNECT + full client handshake (no resumption) + 1 KiB GET
#      + close (connect_load)
#   C  RSS per idle intercepted keep-alive connection: N connections opened (each with one GET)
#      and held; (RSS while held - RSS before) / N, the process and its children
#
# Environment:
#   BENCH_ROUNDS=3      rounds (tool order rotates); cells are medians
#   BENCH_DURATION=3    seconds per rate run
#   BENCH_THREADS=32    client threads (connections) for rows A and B
#   BENCH_IDLE=5000     idle connections for row C (0 skips it)
#   BENCH_RSS_TOOLS="tlsgate nginx"   tools measured in row C
#   BENCH_ONLY=tlsgate  only tlsgate (and the no-proxy reference)
#   TLSGATE_BIN=path    tlsgate binary (default <repo>/.build/release/tlsgate, built if missing)
#   BENCH_KEEP=1        keep the temp dir
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
ROUNDS=${BENCH_ROUNDS:-3}
DUR=${BENCH_DURATION:-3}
THREADS=${BENCH_THREADS:-32}
IDLE=${BENCH_IDLE:-5000}
RSS_TOOLS=${BENCH_RSS_TOOLS:-tlsgate nginx}
ONLY=${BENCH_ONLY:-all}
HOST=origin.bench.test
T0=$(date +%s)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

log() { printf '[icpt-bench %3ds] %s\n' "$(( $(date +%s) - T0 ))" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

export PATH="$PATH:/usr/sbin:/sbin"
for cmd in nginx openssl python3 gcc; do command -v "$cmd" >/dev/null 2>&1 || die "$cmd not found"; done
ulimit -n "$(ulimit -Hn)" 2>/dev/null   # 5,000 held connections need more than 1024 descriptors

. "$HERE/lib.sh"
bench_tempdir icpt BENCH_KEEP
read -r P_NGX P_TG P_NP P_SQ P_MI < <(free_ports 5) || die "no free ports"
log "temp dir $T; ports origin=$P_NGX tlsgate=$P_TG nginx=$P_NP squid=$P_SQ mitmdump=$P_MI"

start() { # name port cmd... ; runs cmd in the background, logs to $T/<name>.out
  local name=$1 port=$2; shift 2
  "$@" >"$T/$name.out" 2>&1 &
  PIDS+=($!)
  PID_OF[$name]=$!
  if wait_port "$port" 30; then return 0; fi
  log "$name did not listen on $port: $(tail -n 5 "$T/$name.out" | tr '\n' ' ')"
  return 1
}
declare -A PID_OF UP

# ---------------------------------------------------------------- PKI, origin
make_pki icpt "DNS:$HOST, IP:127.0.0.1"
CA=$T/pki/ca.pem
mkdir -p "$T/www" "$T/origin"
head -c 1024 /dev/urandom > "$T/www/1k"; chmod 755 "$T/www"; chmod 644 "$T/www/1k"
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
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$P_NGX ssl;
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

gcc -O2 -o "$T/connect_load" "$HERE/connect_load.c" -lssl -lcrypto -lpthread 2>"$T/gcc.log" || die "connect_load: $(head -3 "$T/gcc.log")"

# ---------------------------------------------------------------- tlsgate (intercepting)
declare -A CLIENT_CA TARGET DIRECT HOST_HEADER
start_tlsgate() {
  local bin=${TLSGATE_BIN:-$REPO/.build/release/tlsgate}
  if [ ! -x "$bin" ] && [ -z "${TLSGATE_BIN:-}" ]; then
    log "building tlsgate (swift build -c release --product tlsgate)"
    (cd "$REPO" && swift build -c release --product tlsgate) >"$T/build.log" 2>&1 || { log "build failed"; return 1; }
  fi
  [ -x "$bin" ] || { log "tlsgate binary missing: $bin"; return 1; }
  TG_BIN=$bin
  "$bin" ca init --dir "$T/tgca" --name-constraint bench.test >"$T/tgca.log" 2>&1 || { log "ca init: $(cat "$T/tgca.log")"; return 1; }
  cat > "$T/tlsgate.yaml" <<EOF
listen: 127.0.0.1:$P_TG
log_level: warning
tls: { min_version: "1.2", ca_bundle: "$CA" }
upstream: { resolve: { $HOST: "127.0.0.1:$P_NGX" } }
policy: { allow_hosts: ["$HOST"] }
intercept: { enabled: true, ca_cert: "$T/tgca/ca.pem", ca_key: "$T/tgca/ca-key.pem", hosts: ["$HOST"] }
audit: { path: "$T/audit.jsonl" }
EOF
  CLIENT_CA[tlsgate]=$T/tgca/ca.pem; TARGET[tlsgate]="$HOST:443"
  start tlsgate "$P_TG" "$bin" run --config "$T/tlsgate.yaml"
}

# ---------------------------------------------------------------- peers
start_peers() {
  # nginx: TLS termination (ECDSA P-256 leaf of the bench CA) + proxy_pass https with a keepalive pool.
  mkdir -p "$T/nginx"
  cat > "$T/nginx/nginx.conf" <<EOF
worker_processes auto;
user nobody nogroup;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  proxy_temp_path $T/nginx/proxy;
  upstream origin { server 127.0.0.1:$P_NGX; keepalive 128; }
  server {
    listen 127.0.0.1:$P_NP ssl;
    server_name $HOST;
    ssl_certificate $T/pki/origin.pem;
    ssl_certificate_key $T/pki/origin.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    keepalive_requests 1000000; keepalive_timeout 300s;
    location / {
      proxy_pass https://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $HOST;
      proxy_ssl_verify on;
      proxy_ssl_trusted_certificate $CA;
      proxy_ssl_server_name on;
      proxy_ssl_name $HOST;
      proxy_ssl_protocols TLSv1.2 TLSv1.3;
      proxy_ssl_session_reuse on;
    }
  }
}
EOF
  CLIENT_CA[nginx]=$CA; DIRECT[nginx]=1
  start nginx "$P_NP" nginx -e "$T/nginx/error.log" -p "$T/nginx" -c "$T/nginx/nginx.conf" -g 'daemon off;' && UP[nginx]=1

  # squid ssl-bump (squid-openssl): peek at the SNI, bump, mint with its own CA, verify upstream.
  if squid -v 2>/dev/null | grep -q -- --with-openssl && [ -x /usr/lib/squid/security_file_certgen ]; then
    mkdir -p "$T/squid" && chown -R proxy:proxy "$T/squid" 2>/dev/null
    openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=squid bench CA" \
      -keyout "$T/squid/ca.key" -out "$T/squid/ca.pem" >/dev/null 2>&1
    cat "$T/squid/ca.pem" "$T/squid/ca.key" > "$T/squid/ca-bundle.pem"
    /usr/lib/squid/security_file_certgen -c -s "$T/squid/certdb" -M 64MB >/dev/null 2>&1
    chown -R proxy:proxy "$T/squid" 2>/dev/null
    cat > "$T/squid/squid.conf" <<EOF
http_port 127.0.0.1:$P_SQ ssl-bump generate-host-certificates=on dynamic_cert_mem_cache_size=64MB tls-cert=$T/squid/ca-bundle.pem
sslcrtd_program /usr/lib/squid/security_file_certgen -s $T/squid/certdb -M 64MB
sslcrtd_children 8 startup=2 idle=1
acl step1 at_step SslBump1
ssl_bump peek step1
ssl_bump bump all
tls_outgoing_options cafile=$CA
# squid forwards a bumped request to its URL's host and port (the Host header): resolve the
# origin name here, in squid's own hosts file (the client sends Host: origin.bench.test:PORT).
hosts_file $T/squid/hosts
acl localnet src 127.0.0.1/32
acl SSL_ports port $P_NGX 443
acl CONNECT method CONNECT
http_access deny CONNECT !SSL_ports
http_access allow localnet
http_access deny all
cache deny all
access_log none
cache_log $T/squid/cache.log
pid_filename $T/squid/squid.pid
coredump_dir $T/squid
max_filedescriptors 20000
shutdown_lifetime 1 seconds
EOF
    echo "127.0.0.1 $HOST" > "$T/squid/hosts"
    CLIENT_CA[squid]=$T/squid/ca.pem; TARGET[squid]="127.0.0.1:$P_NGX"; HOST_HEADER[squid]="$HOST:$P_NGX"
    start squid "$P_SQ" squid -N -f "$T/squid/squid.conf" && UP[squid]=1
  else
    log "squid is not an OpenSSL build with security_file_certgen (apt-get install squid-openssl): skipped"
  fi

  # mitmdump in a venv under bench/out (never the system's Python packages).
  local venv=$HERE/out/mitmproxy-venv
  if [ ! -x "$venv/bin/mitmdump" ]; then
    log "installing mitmproxy into $venv"
    mkdir -p "$HERE/out"
    (python3 -m venv "$venv" && "$venv/bin/pip" install -q mitmproxy) >"$T/pip.log" 2>&1 || log "mitmproxy install failed: $(tail -3 "$T/pip.log")"
  fi
  if [ -x "$venv/bin/mitmdump" ]; then
    mkdir -p "$T/mitm"   # mitmdump writes its CA there when it starts
    CLIENT_CA[mitmdump]=$T/mitm/mitmproxy-ca-cert.pem; TARGET[mitmdump]="127.0.0.1:$P_NGX"
    start mitmdump "$P_MI" "$venv/bin/mitmdump" --listen-host 127.0.0.1 -p "$P_MI" -q --set confdir="$T/mitm" \
      --set ssl_verify_upstream_trusted_ca="$CA" --set http2=false --set flow_detail=0 --set stream_large_bodies=1m \
      && UP[mitmdump]=1
  fi
}

UP[direct]=1; CLIENT_CA[direct]=$CA; DIRECT[direct]=1
TG_BIN=
start_tlsgate && UP[tlsgate]=1
[ "$ONLY" = tlsgate ] || start_peers
TOOLS=(tlsgate nginx squid mitmdump direct)
port_of() { case $1 in tlsgate) echo $P_TG;; nginx) echo $P_NP;; squid) echo $P_SQ;; mitmdump) echo $P_MI;; direct) echo $P_NGX;; esac; }
load_args() { # tool -> connect_load arguments reaching the origin through it
  local tool=$1
  if [ -n "${DIRECT[$tool]:-}" ]; then echo "--connect 127.0.0.1:$(port_of "$tool") --direct --ca ${CLIENT_CA[$tool]}"
  else echo "--connect 127.0.0.1:$(port_of "$tool") --target ${TARGET[$tool]} --ca ${CLIENT_CA[$tool]}"; fi
  if [ -n "${HOST_HEADER[$tool]:-}" ]; then echo "--host ${HOST_HEADER[$tool]}"; fi
}

RES=$T/results.tsv; : > "$RES"
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$RES"; }

# ---------------------------------------------------------------- check each path once
declare -A OK
for tool in "${TOOLS[@]}"; do
  [ -n "${UP[$tool]:-}" ] || continue
  # shellcheck disable=SC2046
  out=$(timeout 30 "$T/connect_load" $(load_args "$tool") --sni "$HOST" --path /1k --threads 1 --seconds 1 2>&1)
  if [[ $out =~ tunnels=([0-9]+)\ errors=0 ]] && [ "${BASH_REMATCH[1]}" -gt 0 ]; then OK[$tool]=1; log "check $tool: ok"
  else log "check $tool: FAILED: $out"; fi
done

rate_row() { # metric tool [--keepalive]
  local metric=$1 tool=$2; shift 2
  local out ok err rate
  # shellcheck disable=SC2046
  out=$(timeout $(( DUR + 30 )) "$T/connect_load" $(load_args "$tool") --sni "$HOST" --path /1k \
        --threads "$THREADS" --seconds "$DUR" "$@" 2>&1)
  ok=$(sed -n 's/.*tunnels=\([0-9]*\).*/\1/p' <<<"$out"); err=$(sed -n 's/.*errors=\([0-9]*\).*/\1/p' <<<"$out")
  rate=$(sed -n 's/.*rate=\([0-9.]*\).*/\1/p' <<<"$out")
  if [ -n "$rate" ] && [ "${ok:-0}" -gt 0 ] && [ $(( err * 100 )) -le "$ok" ]; then
    record "$metric" "$tool" "$rate"; log "$metric $tool: $rate/s (errors $err)"
  else
    record "$metric" "$tool" err; log "$metric $tool: failed: $out"
  fi
}

rss_kib() { # pid -> RSS of the process and its descendants, KiB
  local total=0 p v
  for p in "$1" $(descendants "$1"); do
    v=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null); total=$(( total + ${v:-0} ))
  done
  echo "$total"
}

idle_row() { # tool: RSS per idle connection with $IDLE held
  local tool=$1 pid=${PID_OF[$1]:-} before after out i
  [ -n "$pid" ] || { record idle_kib "$tool" err; return; }
  sleep 2; before=$(rss_kib "$pid")
  # shellcheck disable=SC2046
  timeout $(( IDLE / 20 + 120 )) "$T/connect_load" $(load_args "$tool") --sni "$HOST" --path /1k \
    --hold 20 --connections "$IDLE" > "$T/hold-$tool.out" 2>&1 &
  local loader=$!
  for i in $(seq $(( IDLE / 10 + 600 ))); do grep -q '^held=' "$T/hold-$tool.out" && break; sleep 0.2; done
  sleep 3   # idle: tlsgate gives the upstream connections back and releases the record buffers
  after=$(rss_kib "$pid"); out=$(cat "$T/hold-$tool.out")
  wait "$loader" 2>/dev/null
  local held=${out#held=}; held=${held%% *}
  if [[ $held =~ ^[0-9]+$ ]] && [ "$held" -ge $(( IDLE * 99 / 100 )) ]; then
    local per; per=$(python3 -c "print(f'{($after - $before) / $held:.1f}')")
    record idle_kib "$tool" "$per"; log "idle $tool: $held held, RSS $before -> $after KiB: $per KiB/connection"
  else
    record idle_kib "$tool" err; log "idle $tool: failed: $out"
  fi
}

rotate() { local r=$1; shift; local a=("$@") n=$# i; for (( i = 0; i < n; i++ )); do echo "${a[$(( (i + r) % n ))]}"; done; }
for tool in "${TOOLS[@]}"; do   # warm-up, not recorded (leaf caches, pools, first-touch memory)
  [ -n "${OK[$tool]:-}" ] && timeout 30 "$T/connect_load" $(load_args "$tool") --sni "$HOST" --path /1k --threads 8 --seconds 1 >/dev/null 2>&1
done
for (( r = 0; r < ROUNDS; r++ )); do
  log "round $(( r + 1 ))/$ROUNDS"
  for tool in $(rotate $r "${TOOLS[@]}"); do
    if [ -z "${OK[$tool]:-}" ]; then record ka_rps "$tool" err; record new_cps "$tool" err; continue; fi
    rate_row ka_rps "$tool" --keepalive
    rate_row new_cps "$tool"
    [ "$tool" = tlsgate ] && : > "$T/audit.jsonl"
  done
done
if [ "$IDLE" -gt 0 ]; then
  for tool in $RSS_TOOLS; do
    if [ -n "${OK[$tool]:-}" ]; then idle_row "$tool"; else record idle_kib "$tool" err; fi
  done
fi

# ---------------------------------------------------------------- report
mkdir -p "$HERE/out"
{
  echo "# tlsgate interception benchmark"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); host: $(uname -srm); nproc: $(nproc)"
  echo "- load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- rounds: $ROUNDS, ${DUR}s per run, $THREADS client threads (connect_load), idle connections: $IDLE"
  echo "- tlsgate: ${TG_BIN:-not run}; nginx: $(nginx -v 2>&1 | cut -d' ' -f3); squid: $(squid -v 2>/dev/null | head -n1 | cut -d' ' -f4); mitmdump: $("$HERE/out/mitmproxy-venv/bin/mitmdump" --version 2>/dev/null | head -n1 | cut -d' ' -f2)"
  echo
  python3 - "$RES" <<'PY'
import statistics, sys
rows = [("ka_rps", "A. intercepted keep-alive 1 KiB", "req/s", True),
        ("new_cps", "B. new intercepted connections (full handshake + 1 KiB GET)", "conn/s", True),
        ("idle_kib", "C. RSS per idle intercepted keep-alive connection", "KiB", False)]
tools = ["tlsgate", "nginx", "squid", "mitmdump", "direct"]
heads = {"tlsgate": "tlsgate", "nginx": "nginx (terminate + proxy_pass https)", "squid": "squid ssl-bump",
         "mitmdump": "mitmdump", "direct": "no proxy (ref.)"}
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
for m, label, unit, up in rows:
    mine, _ = cell(m, "tlsgate")
    cells = []
    for t in tools:
        v, text = cell(m, t)
        if t != "tlsgate" and v and mine:
            text += f" ({mine / v:.2f}×)"
        cells.append(text)
    print(f"| {label} | {unit} {'↑' if up else '↓'} | " + " | ".join(cells) + " |")
print()
print("Peer cells: value (tlsgate/peer). Targets: A and B ≥ 1.0× nginx, ≥ 3× squid ssl-bump, ≥ 20× mitmdump; "
      "C ≤ 40 KiB per idle connection (5,000 of them).")
PY
  echo
  echo "_elapsed: $(( $(date +%s) - T0 )) s_"
} > "$HERE/out/intercept.md"
cp "$RES" "$HERE/out/intercept.tsv"
cat "$HERE/out/intercept.md"
