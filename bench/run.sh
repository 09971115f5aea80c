#!/usr/bin/env bash
# tlsgate benchmark: tlsgate vs peer proxies (stunnel4, haproxy, nginx, squid, tinyproxy, socat),
# side by side in one run, all on 127.0.0.1. See bench/README.md.
#
# Environment:
#   BENCH_QUICK=1        smoke run (1 round, short durations; ~90 s)
#   BENCH_ONLY=peers     skip tlsgate (peers only); BENCH_ONLY=tlsgate: tlsgate + references only
#   BENCH_INTERCEPT=0    skip the interception rows (bench/intercept.sh, run after the table above)
#   BENCH_ROUNDS=N       rounds (tools alternate order per round; medians reported)
#   BENCH_DURATION=S     seconds per wrk / tunnel-rate run
#   BENCH_BULK_REPEAT=N  100 MiB transfers per tool and round in rows 4-5, median taken (default 3)
#   TLSGATE_BIN=path     tlsgate binary (default <repo>/.build/release/tlsgate, built if missing)
#   BENCH_KEEP=1         keep the temp dir (configs, logs) for inspection
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
QUICK=${BENCH_QUICK:-0}
ONLY=${BENCH_ONLY:-all}
if [ "$QUICK" = 1 ]; then
  ROUNDS=${BENCH_ROUNDS:-1}; DUR=${BENCH_DURATION:-2}; TUN_DUR=${BENCH_DURATION:-2}; LOOP_MIB=512
else
  ROUNDS=${BENCH_ROUNDS:-3}; DUR=${BENCH_DURATION:-3}; TUN_DUR=${BENCH_DURATION:-3}; LOOP_MIB=2048
fi
WRK_T=2; WRK_C=50; TUN_THREADS=16
BULK_REPEAT=${BENCH_BULK_REPEAT:-3}
case $BULK_REPEAT in ''|*[!0-9]*|0) echo "BENCH_BULK_REPEAT must be a number >= 1" >&2; exit 2;; esac
BULK_BYTES=104857600
HOST=origin.bench.test
T0=$(date +%s)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

