#!/usr/bin/env bash
# tlsgate soak test: holds SOAK_TUNNELS (10,000) concurrent CONNECT tunnels through tlsgate plus a
# mixed load for a bounded time, then SOAK_KEEPALIVE (10,000) idle forward-mode keep-alive client
# connections; reports RSS, descriptors, upstream connections, errors and p99 latency, memory per idle
# tunnel and per idle keep-alive client, and checks that descriptors and RSS return near the
# baseline afterwards.
# All on 127.0.0.1; every process started here is killed by PID. See bench/README.md ("Soak").
#
# Environment:
#   SOAK_TUNNELS=N       held tunnels (default 10000, lowered to fit `ulimit -Hn` if needed; quick: 1000)
#   SOAK_KEEPALIVE=N     held idle forward-mode keep-alive clients after the tunnel cycles (default:
#                        10000, lowered like tunnels to fit `ulimit -Hn`; quick: 1000; 0 = skip the phase)
#   SOAK_QUICK=1         smoke run: 1000 tunnels and keep-alive clients, short phases (~2 min)
#   SOAK_RATE=R          new held tunnels per second during the ramp (default 500)
#   SOAK_MIX_SECONDS=S   mixed-load phase (default 20; quick: 5)
#   SOAK_CYCLES=N        hold/release cycles (default 1); >1 separates a leak from allocator retention
#   SOAK_KA_CYCLES=N     keep-alive ramp/hold/release cycles (default 1), same purpose
#   SOAK_HOSTS=K         spread tunnels over K host names o0..o<K-1>.origin.bench.test (default 1)
#   SOAK_RSS_SLACK_MIB=M RSS allowed above the post-warm-up baseline after the load (default 20)
#   TLSGATE_BIN=path     binary under test (default <repo>/.build/release/tlsgate, built if missing)
#   SOAK_KEEP=1          keep the temp dir (configs, logs, audit)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
QUICK=${SOAK_QUICK:-0}
TUNNELS_SET=${SOAK_TUNNELS:+1}
KA_SET=${SOAK_KEEPALIVE:+1}
if [ "$QUICK" = 1 ]; then
  TUNNELS=${SOAK_TUNNELS:-1000}; KA=${SOAK_KEEPALIVE:-1000}; MIX=${SOAK_MIX_SECONDS:-5}; SETTLE=3; WARM_TUNNELS=100
else
  TUNNELS=${SOAK_TUNNELS:-10000}; KA=${SOAK_KEEPALIVE:-10000}; MIX=${SOAK_MIX_SECONDS:-20}; SETTLE=8; WARM_TUNNELS=300
fi
# Idle keep-alive clients park their upstream connection in the loop's pool after 1 s of idleness;
# they are measured after at least this long idle (the pool then bounds the upstream connections).
KA_SETTLE=$(( SETTLE > 5 ? SETTLE : 5 ))
POOL_MAX_PER_LOOP=128   # UpstreamPool.maxIdlePerKey (per host, per loop)
POOL_IDLE_S=30          # UpstreamPool.idleTimeout
LOOPS=${TLSGATE_LOOPS:-$(nproc)}   # tlsgate runs one event loop per core
# The warm-up's wrk fills the loops' I/O buffer pools (BufferPool: ≤ 16 blocks of each of two 64 KiB
# sizes per loop, kept for reuse, up to 4 MiB at 2 loops), so that blocks they keep later do not
# count as a load's cost or as a leak.
WARM_WRK_C=$(( 256 * LOOPS > 1024 ? 1024 : 256 * LOOPS ))
RATE=${SOAK_RATE:-500}
CYCLES=${SOAK_CYCLES:-1}
KA_CYCLES=${SOAK_KA_CYCLES:-1}
HOSTS=${SOAK_HOSTS:-1}
RSS_SLACK_MIB=${SOAK_RSS_SLACK_MIB:-20}
HEAP_SLACK_MIB=2        # live heap allowed above the baseline after the load (leak check)
CHURN_RATE=100          # new short tunnels per second during the mixed phase
WRK_C=32                # wrk connections (forward mode) during the mixed phase
SOURCES=32              # client source addresses 127.0.0.2..127.0.0.33
INFLIGHT=256            # tunnels in setup at once (ramp)
OP_TIMEOUT=10           # seconds per client step
PIPE_POOL_FDS=512       # tlsgate keeps up to 256 idle splice pipes (SplicePipePool.maxIdle) = 512 fds
HOST=origin.bench.test
T0=$(date +%s)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

log() { printf '[soak %3ds] %s\n' "$(( $(date +%s) - T0 ))" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }
case $TUNNELS$KA$KA_CYCLES$RATE$MIX$CYCLES$RSS_SLACK_MIB$HOSTS$LOOPS in *[!0-9]*) die "SOAK_* values must be integers";; esac
[ "$TUNNELS" -ge 1 ] && [ "$TUNNELS" -le 100000 ] || die "SOAK_TUNNELS must be 1..100000"
[ "$KA" -ge 0 ] && [ "$KA" -le 100000 ] || die "SOAK_KEEPALIVE must be 0..100000"
[ "$KA_CYCLES" -ge 1 ] && [ "$KA_CYCLES" -le 10 ] || die "SOAK_KA_CYCLES must be 1..10"
[ "$HOSTS" -ge 1 ] && [ "$HOSTS" -le 64 ] && [ "$RATE" -ge 1 ] && [ "$MIX" -ge 1 ] && [ "$MIX" -le 600 ] && [ "$CYCLES" -ge 1 ] && [ "$CYCLES" -le 10 ] \
  || die "bad SOAK_RATE / SOAK_MIX_SECONDS / SOAK_CYCLES"

# ---------------------------------------------------------------- dependencies
ensure_deps() {
  local missing=() pair cmd pkg
  for pair in nginx:nginx-light wrk:wrk openssl:openssl curl:curl python3:python3 gcc:gcc ss:iproute2; do
    cmd=${pair%%:*}; pkg=${pair#*:}
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ -e /usr/include/openssl/ssl.h ] || missing+=(libssl-dev)
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "missing packages (${missing[*]}) and not root"
  log "installing: ${missing[*]}"
  local own_policy=0   # keep package scripts from starting nginx as a service
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
# 10,000 tunnels = 10k client + 20k tlsgate + 10k nginx sockets: every process needs a high limit.
if [ "$(id -u)" = 0 ]; then ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)"; else ulimit -n "$(ulimit -Hn)"; fi
NOFILE=$(ulimit -n)
# tlsgate holds 2 sockets per tunnel, plus the mixed load (~200) and up to 512 pooled pipe fds.
FD_NOTE=""
if [ "$NOFILE" != unlimited ] && [ "$NOFILE" -lt $(( TUNNELS * 2 + 1000 )) ]; then
  if [ -z "$TUNNELS_SET" ]; then
    FD_NOTE="default $TUNNELS tunnels lowered to fit the descriptor limit $NOFILE (hard limit; raising it needs CAP_SYS_RESOURCE)"
    TUNNELS=$(( (NOFILE - 1000) / 2 / 100 * 100 ))
    log "NOTE: $FD_NOTE: $TUNNELS"
  else
    FD_NOTE="descriptor limit $NOFILE is below the $(( TUNNELS * 2 + 1000 )) that $TUNNELS tunnels need: tlsgate will run out of descriptors"
    log "WARNING: $FD_NOTE"
  fi