log() { printf '[bench %3ds] %s\n' "$(( $(date +%s) - T0 ))" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

# ---------------------------------------------------------------- dependencies
ensure_deps() {
  local missing=() pair cmd pkg
  for pair in nginx:nginx-light stunnel4:stunnel4 haproxy:haproxy squid:squid tinyproxy:tinyproxy \
              wrk:wrk socat:socat openssl:openssl curl:curl python3:python3 gcc:gcc; do
    cmd=${pair%%:*}; pkg=${pair#*:}
    command -v "$cmd" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin" command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ -e /usr/include/openssl/ssl.h ] || missing+=(libssl-dev)
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "missing packages (${missing[*]}) and not root"
  log "installing: ${missing[*]}"
  # Do not let package scripts start the daemons as system services.
  local own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; own_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  local rc=$?
  [ $own_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
  [ $rc = 0 ] || die "apt-get install failed"
}
export PATH="$PATH:/usr/sbin:/sbin"
ensure_deps
ulimit -n "$(ulimit -Hn)" 2>/dev/null   # proxies under wrk -c50 need more than 1024 descriptors

# ---------------------------------------------------------------- temp dir and process cleanup
. "$HERE/lib.sh"
bench_tempdir bench BENCH_KEEP

# ---------------------------------------------------------------- ports
read -r P_NGX P_TG P_ST P_HA P_NP P_SQ P_TP P_SO < <(free_ports 8) || die "no free ports"

start() { # name port cmd... ; runs cmd in the background, logs to $T/<name>.out
  local name=$1 port=$2; shift 2
  "$@" >"$T/$name.out" 2>&1 &
  PIDS+=($!)
  if wait_port "$port" 15; then return 0; fi
  log "$name did not listen on $port: $(tail -n 5 "$T/$name.out" | tr '\n' ' ')"
  return 1
}

# ---------------------------------------------------------------- CA, certificate, files
log "temp dir $T; ports origin=$P_NGX tlsgate=$P_TG stunnel=$P_ST haproxy=$P_HA nginx=$P_NP squid=$P_SQ tinyproxy=$P_TP socat=$P_SO"
mkdir -p "$T/www"
make_pki bench "DNS:$HOST, IP:127.0.0.1"
CA=$T/pki/ca.pem
head -c 1024 /dev/urandom > "$T/www/1k"
echo ok > "$T/www/probe"
head -c 65536 /dev/urandom > "$T/www/64k"
head -c $BULK_BYTES /dev/urandom > "$T/www/100m"
chmod 755 "$T/www"; chmod 644 "$T/www/"*

# ---------------------------------------------------------------- origin: nginx TLS
mkdir -p "$T/origin"
cat > "$T/origin/nginx.conf" <<EOF
worker_processes auto;
user nobody nogroup;
pid $T/origin/nginx.pid;
error_log $T/origin/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_requests 1000000; keepalive_timeout 300s;
  default_type application/octet-stream;
  client_max_body_size 0;
  client_body_temp_path $T/origin/body; proxy_temp_path $T/origin/proxy;
  # Only /probe requests are logged: which TLS version and cipher each tool's upstream uses.
  map \$uri \$tls_probe { /probe 1; default 0; }
  log_format tlsprobe '\$http_x_probe \$ssl_protocol \$ssl_cipher';
  server {
    access_log $T/origin/tls-probe.log tlsprobe if=\$tls_probe;
    listen 127.0.0.1:$P_NGX ssl;
    server_name $HOST;
    ssl_certificate $T/pki/origin.pem;
    ssl_certificate_key $T/pki/origin.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    root $T/www;
    location = /upload { return 200 "ok\n"; }
  }
}
EOF
start origin "$P_NGX" nginx -e "$T/origin/error.log" -p "$T/origin" -c "$T/origin/nginx.conf" -g 'daemon off;' \
  || die "origin nginx failed"

# ---------------------------------------------------------------- peers
declare -A UP   # tool -> 1 if started
start_peers() {
  # stunnel4: client mode, plain in, verified TLS out.
  cat > "$T/stunnel.conf" <<EOF
foreground = yes
pid = $T/stunnel.pid
output = $T/stunnel.log
debug = warning
socket = l:TCP_NODELAY=1
socket = r:TCP_NODELAY=1
[origin]
client = yes
accept = 127.0.0.1:$P_ST
connect = 127.0.0.1:$P_NGX
sni = $HOST
verifyChain = yes
CAfile = $CA
checkHost = $HOST
EOF
  start stunnel "$P_ST" stunnel4 "$T/stunnel.conf" && UP[stunnel]=1

  # haproxy: HTTP mode, verified TLS to the server, connection reuse.
  cat > "$T/haproxy.cfg" <<EOF
global
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  option http-keep-alive
  http-reuse always
frontend fe
  bind 127.0.0.1:$P_HA
  default_backend be
backend be
  server origin 127.0.0.1:$P_NGX ssl verify required ca-file $CA verifyhost $HOST sni str($HOST) alpn http/1.1
EOF
  start haproxy "$P_HA" haproxy -f "$T/haproxy.cfg" -db && UP[haproxy]=1

  # nginx reverse proxy: proxy_pass https:// with an upstream keepalive pool.
  mkdir -p "$T/nginxp"
  cat > "$T/nginxp/nginx.conf" <<EOF
worker_processes auto;
user nobody nogroup;
pid $T/nginxp/nginx.pid;
error_log $T/nginxp/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  tcp_nodelay on;
  keepalive_requests 1000000; keepalive_timeout 300s;
  client_max_body_size 0;
  client_body_temp_path $T/nginxp/body; proxy_temp_path $T/nginxp/proxy;
  upstream origin { server 127.0.0.1:$P_NGX; keepalive 128; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:$P_NP;
    location / {
      proxy_pass https://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $HOST;
      proxy_ssl_server_name on;
      proxy_ssl_name $HOST;
      proxy_ssl_verify on;
      proxy_ssl_trusted_certificate $CA;
      proxy_ssl_session_reuse on;
      # nginx 1.22 offers at most TLS 1.2 upstream unless told (1.23.4+ offers 1.3 by default);
      # every other tool negotiates TLS 1.3 with the origin, so nginx does the same work.
      proxy_ssl_protocols TLSv1.2 TLSv1.3;
      proxy_buffers 16 64k; proxy_buffer_size 64k; proxy_max_temp_file_size 0;
    }
  }
}
EOF
  start nginx "$P_NP" nginx -e "$T/nginxp/error.log" -p "$T/nginxp" -c "$T/nginxp/nginx.conf" -g 'daemon off;' && UP[nginx]=1

  # squid: forward proxy; absolute-form http:// requests go to a TLS "originserver" parent
  # (= re-origination over verified TLS); CONNECT goes direct.
  mkdir -p "$T/squid"; chown proxy:proxy "$T/squid" 2>/dev/null
  # Debian's squid is built with GnuTLS; with it, reads from a TLS 1.3 peer fail (ERR_READ_ERROR
  # right after the handshake), so its upstream is limited to TLS 1.2 (see README).
  local sq_tls_opts=""
  if squid -v 2>&1 | grep -q -- '--with-gnutls'; then sq_tls_opts="tls-options=NORMAL:-VERS-TLS1.3"; fi
  cat > "$T/squid/squid.conf" <<EOF
http_port 127.0.0.1:$P_SQ
visible_hostname bench.local
acl src_local src 127.0.0.1/32
acl CONNECT method CONNECT
acl tunnel_ports port $P_NGX 443
http_access deny CONNECT !tunnel_ports
http_access allow src_local
http_access deny all
cache_peer 127.0.0.1 parent $P_NGX 0 no-query no-digest no-netdb-exchange originserver name=origin tls tls-cafile=$CA tls-domain=$HOST $sq_tls_opts
cache_peer_access origin allow !CONNECT
cache_peer_access origin deny all
always_direct allow CONNECT
never_direct allow all
cache deny all
cache_mem 0 MB
# squid's memory pools are garbage-collected by a timer some 5-15 s after a load: a second of
# MemPoolMalloc::clean (malloc_consolidate) at ~0.5 core, which landed in whichever tool ran next
# (perf: in tlsgate's third-round rows in every run). Off, freed memory goes straight to malloc.
memory_pools off
# origin.bench.test is not in DNS: without this, squid's lookups for it wait for the resolver and
# a burst of timed-out queries is torn down ~10 s after its first requests (in tlsgate's first-round rows).
hosts_file $T/squid/hosts
access_log none
cache_store_log none
cache_log $T/squid/cache.log
pid_filename $T/squid/squid.pid
coredump_dir $T/squid
logfile_rotate 0
shutdown_lifetime 0 seconds
via off
forwarded_for delete
max_filedescriptors 16384
pinger_enable off
EOF
  echo "127.0.0.1 $HOST" > "$T/squid/hosts"
  start squid "$P_SQ" squid -N -f "$T/squid/squid.conf" && UP[squid]=1

  # tinyproxy: CONNECT only in this bench (it cannot originate TLS).
  mkdir -p "$T/tinyproxy"; chown nobody:nogroup "$T/tinyproxy"
  cat > "$T/tinyproxy/tinyproxy.conf" <<EOF
User nobody
Group nogroup
Port $P_TP
Listen 127.0.0.1
Timeout 60
MaxClients 1024
Allow 127.0.0.1
ConnectPort $P_NGX
ConnectPort 443
DisableViaHeader Yes
LogLevel Critical
LogFile "$T/tinyproxy/tinyproxy.log"
PidFile "$T/tinyproxy/tinyproxy.pid"
EOF
  start tinyproxy "$P_TP" tinyproxy -d -c "$T/tinyproxy/tinyproxy.conf" && UP[tinyproxy]=1

  # socat: raw TCP relay to the origin (the tunnel ceiling-ish peer).
  start socat "$P_SO" socat "TCP-LISTEN:$P_SO,bind=127.0.0.1,reuseaddr,fork,backlog=1024" "TCP:127.0.0.1:$P_NGX" && UP[socat]=1
}

start_tlsgate() {
  local bin=${TLSGATE_BIN:-$REPO/.build/release/tlsgate}
  if [ ! -x "$bin" ] && [ -z "${TLSGATE_BIN:-}" ]; then
    log "building tlsgate (swift build -c release --product tlsgate)"
    (cd "$REPO" && swift build -c release --product tlsgate) >"$T/build.log" 2>&1 \
      || { log "tlsgate build failed: $(tail -n 3 "$T/build.log" | tr '\n' ' ')"; return 1; }
  fi
  [ -x "$bin" ] || { log "tlsgate binary missing: $bin"; return 1; }
  TG_BIN=$bin
  cat > "$T/tlsgate.yaml" <<EOF
listen: 127.0.0.1:$P_TG
log_level: warning
tls: { min_version: "1.2", ca_bundle: "$CA" }
upstream: { resolve: { $HOST: "127.0.0.1:$P_NGX" } }
policy: { allow_hosts: ["$HOST"], connect_ports: [$P_NGX, 443] }
audit: { path: "$T/audit.jsonl" }
EOF
  start tlsgate "$P_TG" "$bin" run --config "$T/tlsgate.yaml"
}

UP[direct]=1
if [ "$ONLY" != tlsgate ]; then start_peers; fi
TG_BIN=
if [ "$ONLY" != peers ]; then start_tlsgate && UP[tlsgate]=1; fi

# ---------------------------------------------------------------- how each tool is reached
# Forward rows (plain HTTP in, TLS to the origin out):
#   tlsgate, squid:               absolute-form request to the proxy
#   stunnel, haproxy, nginx:      origin-form request (reverse-proxy-like peers)
#   direct:                       wrk/curl speaking TLS straight to the origin (reference)
FWD_TOOLS=(tlsgate stunnel haproxy nginx squid direct)
TUN_TOOLS=(tlsgate squid tinyproxy socat direct)
RATE_TOOLS=(tlsgate squid tinyproxy direct)
declare -A FWD_PORT=([tlsgate]=$P_TG [stunnel]=$P_ST [haproxy]=$P_HA [nginx]=$P_NP [squid]=$P_SQ)
declare -A ABSFORM=([tlsgate]=1 [squid]=1)
declare -A TUN_PORT=([tlsgate]=$P_TG [squid]=$P_SQ [tinyproxy]=$P_TP [socat]=$P_SO)

# curl for one forward-row GET through $tool: prints "code size speed"
fwd_curl() { # tool path [extra curl args]
  local tool=$1 path=$2; shift 2
  case $tool in
    direct) curl -sS --max-time 60 --cacert "$CA" --connect-to "$HOST:443:127.0.0.1:$P_NGX" \
              -o /dev/null -w '%{http_code} %{size_download} %{speed_download}' "$@" "https://$HOST$path" ;;
    tlsgate|squid) curl -sS --max-time 60 -x "http://127.0.0.1:${FWD_PORT[$tool]}" \
              -o /dev/null -w '%{http_code} %{size_download} %{speed_download}' "$@" "http://$HOST$path" ;;
    *) curl -sS --max-time 60 -H "Host: $HOST" \
              -o /dev/null -w '%{http_code} %{size_download} %{speed_download}' "$@" "http://127.0.0.1:${FWD_PORT[$tool]}$path" ;;
  esac
}
# curl for one GET over TLS through a CONNECT tunnel (or socat relay / direct)
tun_curl() { # tool path
  local tool=$1 path=$2
  local args=(-sS --max-time 60 --cacert "$CA" -o /dev/null -w '%{http_code} %{size_download} %{speed_download}')
  case $tool in
    tlsgate) args+=(-x "http://127.0.0.1:$P_TG") ;;  # CONNECT origin.bench.test:443, tlsgate resolves it
    squid|tinyproxy) args+=(-x "http://127.0.0.1:${TUN_PORT[$tool]}" --connect-to "$HOST:443:127.0.0.1:$P_NGX") ;;
    socat) args+=(--connect-to "$HOST:443:127.0.0.1:$P_SO") ;;
    direct) args+=(--connect-to "$HOST:443:127.0.0.1:$P_NGX") ;;
  esac
  curl "${args[@]}" "https://$HOST$path"
}

RES=$T/results.tsv; : > "$RES"
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$RES"; }

# ---------------------------------------------------------------- verify every path once
declare -A FWD_OK TUN_OK
check() { # label expected-size output
  local code size; read -r code size _ <<<"$3"
  if [ "$code" = 200 ] && [ "$size" = "$2" ]; then return 0; fi
  log "check failed: $1 -> '$3'"; return 1
}
for tool in "${FWD_TOOLS[@]}"; do
  [ -n "${UP[$tool]:-}" ] || continue
  if check "$tool forward /1k" 1024 "$(fwd_curl "$tool" /1k 2>&1)" &&
     check "$tool forward /64k" 65536 "$(fwd_curl "$tool" /64k 2>&1)" &&
     check "$tool forward /1k close" 1024 "$(fwd_curl "$tool" /1k -H 'Connection: close' 2>&1)"; then
    FWD_OK[$tool]=1
  fi
done
for tool in "${TUN_TOOLS[@]}"; do
  [ -n "${UP[$tool]:-}" ] || continue
  check "$tool tunnel /1k" 1024 "$(tun_curl "$tool" /1k 2>&1)" && TUN_OK[$tool]=1
done
log "forward OK: ${!FWD_OK[*]}; tunnel OK: ${!TUN_OK[*]}"
# Fair CPU shares: with autogroup scheduling (kernel.sched_autogroup_enabled=1) every session gets
# its own CPU share, so a tool that daemonized into a session of its own would get as much CPU as
# all the others together. Every tool here runs in the foreground, in this script's session.
MY_SID=$(ps -o sid= -p $$ | tr -d ' ')
OTHER_SID=""
for pid in "${PIDS[@]}"; do
  sid=$(ps -o sid= -p "$pid" 2>/dev/null | tr -d ' ')
  [ -n "$sid" ] && [ "$sid" != "$MY_SID" ] && OTHER_SID="$OTHER_SID $pid"