fi
# An idle keep-alive client costs tlsgate one descriptor (its upstream connection is pooled), but
# tlsgate caps limits.max_connections at (descriptor limit - 256) / 2, since any client connection
# may need an upstream one: the same budget as tunnels.
if [ "$NOFILE" != unlimited ] && [ "$KA" -gt 0 ] && [ "$NOFILE" -lt $(( KA * 2 + 1000 )) ]; then
  if [ -z "$KA_SET" ]; then
    KA=$(( (NOFILE - 1000) / 2 / 100 * 100 ))
    FD_NOTE="${FD_NOTE:+$FD_NOTE; }default keep-alive clients lowered to $KA: tlsgate accepts at most (descriptor limit - 256) / 2 connections"
    log "NOTE: keep-alive clients lowered to $KA (tlsgate's connection cap under descriptor limit $NOFILE)"
  else
    FD_NOTE="${FD_NOTE:+$FD_NOTE; }descriptor limit $NOFILE: tlsgate accepts at most $(( (NOFILE - 256) / 2 )) connections, fewer than $KA keep-alive clients"
    log "WARNING: descriptor limit $NOFILE: tlsgate accepts at most $(( (NOFILE - 256) / 2 )) connections (SOAK_KEEPALIVE=$KA)"
  fi
fi
MAX_CONN=$(( 2 * TUNNELS > KA ? 2 * TUNNELS : KA )); MAX_CONN=$(( MAX_CONN + 2000 > 20000 ? MAX_CONN + 2000 : 20000 ))
PORT_RANGE=$(tr '\t' ' ' < /proc/sys/net/ipv4/ip_local_port_range)

# ---------------------------------------------------------------- temp dir and process cleanup
. "$HERE/lib.sh"
bench_tempdir soak SOAK_KEEP   # stop_pid also kills what a process started (nginx workers)

read -r P_NGX P_TG P_ADMIN < <(free_ports 3) || die "no free ports"

# ---------------------------------------------------------------- CA, certificate, content
log "temp dir $T; ports origin=$P_NGX tlsgate=$P_TG admin=$P_ADMIN; tunnels=$TUNNELS keep-alive=$KA rate=$RATE/s mix=${MIX}s cycles=$CYCLES"
mkdir -p "$T/www" "$T/origin"
make_pki soak "DNS:$HOST, DNS:*.$HOST"
CA=$T/pki/ca.pem
head -c 1024 /dev/urandom > "$T/www/1k"; chmod 755 "$T/www"; chmod 644 "$T/www/1k"

# ---------------------------------------------------------------- origin: nginx TLS
# keepalive_timeout is longer than any hold: held tunnels sit as idle keep-alive connections here.
cat > "$T/origin/nginx.conf" <<EOF
worker_processes 2;
worker_rlimit_nofile $([ "$NOFILE" = unlimited ] || [ "$NOFILE" -gt 65536 ] && echo 65536 || echo "$NOFILE");
user nobody nogroup;
pid $T/origin/nginx.pid;
error_log $T/origin/error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  sendfile on; tcp_nodelay on;
  keepalive_requests 1000000; keepalive_timeout 900s;
  default_type application/octet-stream;
  client_body_temp_path $T/origin/body; proxy_temp_path $T/origin/proxy;
  server {
    listen 127.0.0.1:$P_NGX ssl backlog=4096;
    server_name $HOST;
    ssl_certificate $T/pki/origin.pem;
    ssl_certificate_key $T/pki/origin.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    root $T/www;
  }
}
EOF
nginx -e "$T/origin/error.log" -p "$T/origin" -c "$T/origin/nginx.conf" -g 'daemon off;' >"$T/origin.out" 2>&1 &
NGX_MASTER=$!; PIDS+=("$NGX_MASTER")
wait_port "$P_NGX" 15 || die "origin nginx did not start: $(tail -n 5 "$T/origin.out" "$T/origin/error.log" 2>/dev/null | tr '\n' ' ')"

# ---------------------------------------------------------------- tlsgate
TG_BIN=${TLSGATE_BIN:-$REPO/.build/release/tlsgate}
if [ ! -x "$TG_BIN" ] && [ -z "${TLSGATE_BIN:-}" ]; then
  log "building tlsgate (swift build -c release --product tlsgate)"
  (cd "$REPO" && swift build -c release --product tlsgate) >"$T/build.log" 2>&1 \
    || die "tlsgate build failed: $(tail -n 5 "$T/build.log" | tr '\n' ' ')"
fi
[ -x "$TG_BIN" ] || die "tlsgate binary missing: $TG_BIN"
# max_upstream_per_host: 0 — every held tunnel goes to the same host (default cap 1024).
# "*.$HOST" is only used with SOAK_HOSTS > 1. timeouts.idle (idle keep-alive client) and
# tunnel_idle are longer than any hold. The admin listener serves /metrics (upstream pool counters).
cat > "$T/tlsgate.yaml" <<EOF
listen: 127.0.0.1:$P_TG
log_level: warning
tls: { min_version: "1.2", ca_bundle: "$CA" }
upstream: { resolve: { $HOST: "127.0.0.1:$P_NGX", "*.$HOST": "127.0.0.1:$P_NGX" } }
policy: { allow_hosts: ["$HOST", "*.$HOST"], connect_ports: [443] }
admin: 127.0.0.1:$P_ADMIN
timeouts: { idle: 600s, tunnel_idle: 600s }
limits: { max_connections: $MAX_CONN, max_connections_per_client: 0, max_upstream_per_host: 0 }
audit: { path: "$T/audit.jsonl" }
EOF
"$TG_BIN" run --config "$T/tlsgate.yaml" >"$T/tlsgate.out" 2>&1 &
TG=$!; PIDS+=("$TG")
wait_port "$P_TG" 15 || die "tlsgate did not start: $(tail -n 5 "$T/tlsgate.out" | tr '\n' ' ')"
TG_VER=$("$TG_BIN" --version 2>/dev/null | head -n1)
[ -n "$TG_VER" ] || TG_VER="$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null) (git)"

# ---------------------------------------------------------------- tools
gcc -O2 -o "$T/soak_client" "$HERE/soak_client.c" -lssl -lcrypto 2>"$T/gcc.log" \
  || die "soak_client build failed: $(head -n 5 "$T/gcc.log")"