done
if [ -n "$OTHER_SID" ]; then SESSIONS="NOT one session (pids$OTHER_SID differ): CPU shares are unequal"
else SESSIONS="all tools in the bench's session (one scheduling group)"; fi
log "sessions: $SESSIONS"
# The TLS each forward tool's upstream connection negotiated, as the origin saw it.
for tool in "${!FWD_OK[@]}"; do fwd_curl "$tool" /probe -H "X-Probe: $tool" >/dev/null 2>&1; done
UPSTREAM_TLS=$(sort -u "$T/origin/tls-probe.log" 2>/dev/null | awk '{printf "%s%s %s %s", sep, $1, $2, $3; sep="; "}')
log "upstream TLS: ${UPSTREAM_TLS:-unknown}"

# ---------------------------------------------------------------- load generators
gcc -O2 -o "$T/connect_load" "$HERE/connect_load.c" -lssl -lcrypto -lpthread 2>"$T/gcc.log" \
  || log "connect_load build failed: $(head -n 3 "$T/gcc.log")"

mklua() { # file path close(0/1)
  {
    echo "wrk.method = \"GET\""
    echo "wrk.path = \"$2\""
    echo "wrk.headers[\"Host\"] = \"$HOST\""
    [ "$3" = 1 ] && echo "wrk.headers[\"Connection\"] = \"close\""
    cat <<'EOF'
done = function(summary, latency, requests)
  local e = summary.errors
  local errs = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format("BENCH requests=%d errors=%d rps=%.1f p50=%.3f p99=%.3f\n",
    summary.requests, errs, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
EOF
  } > "$1"
}
for p in 1k 64k; do
  mklua "$T/abs_${p}_0.lua" "http://$HOST/$p" 0; mklua "$T/abs_${p}_1.lua" "http://$HOST/$p" 1
  mklua "$T/org_${p}_0.lua" "/$p" 0;             mklua "$T/org_${p}_1.lua" "/$p" 1
done

# One wrk run: records <prefix>_rps and the latency metrics.
wrk_row() { # prefix tool size close
  local prefix=$1 tool=$2 size=$3 close=$4 url lua out line
  case $tool in
    direct) url="https://127.0.0.1:$P_NGX/"; lua=$T/org_${size}_$close.lua ;;
    *) url="http://127.0.0.1:${FWD_PORT[$tool]}/"
       if [ -n "${ABSFORM[$tool]:-}" ]; then lua=$T/abs_${size}_$close.lua; else lua=$T/org_${size}_$close.lua; fi ;;
  esac
  out=$(timeout $(( DUR + 20 )) wrk -t$WRK_T -c$WRK_C -d"${DUR}s" -s "$lua" "$url" 2>&1)
  line=$(grep '^BENCH ' <<<"$out")
  local req err rps p50 p99
  req=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<<"$line")
  err=$(sed -n 's/.*errors=\([0-9]*\).*/\1/p' <<<"$line")
  if [ -z "$line" ] || [ "${req:-0}" = 0 ] || [ $(( err * 100 )) -gt "$req" ]; then
    log "wrk $prefix $tool: failed (requests=${req:-?} errors=${err:-?}) $(tail -n 2 <<<"$out" | tr '\n' ' ')"
    record "${prefix}_rps" "$tool" err; record "${prefix}_p50" "$tool" err; record "${prefix}_p99" "$tool" err
    return
  fi
  rps=$(sed -n 's/.*rps=\([0-9.]*\).*/\1/p' <<<"$line")
  p50=$(sed -n 's/.*p50=\([0-9.]*\).*/\1/p' <<<"$line")
  p99=$(sed -n 's/.*p99=\([0-9.]*\).*/\1/p' <<<"$line")
  record "${prefix}_rps" "$tool" "$rps"; record "${prefix}_p50" "$tool" "$p50"; record "${prefix}_p99" "$tool" "$p99"
  log "wrk $prefix $tool: $rps req/s p50 ${p50}ms p99 ${p99}ms (errors $err)"
}