cat > "$T/abs.lua" <<EOF
wrk.method = "GET"
wrk.path = "http://$HOST/1k"
wrk.headers["Host"] = "$HOST"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("SOAK requests=%d errors=%d non2xx=%d rps=%.1f p50=%.3f p99=%.3f\n",
    summary.requests, e.connect + e.read + e.write + e.status + e.timeout, e.status,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
EOF

# ---------------------------------------------------------------- measurement
# proc_stat PID -> "rss_kib hwm_kib threads fds sockets pipes"
proc_stat() {
  local pid=$1 rss hwm thr fds=0 socks=0 pipes=0 l
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
  hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
  thr=$(awk '/^Threads:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
  while read -r l; do
    fds=$(( fds + 1 ))
    case $l in socket:*) socks=$(( socks + 1 ));; pipe:*) pipes=$(( pipes + 1 ));; esac
  done < <(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 -printf '%l\n' 2>/dev/null)
  echo "${rss:-0} ${hwm:-0} ${thr:-0} $fds $socks $pipes"
}
CLK_TCK=$(getconf CLK_TCK)
cpu_s() { awk -v hz="$CLK_TCK" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$TG/stat" 2>/dev/null; }  # utime+stime, s
estab() { ss -Htn state established "( sport = :$1 )" 2>/dev/null | wc -l; }
ngx_rss() { # sum of nginx worker RSS, KiB
  local pid s=0 r
  for pid in $(ps -o pid= --ppid "$NGX_MASTER" 2>/dev/null); do
    r=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null); s=$(( s + ${r:-0} ))
  done
  echo $s
}
# Live heap (glibc malloc "in use" bytes, KiB), read by attaching gdb and calling malloc_stats()
# (its report goes to tlsgate's stderr). RSS alone cannot tell a leak from freed memory that
# malloc keeps; this can. Empty when gdb is missing.
GDB=$(command -v gdb || true)
heap_kib() {
  [ -n "$GDB" ] && [ -z "$TG_DEAD" ] || return 0
  local before; before=$(wc -l < "$T/tlsgate.out")
  timeout 60 gdb -q -batch -p "$TG" -ex 'call (void)malloc_stats()' >/dev/null 2>&1
  sleep 0.3
  tail -n +$(( before + 1 )) "$T/tlsgate.out" | awk '/^Total/ {t = 1} t && /in use bytes/ {print int($5 / 1024); exit}'
}
malloc_trim() { # gives freed heap back to the kernel (changes the process: only at the end)
  [ -n "$GDB" ] && [ -z "$TG_DEAD" ] && timeout 60 gdb -q -batch -p "$TG" -ex 'call (int)malloc_trim(0)' >/dev/null 2>&1
}
# tlsgate's /metrics (admin listener) at a measurement, and one value from it: the sum of the
# series of a metric whose labels contain an optional filter (0 when missing).
metrics_snap() { curl -s --max-time 5 "http://127.0.0.1:$P_ADMIN/metrics" > "$T/metrics.$1" 2>/dev/null || : > "$T/metrics.$1"; }
metric() { # label name [label-filter]
  awk -v n="$2" -v f="${3:-}" '($1 == n || index($1, n "{") == 1) && (f == "" || index($1, f)) { s += $2 }
    END { printf "%d", s }' "$T/metrics.$1" 2>/dev/null || echo 0
}
declare -A M       # measurements: M[label.key]
LABELS=()
measure() { # label
  local l=$1 rss hwm thr fds socks pipes
  read -r rss hwm thr fds socks pipes < <(proc_stat "$TG")
  M[$l.rss]=$rss; M[$l.hwm]=$hwm; M[$l.thr]=$thr; M[$l.fds]=$fds; M[$l.socks]=$socks; M[$l.pipes]=$pipes
  M[$l.tg_estab]=$(estab "$P_TG"); M[$l.ngx_estab]=$(estab "$P_NGX"); M[$l.ngx_rss]=$(ngx_rss)
  M[$l.heap]=$(heap_kib)
  metrics_snap "$l"; M[$l.pool_idle]=$(metric "$l" tlsgate_upstream_pool_idle)
  LABELS+=("$l")
  log "measure $l: tlsgate RSS ${rss} KiB (heap in use ${M[$l.heap]:-?} KiB), fds $fds (sockets $socks, pipes $pipes), threads $thr; established: tlsgate port ${M[$l.tg_estab]}, origin port ${M[$l.ngx_estab]}"
}
TG_DEAD=""
check_alive() { # context
  if [ -z "$TG_DEAD" ] && ! alive "$TG"; then
    wait "$TG" 2>/dev/null; TG_DEAD="tlsgate exited (status $?) during $1: $(tail -n 5 "$T/tlsgate.out" | tr '\n' ' ')"
    log "ERROR: $TG_DEAD"
  fi
  [ -z "$TG_DEAD" ]
}
# Releases a held client (SIGUSR1: one more GET on every connection, then close) and waits,
# bounded by its connection count, for it to exit; kills it if it does not.
release_client() { # pid connections label
  kill -USR1 "$1" 2>/dev/null
  for (( i = 0; i < (OP_TIMEOUT * 3 + $2 / 1000 + 30) * 10; i++ )); do alive "$1" || break; sleep 0.1; done
  alive "$1" && { log "$3 did not exit; killing it"; kill -KILL "$1"; }
  wait "$1" 2>/dev/null
}
PEAK_RSS=0; PEAK_FDS=0
sample_peak() {
  local rss fds
  read -r rss _ _ fds _ _ < <(proc_stat "$TG")
  [ "${rss:-0}" -gt "$PEAK_RSS" ] && PEAK_RSS=$rss
  [ "${fds:-0}" -gt "$PEAK_FDS" ] && PEAK_FDS=$fds
}
kv() { local v; v=$(sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2" | head -n1); echo "${v:-?}"; }   # kv key "k=v k=v"
kvn() { local v; v=$(kv "$@"); case $v in ''|*[!0-9]*) echo 0;; *) echo "$v";; esac; }  # integer or 0
# Waits (bounded) until tlsgate holds no more sockets than at the baseline; prints the seconds.
wait_drain() { # max-seconds
  local i socks
  for i in $(seq $(( $1 * 10 ))); do
    read -r _ _ _ _ socks _ < <(proc_stat "$TG")
    if [ "${socks:-0}" -le "${M[baseline.socks]}" ]; then echo "$(( i / 10 )).$(( i % 10 ))"; return 0; fi
    sleep 0.1
  done
  echo "timeout(${1}s)"; return 1
}
# Waits (bounded) until tlsgate holds no upstream connection to the origin (its pool keeps idle
# ones for POOL_IDLE_S after the last forward request); prints the seconds.
wait_upstream_idle() { # max-seconds
  local i
  for i in $(seq $(( $1 * 2 ))); do
    [ "$(estab "$P_NGX")" -eq 0 ] && { echo "$(( (i - 1) / 2 ))"; return 0; }
    sleep 0.5
  done
  echo "timeout(${1}s)"; return 1
}
# The client binary is always started directly (never through a shell function), so that $! is
# its PID and SIGUSR1 reaches it.
CLIENT=("$T/soak_client" --connect "127.0.0.1:$P_TG" --target "$HOST:443" --sni "$HOST" --ca "$CA" --path /1k
        --sources "$SOURCES" --op-timeout "$OP_TIMEOUT" --spread "$HOSTS")