mibs() { python3 -c "import sys; print(f'{float(sys.argv[1]) / 1048576:.1f}')" "$1"; }

# One 100 MiB transfer takes ~0.1 s on loopback and moves ±20 % with the machine: each round takes
# the median of BULK_REPEAT transfers per tool.
bulk_row() { # metric tool fn
  local metric=$1 tool=$2 fn=$3 out code size speed i speeds=()
  for (( i = 0; i < BULK_REPEAT; i++ )); do
    out=$($fn "$tool" /100m 2>&1); read -r code size speed <<<"$out"
    if [ "$code" != 200 ] || [ "$size" != $BULK_BYTES ]; then
      record "$metric" "$tool" err; log "$metric $tool: failed: $out"; return
    fi
    speeds+=("$(mibs "$speed")")
  done
  speed=$(printf '%s\n' "${speeds[@]}" | sort -n | awk '{v[NR]=$1} END{print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}')
  record "$metric" "$tool" "$speed"; log "$metric $tool: $speed MiB/s (median of ${speeds[*]})"
}

rate_row() { # tool
  local tool=$1 out args
  case $tool in
    tlsgate) args=(--connect "127.0.0.1:$P_TG" --target "$HOST:443") ;;
    squid|tinyproxy) args=(--connect "127.0.0.1:${TUN_PORT[$tool]}" --target "127.0.0.1:$P_NGX") ;;
    direct) args=(--connect "127.0.0.1:$P_NGX" --direct) ;;
  esac
  out=$(timeout $(( TUN_DUR + 20 )) "$T/connect_load" "${args[@]}" --sni "$HOST" --ca "$CA" --path /1k \
        --threads $TUN_THREADS --seconds "$TUN_DUR" 2>&1)
  local ok err rate
  ok=$(sed -n 's/.*tunnels=\([0-9]*\).*/\1/p' <<<"$out"); err=$(sed -n 's/.*errors=\([0-9]*\).*/\1/p' <<<"$out")
  rate=$(sed -n 's/.*rate=\([0-9.]*\).*/\1/p' <<<"$out")
  if [ -n "$rate" ] && [ "${ok:-0}" -gt 0 ] && [ $(( err * 100 )) -le "$ok" ]; then
    record tunrate "$tool" "$rate"; log "tunrate $tool: $rate/s (errors $err)"
  else
    record tunrate "$tool" err; log "tunrate $tool: failed: $out"
  fi
}

loopback_row() {
  local v
  v=$(timeout 120 python3 "$HERE/loopback.py" "$LOOP_MIB" 2>&1)
  if [[ $v =~ ^[0-9.]+$ ]]; then record loopback_mibs direct "$v"; log "loopback: $v MiB/s"
  else record loopback_mibs direct err; log "loopback: failed: $v"; fi
}

rotate() { # round items... -> items rotated by round
  local r=$1; shift; local a=("$@") n=$#
  local i; for (( i = 0; i < n; i++ )); do echo "${a[$(( (i + r) % n ))]}"; done
}

# Peers that cannot do a row, recorded once as n/a.
[ "$ONLY" != tlsgate ] && { record ka1k_rps tinyproxy n/a; record close1k_rps tinyproxy n/a; record ka64k_rps tinyproxy n/a; record bulk_mibs tinyproxy n/a; }
for m in ka1k_rps close1k_rps ka64k_rps bulk_mibs tunbulk_mibs tunrate; do
  if [ "$ONLY" = peers ]; then record "$m" tlsgate skip; fi
done

# ---------------------------------------------------------------- rounds
runs_tool() { # tool -> 0 if it is measured in this run at all
  case $ONLY in
    peers) [ "$1" != tlsgate ] ;;
    tlsgate) [ "$1" = tlsgate ] || [ "$1" = direct ] ;;
    *) return 0 ;;
  esac
}
# Warm-up, not recorded: one short keep-alive run per forward tool, so that no tool's first
# measured round pays for its cold start (empty upstream pools, first-touch memory) and the
# tool measured first in round 1 is not singled out.
for tool in "${FWD_TOOLS[@]}"; do
  runs_tool "$tool" && [ -n "${FWD_OK[$tool]:-}" ] || continue
  case $tool in
    direct) url="https://127.0.0.1:$P_NGX/"; lua=$T/org_1k_0.lua ;;
    *) url="http://127.0.0.1:${FWD_PORT[$tool]}/"
       if [ -n "${ABSFORM[$tool]:-}" ]; then lua=$T/abs_1k_0.lua; else lua=$T/org_1k_0.lua; fi ;;
  esac
  timeout 20 wrk -t$WRK_T -c$WRK_C -d2s -s "$lua" "$url" >/dev/null 2>&1