# ---------------------------------------------------------------- sanity and warm-up
measure start
c1=$(curl -sS --max-time 10 -x "http://127.0.0.1:$P_TG" -o /dev/null -w '%{http_code} %{size_download}' "http://$HOST/1k" 2>&1)
c2=$(curl -sS --max-time 10 -x "http://127.0.0.1:$P_TG" --cacert "$CA" -o /dev/null -w '%{http_code} %{size_download}' "https://$HOST/1k" 2>&1)
[ "$c1" = "200 1024" ] && [ "$c2" = "200 1024" ] || die "sanity check failed: forward '$c1', tunnel '$c2' ($(tail -n 3 "$T/tlsgate.out" | tr '\n' ' '))"
log "sanity OK (forward and tunnel); warm-up"
WARM=$(timeout 60 "${CLIENT[@]}" --tunnels "$WARM_TUNNELS" --rate 500 --seconds 1 --recheck 2>>"$T/client.err")
log "warm-up hold: $(cut -c1-160 <<<"$WARM")"
timeout 30 "${CLIENT[@]}" --churn --rate 100 --inflight 32 --seconds 2 >/dev/null 2>>"$T/client.err"
timeout 30 wrk -t1 -c"$WARM_WRK_C" -d2s -s "$T/abs.lua" "http://127.0.0.1:$P_TG/" >/dev/null 2>&1
check_alive warm-up || die "$TG_DEAD"
M[baseline.socks]=${M[start.socks]}
# The baseline is an idle proxy: the warm-up's connections are gone, and so are the upstream
# connections its forward requests left in the pools (they expire after POOL_IDLE_S).
W0=$(date +%s)
wait_drain $(( POOL_IDLE_S + 15 )) >/dev/null
wait_upstream_idle $(( POOL_IDLE_S + 15 )) >/dev/null
M[baseline.pool_wait]=$(( $(date +%s) - W0 ))
log "warm-up connections and pooled upstream connections gone after ${M[baseline.pool_wait]} s"
sleep "$SETTLE"
measure baseline

# ---------------------------------------------------------------- cycles: ramp, hold, mixed, release
RAMP_BOUND=$(( TUNNELS / RATE * 2 + 60 ))
HOLD_MAX=$(( MIX + SETTLE * 2 + 120 ))      # the client releases on SIGUSR1; this is only a bound
for (( cyc = 1; cyc <= CYCLES; cyc++ )); do
  sfx=""; [ "$CYCLES" -gt 1 ] && sfx="#$cyc"
  log "cycle $cyc/$CYCLES: ramping $TUNNELS tunnels at $RATE/s"
  rm -f "$T/ready"
  "${CLIENT[@]}" --tunnels "$TUNNELS" --rate "$RATE" --inflight "$INFLIGHT" --seconds "$HOLD_MAX" \
         --ramp-timeout "$RAMP_BOUND" --recheck --ready-file "$T/ready" >"$T/hold$cyc.out" 2>>"$T/client.err" &
  HOLD=$!; PIDS+=("$HOLD")
  PEAK_RSS=0; PEAK_FDS=0
  for (( i = 0; i < (RAMP_BOUND + 30) * 2; i++ )); do
    [ -s "$T/ready" ] && break
    alive "$HOLD" || break
    check_alive ramp || break
    sample_peak; sleep 0.5
  done
  READY=$(cat "$T/ready" 2>/dev/null); log "$READY"
  M[ramp$sfx.open]=$(kv open "$READY"); M[ramp$sfx.ramp_s]=$(kv ramp_s "$READY")
  M[ramp$sfx.peak_rss]=$PEAK_RSS; M[ramp$sfx.peak_fds]=$PEAK_FDS
  M[ramp$sfx.client_rss]=$(awk '/^VmRSS:/ {print $2}' "/proc/$HOLD/status" 2>/dev/null)
  M[ramp$sfx.cpu]=$(cpu_s)
  sleep "$SETTLE"
  M[idle$sfx.cpu_hold]=$(awk -v a="$(cpu_s)" -v b="${M[ramp$sfx.cpu]}" 'BEGIN { printf "%.2f", a - b }')
  check_alive hold
  measure "idle$sfx"

  log "cycle $cyc: mixed load ${MIX}s (wrk -c$WRK_C forward GETs + $CHURN_RATE new tunnels/s) while holding"
  timeout $(( MIX + 30 )) wrk -t1 -c"$WRK_C" -d"${MIX}s" --timeout 10s -s "$T/abs.lua" "http://127.0.0.1:$P_TG/" \
    >"$T/wrk$cyc.out" 2>&1 &
  WRK=$!; PIDS+=("$WRK")
  timeout $(( MIX + 40 )) "${CLIENT[@]}" --churn --rate "$CHURN_RATE" --inflight 64 --seconds "$MIX" \
    >"$T/churn$cyc.out" 2>>"$T/client.err" &
  CHURN=$!; PIDS+=("$CHURN")
  PEAK_RSS=0; PEAK_FDS=0
  for (( i = 0; i < (MIX + 45) * 2; i++ )); do
    alive "$WRK" || alive "$CHURN" || break
    check_alive "mixed load" || break
    sample_peak; sleep 0.5
  done
  wait "$WRK" 2>/dev/null; wait "$CHURN" 2>/dev/null
  M[mixed$sfx.peak_rss]=$PEAK_RSS; M[mixed$sfx.peak_fds]=$PEAK_FDS
  M[mixed$sfx.wrk]=$(grep -m1 '^SOAK ' "$T/wrk$cyc.out"); M[mixed$sfx.churn]=$(cat "$T/churn$cyc.out")
  log "wrk: ${M[mixed$sfx.wrk]:-failed: $(tail -n 2 "$T/wrk$cyc.out" | tr '\n' ' ')}"
  log "churn: $(cut -c1-200 <<<"${M[mixed$sfx.churn]}")"
  check_alive "mixed load"
  measure "mixed$sfx"

  log "cycle $cyc: releasing (one more GET on every held tunnel, then close)"
  release_client "$HOLD" "$TUNNELS" "hold client"
  M[hold$sfx]=$(cat "$T/hold$cyc.out")
  log "hold client: $(cut -c1-240 <<<"${M[hold$sfx]}")"
  check_alive release
  M[after$sfx.drain_s]=$(wait_drain 60)
  sleep "$SETTLE"
  check_alive "after load"
  measure "after$sfx"
done

# ---------------------------------------------------------------- idle keep-alive clients (forward mode)
# KA clients: absolute-form GET http://$HOST/1k, whole response read, then connected and silent.
# After 1 s idle each one's upstream connection goes to its loop's pool (≤ POOL_MAX_PER_LOOP per host
# per loop, POOL_IDLE_S); measured after KA_SETTLE s idle, released with one more GET each.
if [ "$KA" -gt 0 ] && [ -z "$TG_DEAD" ]; then
  # Wait for the pooled upstream connections to expire, and give freed memory that malloc keeps
  # (from the tunnels) back: it would be reused by the keep-alive connections and hide their cost.
  # This phase is measured against its own baseline (ka_base).
  W0=$(date +%s)
  wait_drain $(( POOL_IDLE_S + 15 )) >/dev/null
  wait_upstream_idle $(( POOL_IDLE_S + 15 )) >/dev/null
  M[ka_base.pool_wait]=$(( $(date +%s) - W0 ))
  if [ -n "$GDB" ]; then
    malloc_trim; sleep 1
    read -r M[trim.rss] _ < <(proc_stat "$TG")
    log "after malloc_trim(0): tlsgate RSS ${M[trim.rss]} KiB"
  fi
  sleep 2
  check_alive "keep-alive baseline"
  measure ka_base
  KA_RAMP_BOUND=$(( KA / RATE * 2 + 60 ))
  KA_HOLD_MAX=$(( KA_SETTLE * 2 + 180 ))   # released by SIGUSR1; only a bound
  for (( kc = 1; kc <= KA_CYCLES; kc++ )); do
    ks=""; [ "$KA_CYCLES" -gt 1 ] && ks="#$kc"
    check_alive "keep-alive cycle $kc" || break
    log "keep-alive cycle $kc/$KA_CYCLES: ramping $KA idle forward-mode keep-alive clients at $RATE/s"
    rm -f "$T/ready"
    "${CLIENT[@]}" --forward --tunnels "$KA" --rate "$RATE" --inflight "$INFLIGHT" --seconds "$KA_HOLD_MAX" \
           --ramp-timeout "$KA_RAMP_BOUND" --recheck --ready-file "$T/ready" >"$T/ka$kc.out" 2>>"$T/client.err" &
    KAC=$!; PIDS+=("$KAC")
    PEAK_RSS=0; PEAK_FDS=0; PEAK_UP=0
    for (( i = 0; i < (KA_RAMP_BOUND + 30) * 2; i++ )); do
      [ -s "$T/ready" ] && break
      alive "$KAC" || break
      check_alive "keep-alive ramp" || break
      sample_peak
      up=$(estab "$P_NGX"); [ "$up" -gt "$PEAK_UP" ] && PEAK_UP=$up
      sleep 0.5
    done
    READY=$(cat "$T/ready" 2>/dev/null); log "${READY:-keep-alive client not ready}"
    M[ka_ramp$ks.open]=$(kv open "$READY"); M[ka_ramp$ks.ramp_s]=$(kv ramp_s "$READY")
    M[ka_ramp$ks.peak_rss]=$PEAK_RSS; M[ka_ramp$ks.peak_fds]=$PEAK_FDS; M[ka_ramp$ks.peak_up]=$PEAK_UP
    M[ka_ramp$ks.client_rss]=$(awk '/^VmRSS:/ {print $2}' "/proc/$KAC/status" 2>/dev/null)
    M[ka_ramp$ks.cpu]=$(cpu_s)
    log "keep-alive cycle $kc: holding them idle ${KA_SETTLE}s (upstream connections parked in the pools after 1 s)"
    sleep "$KA_SETTLE"
    M[ka_idle$ks.cpu_hold]=$(awk -v a="$(cpu_s)" -v b="${M[ka_ramp$ks.cpu]}" 'BEGIN { printf "%.2f", a - b }')
    check_alive "keep-alive hold"
    measure "ka_idle$ks"
    log "keep-alive cycle $kc: releasing (one more GET on every held client, then close)"
    release_client "$KAC" "$KA" "keep-alive client"
    M[ka_hold$ks]=$(cat "$T/ka$kc.out")
    log "keep-alive client: $(cut -c1-240 <<<"${M[ka_hold$ks]}")"
    check_alive "keep-alive release"
    # Clients that close hand their upstream connection to the pool, which keeps it ≤ POOL_IDLE_S.
    M[ka_after$ks.drain_s]=$(wait_drain $(( POOL_IDLE_S + 45 )))
    sleep "$SETTLE"
    check_alive "after keep-alive"
    measure "ka_after$ks"
  done
fi

# Freed-but-kept heap: give it back, to show how much of the RSS left is reclaimable.
if [ -n "$GDB" ] && [ -z "$TG_DEAD" ]; then
  malloc_trim; sleep 1
  read -r M[trim_end.rss] _ < <(proc_stat "$TG")
  log "at the end, after malloc_trim(0): tlsgate RSS ${M[trim_end.rss]} KiB"
fi