done
[ -n "${FWD_OK[tlsgate]:-}" ] && : > "$T/audit.jsonl"
log "warm-up done"
for (( r = 0; r < ROUNDS; r++ )); do
  log "round $(( r + 1 ))/$ROUNDS"
  for tool in $(rotate $r "${FWD_TOOLS[@]}"); do
    runs_tool "$tool" || continue
    if [ -z "${FWD_OK[$tool]:-}" ]; then
      for m in ka1k close1k ka64k; do record "${m}_rps" "$tool" err; done; record bulk_mibs "$tool" err; continue
    fi
    wrk_row ka1k "$tool" 1k 0
    wrk_row close1k "$tool" 1k 1
    wrk_row ka64k "$tool" 64k 0
    bulk_row bulk_mibs "$tool" fwd_curl
    [ "$tool" = tlsgate ] && : > "$T/audit.jsonl"
  done
  for tool in $(rotate $r "${TUN_TOOLS[@]}"); do
    runs_tool "$tool" || continue
    if [ -n "${TUN_OK[$tool]:-}" ]; then bulk_row tunbulk_mibs "$tool" tun_curl; else record tunbulk_mibs "$tool" err; fi
  done
  for tool in $(rotate $r "${RATE_TOOLS[@]}"); do
    runs_tool "$tool" || continue
    if [ -n "${TUN_OK[$tool]:-}" ] && [ -x "$T/connect_load" ]; then rate_row "$tool"; else record tunrate "$tool" err; fi
    [ "$tool" = tlsgate ] && : > "$T/audit.jsonl"
  done
  loopback_row