# ---------------------------------------------------------------- report
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
dmib() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f MiB", (a - b) / 1024 }'; }
pass() { if [ "$1" = 1 ]; then echo "**PASS**"; else echo "**FAIL**"; fi; }
last=""; [ "$CYCLES" -gt 1 ] && last="#$CYCLES"
B_RSS=${M[baseline.rss]}; B_FDS=${M[baseline.fds]}; B_SOCKS=${M[baseline.socks]}
AUDIT_LINES=$(wc -l < "$T/audit.jsonl" 2>/dev/null || echo 0)
TG_LOG_LINES=$(grep -ciE 'error|critical|fatal' "$T/tlsgate.out" 2>/dev/null); TG_LOG_LINES=${TG_LOG_LINES:-0}
NGX_ERR=$(grep -ciE '\[(alert|crit|emerg)\]' "$T/origin/error.log" 2>/dev/null); NGX_ERR=${NGX_ERR:-0}
mkdir -p "$HERE/out"
{
  echo "# tlsgate soak"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); host: $(uname -srm); nproc: $(nproc); RAM: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "- load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- mode: $([ "$QUICK" = 1 ] && echo quick || echo full); tunnels: $TUNNELS at $RATE/s (≤$INFLIGHT in setup, sources 127.0.0.2-$(( SOURCES + 1 ))); mixed: ${MIX}s of wrk -t1 -c$WRK_C forward GET /1k + $CHURN_RATE new tunnels/s; cycles: $CYCLES; host names: $HOSTS; then $KA idle forward-mode keep-alive clients at $RATE/s (measured after ${KA_SETTLE} s idle; cycles: $KA_CYCLES)"
  echo "- tlsgate: $TG_VER ($TG_BIN); nginx: $(nginx -v 2>&1 | cut -d/ -f2); wrk: $(wrk -v 2>&1 | head -n1 | cut -d' ' -f2); $(openssl version | cut -d' ' -f1-2); gcc: $(gcc -dumpversion)"
  echo "- ulimit -n: $NOFILE; ip_local_port_range: $PORT_RANGE"
  [ -n "$FD_NOTE" ] && echo "- **note**: $FD_NOTE"
  [ -n "$TG_DEAD" ] && echo "- **tlsgate died**: $TG_DEAD"
  echo
  echo "| metric | value |"
  echo "|---|---|"
  echo "| tlsgate RSS: start / post-warm-up baseline | $(mib "${M[start.rss]}") / $(mib "$B_RSS") |"
  echo "| tlsgate fds: start / baseline (sockets, pipes) | ${M[start.fds]} / $B_FDS ($B_SOCKS, ${M[baseline.pipes]}) |"
  echo "| tlsgate threads: baseline | ${M[baseline.thr]} |"
  echo "| waited after the warm-up for its connections and pooled upstream connections to go (pool expiry) | ${M[baseline.pool_wait]} s |"
  [ -n "${M[baseline.heap]}" ] && echo "| tlsgate heap in use (malloc): start / baseline | $(mib "${M[start.heap]}") / $(mib "${M[baseline.heap]}") |"
  for (( cyc = 1; cyc <= CYCLES; cyc++ )); do
    sfx=""; [ "$CYCLES" -gt 1 ] && sfx="#$cyc"
    c=""; [ "$CYCLES" -gt 1 ] && c=" (cycle $cyc)"
    H=${M[hold$sfx]:-}; CH=${M[mixed$sfx.churn]:-}; W=${M[mixed$sfx.wrk]:-}
    open=${M[ramp$sfx.open]:-0}
    # This cycle's reference: the baseline, or the previous cycle's "after".
    if [ "$cyc" = 1 ]; then ref=baseline; else ref="after#$(( cyc - 1 ))"; fi
    R_RSS=${M[$ref.rss]}; R_FDS=${M[$ref.fds]}; R_HEAP=${M[$ref.heap]}
    echo "| **idle tunnels held$c** (client view, after ramp) | ${open:-0} / $TUNNELS (ramp ${M[ramp$sfx.ramp_s]:-?} s) |"
    echo "| ramp errors$c | setup $(kv setup_errors "$H"): tcp $(kv err_tcp_connect "$H"), proxy closed $(kv err_proxy_closed "$H"), proxy status $(kv err_proxy_status "$H") (4xx $(kv status_4xx "$H"), 5xx $(kv status_5xx "$H")), tls $(kv err_tls "$H"), http $(kv err_http "$H"), timeouts $(( $(kvn err_timeout_tcp "$H") + $(kvn err_timeout_connect "$H") + $(kvn err_timeout_tls "$H") + $(kvn err_timeout_get "$H") )) |"
    echo "| ramp latency p50 / p99$c: CONNECT→200, TLS handshake, GET | $(kv connect_p50_ms "$H") / $(kv connect_p99_ms "$H") ms, $(kv tls_p50_ms "$H") / $(kv tls_p99_ms "$H") ms, $(kv get_p50_ms "$H") / $(kv get_p99_ms "$H") ms |"
    echo "| tlsgate RSS with idle tunnels$c | $(mib "${M[idle$sfx.rss]}") ($(dmib "${M[idle$sfx.rss]}" "$R_RSS") vs $ref); ramp peak $(mib "${M[ramp$sfx.peak_rss]}") |"
    if [ "${open:-0}" -gt 0 ]; then
      echo "| **memory per idle tunnel$c** (RSS) | $(awk -v a="${M[idle$sfx.rss]}" -v b="$R_RSS" -v n="$open" 'BEGIN { printf "%.1f KiB", (a - b) / n }') |"
      [ -n "${M[idle$sfx.heap]}" ] && [ -n "$R_HEAP" ] &&
        echo "| memory per idle tunnel$c (malloc heap in use) | $(awk -v a="${M[idle$sfx.heap]}" -v b="$R_HEAP" -v n="$open" 'BEGIN { printf "%.1f KiB", (a - b) / n }') |"
      echo "| tlsgate fds with idle tunnels$c (sockets, pipes) | ${M[idle$sfx.fds]} (${M[idle$sfx.socks]}, ${M[idle$sfx.pipes]}) = $(awk -v a="${M[idle$sfx.fds]}" -v b="$R_FDS" -v n="$open" 'BEGIN { printf "%.2f", (a - b) / n }') per tunnel |"
    fi
    echo "| tlsgate CPU time while holding the idle tunnels$c (${SETTLE} s) | ${M[idle$sfx.cpu_hold]} s |"
    echo "| established TCP with idle tunnels$c: tlsgate port / origin port | ${M[idle$sfx.tg_estab]} / ${M[idle$sfx.ngx_estab]} |"
    echo "| client RSS / nginx workers RSS with idle tunnels$c | $(mib "${M[ramp$sfx.client_rss]:-0}") / $(mib "${M[idle$sfx.ngx_rss]}") |"
    if [ -n "$W" ]; then
      echo "| mixed: wrk forward GET /1k$c | $(kv rps "$W") req/s, p50 $(kv p50 "$W") ms, **p99 $(kv p99 "$W") ms**, $(kv requests "$W") requests, errors $(kv errors "$W") (non-2xx $(kv non2xx "$W")) |"
    else
      echo "| mixed: wrk forward GET /1k$c | failed (see log) |"
    fi
    echo "| mixed: new short tunnels$c | $(kv completed "$CH") done ($(kv rate "$CH")/s), errors $(kv setup_errors "$CH"); p99 CONNECT→200 $(kv connect_p99_ms "$CH") ms, TLS $(kv tls_p99_ms "$CH") ms, **GET $(kv get_p99_ms "$CH") ms** |"
    echo "| mixed: tlsgate peak RSS / peak fds$c | $(mib "${M[mixed$sfx.peak_rss]}") / ${M[mixed$sfx.peak_fds]} |"
    echo "| held tunnels after the mixed phase$c: closed by proxy / recheck GET ok / recheck errors | $(kv hold_closed "$H") / $(kv recheck_ok "$H") / $(( $(kvn recheck_err "$H") + $(kvn recheck_timeout "$H") )) (recheck p99 $(kv recheck_p99_ms "$H") ms) |"
    echo "| after release$c: sockets drained in | ${M[after$sfx.drain_s]} s |"
    echo "| after release$c: tlsgate RSS | $(mib "${M[after$sfx.rss]}") ($(dmib "${M[after$sfx.rss]}" "$B_RSS") vs baseline; VmHWM $(mib "${M[after$sfx.hwm]}")) |"
    [ -n "${M[after$sfx.heap]}" ] && echo "| after release$c: tlsgate heap in use (malloc) | $(mib "${M[after$sfx.heap]}") ($(dmib "${M[after$sfx.heap]}" "${M[baseline.heap]}") vs baseline) |"
    echo "| after release$c: tlsgate fds (sockets, pipes) | ${M[after$sfx.fds]} (${M[after$sfx.socks]}, ${M[after$sfx.pipes]}) vs baseline $B_FDS ($B_SOCKS, ${M[baseline.pipes]}) |"
    echo "| after release$c: established TCP tlsgate port / origin port | ${M[after$sfx.tg_estab]} / ${M[after$sfx.ngx_estab]} |"
  done
  # Idle forward-mode keep-alive clients.
  if [ -n "${M[ka_base.rss]:-}" ]; then
    echo "| keep-alive phase baseline (after the tunnel cycles, ${M[ka_base.pool_wait]} s more for the upstream pool to empty$([ -n "${M[trim.rss]:-}" ] && echo ", malloc_trim(0)")): RSS / heap in use / fds | $(mib "${M[ka_base.rss]}") / $([ -n "${M[ka_base.heap]}" ] && mib "${M[ka_base.heap]}" || echo "?") / ${M[ka_base.fds]} |"
  fi
  for (( kc = 1; kc <= KA_CYCLES; kc++ )); do
    [ -n "${M[ka_base.rss]:-}" ] || break
    ks=""; [ "$KA_CYCLES" -gt 1 ] && ks="#$kc"
    c=""; [ "$KA_CYCLES" -gt 1 ] && c=" (keep-alive cycle $kc)"
    if [ "$kc" = 1 ]; then kref=ka_base; kname="keep-alive baseline"; else kref="ka_after#$(( kc - 1 ))"; kname="previous cycle"; fi
    [ -n "${M[ka_idle$ks.rss]:-}" ] || continue
    K=${M[ka_hold$ks]:-}; kopen=${M[ka_ramp$ks.open]:-0}; case $kopen in ''|*[!0-9]*) kopen=0;; esac
    KB_RSS=${M[$kref.rss]}; KB_HEAP=${M[$kref.heap]}; KB_FDS=${M[$kref.fds]}
    up_new=$(( $(metric "ka_idle$ks" tlsgate_upstream_connections_total) - $(metric "$kref" tlsgate_upstream_connections_total) ))
    up_reused=$(( $(metric "ka_idle$ks" tlsgate_upstream_reused_total) - $(metric "$kref" tlsgate_upstream_reused_total) ))
    up_full=$(( $(metric "ka_idle$ks" tlsgate_upstream_pool_closed_total full) - $(metric "$kref" tlsgate_upstream_pool_closed_total full) ))
    echo "| **idle keep-alive clients held$c** (client view, after ramp) | $kopen / $KA (ramp ${M[ka_ramp$ks.ramp_s]:-?} s) |"
    echo "| keep-alive ramp errors$c | setup $(kv setup_errors "$K"): tcp $(kv err_tcp_connect "$K"), proxy closed $(kv err_proxy_closed "$K"), proxy status $(kv err_proxy_status "$K") (4xx $(kv status_4xx "$K"), 5xx $(kv status_5xx "$K")), http $(kv err_http "$K"), timeouts $(( $(kvn err_timeout_tcp "$K") + $(kvn err_timeout_get "$K") )) |"
    echo "| keep-alive ramp latency p50 / p99$c: TCP connect, first GET (forward; upstream new or pooled) | $(kv connect_p50_ms "$K") / $(kv connect_p99_ms "$K") ms, $(kv get_p50_ms "$K") / **$(kv get_p99_ms "$K")** ms |"
    echo "| tlsgate RSS with idle keep-alive clients$c | $(mib "${M[ka_idle$ks.rss]}") ($(dmib "${M[ka_idle$ks.rss]}" "$KB_RSS") vs $kname); ramp peak $(mib "${M[ka_ramp$ks.peak_rss]}") |"
    if [ "$kopen" -gt 0 ]; then
      echo "| **memory per idle keep-alive client connection$c** (RSS) | $(awk -v a="${M[ka_idle$ks.rss]}" -v b="$KB_RSS" -v n="$kopen" 'BEGIN { printf "%.1f KiB", (a - b) / n }') |"
      [ -n "${M[ka_idle$ks.heap]}" ] && [ -n "$KB_HEAP" ] &&
        echo "| memory per idle keep-alive client connection$c (malloc heap in use) | $(awk -v a="${M[ka_idle$ks.heap]}" -v b="$KB_HEAP" -v n="$kopen" 'BEGIN { printf "%.1f KiB", (a - b) / n }') |"
      echo "| tlsgate fds with idle keep-alive clients$c (sockets, pipes) | ${M[ka_idle$ks.fds]} (${M[ka_idle$ks.socks]}, ${M[ka_idle$ks.pipes]}) = $(awk -v a="${M[ka_idle$ks.fds]}" -v b="$KB_FDS" -v n="$kopen" 'BEGIN { printf "%.3f", (a - b) / n }') per client |"
    fi
    echo "| **upstream connections held$c** (tlsgate→origin, established) with idle keep-alive clients / pooled idle (metric) / bound $POOL_MAX_PER_LOOP × $LOOPS loops × $HOSTS host(s) | **${M[ka_idle$ks.ngx_estab]}** / ${M[ka_idle$ks.pool_idle]} / $(( POOL_MAX_PER_LOOP * LOOPS * HOSTS )) |"
    echo "| upstream connections during the keep-alive ramp$c: peak established / opened / requests on a reused one / closed because the pool was full | ${M[ka_ramp$ks.peak_up]} / $up_new / $up_reused / $up_full |"
    echo "| tlsgate CPU time while holding the idle keep-alive clients$c (${KA_SETTLE} s) | ${M[ka_idle$ks.cpu_hold]} s |"
    echo "| established TCP with idle keep-alive clients$c: tlsgate port / origin port | ${M[ka_idle$ks.tg_estab]} / ${M[ka_idle$ks.ngx_estab]} |"
    echo "| client RSS / nginx workers RSS with idle keep-alive clients$c | $(mib "${M[ka_ramp$ks.client_rss]:-0}") / $(mib "${M[ka_idle$ks.ngx_rss]}") |"
    echo "| held keep-alive clients at release$c: closed by proxy / recheck GET ok / recheck errors | $(kv hold_closed "$K") / $(kv recheck_ok "$K") / $(( $(kvn recheck_err "$K") + $(kvn recheck_timeout "$K") )) (recheck p50 / p99 $(kv recheck_p50_ms "$K") / **$(kv recheck_p99_ms "$K")** ms) |"
    echo "| after keep-alive release$c: sockets back to baseline in (incl. pool expiry ≤ $POOL_IDLE_S s) | ${M[ka_after$ks.drain_s]} s |"
    echo "| after keep-alive release$c: tlsgate RSS | $(mib "${M[ka_after$ks.rss]}") ($(dmib "${M[ka_after$ks.rss]}" "$KB_RSS") vs $kname, $(dmib "${M[ka_after$ks.rss]}" "$B_RSS") vs baseline) |"
    [ -n "${M[ka_after$ks.heap]}" ] && [ -n "$KB_HEAP" ] && echo "| after keep-alive release$c: tlsgate heap in use (malloc) | $(mib "${M[ka_after$ks.heap]}") ($(dmib "${M[ka_after$ks.heap]}" "$KB_HEAP") vs $kname) |"
    echo "| after keep-alive release$c: tlsgate fds (sockets, pipes) | ${M[ka_after$ks.fds]} (${M[ka_after$ks.socks]}, ${M[ka_after$ks.pipes]}) vs baseline $B_FDS ($B_SOCKS, ${M[baseline.pipes]}) |"
    echo "| after keep-alive release$c: established TCP tlsgate port / origin port | ${M[ka_after$ks.tg_estab]} / ${M[ka_after$ks.ngx_estab]} |"
  done
  # Checks on the last cycle.
  A=after$last
  ok_socks=0; [ "${M[$A.socks]:-999999}" -le "$B_SOCKS" ] && ok_socks=1
  ok_pipes=0; [ "${M[$A.pipes]:-999999}" -le $(( ${M[baseline.pipes]} + PIPE_POOL_FDS )) ] && ok_pipes=1
  ok_rss=0; [ "${M[$A.rss]:-999999999}" -le $(( B_RSS + RSS_SLACK_MIB * 1024 )) ] && ok_rss=1
  ok_alive=0; [ -z "$TG_DEAD" ] && ok_alive=1
  H=${M[hold$last]:-}
  ok_tun=0; [ "${M[ramp$last.open]:-0}" = "$TUNNELS" ] && [ "$(kv hold_closed "$H")" = 0 ] && [ "$(kv recheck_ok "$H")" = "$TUNNELS" ] && ok_tun=1
  echo "| check: tlsgate alive throughout | $(pass $ok_alive) |"
  echo "| check: all $TUNNELS tunnels opened, held, and answered the recheck GET | $(pass $ok_tun) |"
  echo "| check: sockets back to baseline ($B_SOCKS) | $(pass $ok_socks) (${M[$A.socks]:-?}) |"
  echo "| check: pipes ≤ baseline + $PIPE_POOL_FDS (idle splice-pipe pool) | $(pass $ok_pipes) (${M[$A.pipes]:-?}) |"
  echo "| check: RSS ≤ baseline + $RSS_SLACK_MIB MiB | $(pass $ok_rss) ($(dmib "${M[$A.rss]:-0}" "$B_RSS")) |"
  if [ -n "${M[$A.heap]}" ] && [ -n "${M[baseline.heap]}" ]; then
    ok_heap=0; [ "${M[$A.heap]}" -le $(( ${M[baseline.heap]} + HEAP_SLACK_MIB * 1024 )) ] && ok_heap=1
    echo "| check: no leak — heap in use ≤ baseline + $HEAP_SLACK_MIB MiB | $(pass $ok_heap) ($(dmib "${M[$A.heap]}" "${M[baseline.heap]}")) |"
  fi
  if [ -n "${M[ka_base.rss]:-}" ]; then
    kl=""; [ "$KA_CYCLES" -gt 1 ] && kl="#$KA_CYCLES"
    K=${M[ka_hold$kl]:-}
    ok_ka=0; [ "${M[ka_ramp$kl.open]:-0}" = "$KA" ] && [ "$(kv hold_closed "$K")" = 0 ] && [ "$(kv recheck_ok "$K")" = "$KA" ] && ok_ka=1
    ok_up=0; [ "${M[ka_idle$kl.ngx_estab]:-999999}" -le $(( POOL_MAX_PER_LOOP * LOOPS * HOSTS )) ] && ok_up=1
    ok_kasocks=0; [ "${M[ka_after$kl.socks]:-999999}" -le "$B_SOCKS" ] && ok_kasocks=1
    ok_karss=0; [ "${M[ka_after$kl.rss]:-999999999}" -le $(( ${M[ka_base.rss]} + RSS_SLACK_MIB * 1024 )) ] && ok_karss=1
    echo "| check: all $KA keep-alive clients got their response, stayed open while idle, and answered the recheck GET | $(pass $ok_ka) |"
    echo "| check: upstream connections held with idle keep-alive clients ≤ pool bound $(( POOL_MAX_PER_LOOP * LOOPS * HOSTS )) | $(pass $ok_up) (${M[ka_idle$kl.ngx_estab]:-?}) |"
    echo "| check: after the keep-alive clients, sockets back to baseline ($B_SOCKS) | $(pass $ok_kasocks) (${M[ka_after$kl.socks]:-?}) |"
    echo "| check: after the keep-alive clients, RSS ≤ keep-alive baseline + $RSS_SLACK_MIB MiB | $(pass $ok_karss) ($(dmib "${M[ka_after$kl.rss]:-0}" "${M[ka_base.rss]}")) |"
    if [ -n "${M[ka_after$kl.heap]:-}" ] && [ -n "${M[ka_base.heap]}" ]; then
      ok_kaheap=0; [ "${M[ka_after$kl.heap]}" -le $(( ${M[ka_base.heap]} + HEAP_SLACK_MIB * 1024 )) ] && ok_kaheap=1
      echo "| check: no leak — after the keep-alive clients, heap in use ≤ keep-alive baseline + $HEAP_SLACK_MIB MiB | $(pass $ok_kaheap) ($(dmib "${M[ka_after$kl.heap]}" "${M[ka_base.heap]}")) |"
    fi
    if [ "$KA_CYCLES" -gt 1 ]; then
      echo "| RSS / heap in use after each keep-alive cycle | $(for (( kc = 1; kc <= KA_CYCLES; kc++ )); do printf '%s / %s; ' "$(mib "${M[ka_after#$kc.rss]:-0}")" "$(mib "${M[ka_after#$kc.heap]:-0}")"; done)|"
    fi
  fi
  [ -n "${M[trim.rss]:-}" ] && echo "| RSS after malloc_trim(0) after the tunnel cycles, before the keep-alive phase (freed heap given back) | $(mib "${M[trim.rss]}") ($(dmib "${M[trim.rss]}" "$B_RSS") vs baseline) |"
  [ -n "${M[trim_end.rss]:-}" ] && echo "| RSS after malloc_trim(0) at the end | $(mib "${M[trim_end.rss]}") ($(dmib "${M[trim_end.rss]}" "$B_RSS") vs baseline) |"
  if [ "$CYCLES" -gt 1 ]; then
    echo "| RSS after each cycle | $(for (( cyc = 1; cyc <= CYCLES; cyc++ )); do printf '%s ' "$(mib "${M[after#$cyc.rss]}")"; done)|"
  fi
  echo "| audit lines / tlsgate log error lines / nginx alert+crit lines | $AUDIT_LINES / $TG_LOG_LINES / $NGX_ERR |"
  echo
  echo "_elapsed: $(( $(date +%s) - T0 )) s_"
} > "$HERE/out/soak.md"
cp "$T/tlsgate.out" "$HERE/out/soak-tlsgate.log" 2>/dev/null
head -c 20000 "$T/client.err" > "$HERE/out/soak-client.log" 2>/dev/null
cat "$HERE/out/soak.md"