done

# ---------------------------------------------------------------- report
ver() { "$@" 2>&1 | grep -m1 -iE 'version|[0-9]+\.[0-9]+' | tr -s ' ' | cut -c1-90; }
if [ "$ONLY" = peers ]; then TG_VER="not run (BENCH_ONLY=peers)"
elif [ -z "${UP[tlsgate]:-}" ]; then TG_VER="FAILED to build/start (see the log above; cells show err)"
else TG_VER="not run"; fi
if [ -n "$TG_BIN" ] && [ -n "${UP[tlsgate]:-}" ]; then
  TG_VER=$("$TG_BIN" --version 2>/dev/null | head -n1)
  [ -n "$TG_VER" ] || TG_VER="$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null) (git)"
fi
mkdir -p "$HERE/out"
{
  echo "# tlsgate benchmark"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); host: $(uname -srm)"
  echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'); nproc: $(nproc)"
  echo "- load average (1/5/15 min) before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg) (anything else running skews every cell)"
  echo "- mode: $([ "$QUICK" = 1 ] && echo quick || echo full), rounds: $ROUNDS, wrk -t$WRK_T -c$WRK_C -d${DUR}s, tunnel-rate $TUN_THREADS threads × ${TUN_DUR}s, bulk 100 MiB, loopback ${LOOP_MIB} MiB"
  echo "- tlsgate: $TG_VER${TG_BIN:+ ($TG_BIN)}"
  echo "- upstream TLS as the origin saw it (forward rows): ${UPSTREAM_TLS:-unknown}"
  echo "- processes: ${SESSIONS:-unknown}"
  echo "- nginx: $(ver nginx -v); stunnel: $(stunnel4 -version 2>&1 | grep -m1 -o 'stunnel [0-9.]*')"
  echo "- haproxy: $(haproxy -v | head -n1 | cut -d' ' -f1-3); squid: $(squid -v | head -n1)"
  echo "- tinyproxy: $(tinyproxy -v 2>&1 | head -n1); wrk: $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2)"
  echo "- socat: $(socat -V 2>/dev/null | grep -m1 'socat version' | cut -d' ' -f1-3); openssl: $(openssl version); curl: $(curl --version | head -n1 | cut -d' ' -f1-2); $(python3 --version)"
  echo
  python3 "$HERE/report.py" "$RES"
  echo
  echo "_elapsed: $(( $(date +%s) - T0 )) s_"
} > "$HERE/out/last.md"
cp "$RES" "$HERE/out/last.tsv"
cat "$HERE/out/last.md"

# The interception rows (issue 14: tlsgate intercepting vs nginx, squid ssl-bump, mitmdump) in the
# same run, after the table above (their own script: other peers, other load generator).
if [ "${BENCH_INTERCEPT:-1}" != 0 ] && [ "$ONLY" != peers ]; then
  echo
  env BENCH_ROUNDS="$ROUNDS" BENCH_DURATION="$DUR" ${TG_BIN:+TLSGATE_BIN="$TG_BIN"} bash "$HERE/intercept.sh" \
    && { echo; cat "$HERE/out/intercept.md"; } >> "$HERE/out/last.md"
fi
