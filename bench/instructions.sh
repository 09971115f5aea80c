#!/usr/bin/env bash
# Instructions per request for tlsgate, counted by valgrind's callgrind (Ir = instructions executed
# in user space). tlsgate runs under callgrind against a local TLS origin (nginx); for each case the
# script sends W warm-up requests, zeroes the counters (`callgrind_control -d`), sends N measured
# requests, dumps again, and divides: start-up and first-use costs stay in the discarded dump.
# See bench/README.md ("Instructions per request").
#
# Environment:
#   ICOUNT_N=300        measured requests (or tunnels) per case
#   ICOUNT_WARM=30      warm-up requests per case (not counted)
#   ICOUNT_LOOPS=1      TLSGATE_LOOPS for tlsgate (event-loop threads)
#   ICOUNT_CASES="keepalive close tunnel"
#   ICOUNT_TOP=12       functions listed per case (by self cost)
#   TLSGATE_BIN=path    tlsgate binary (default <repo>/.build/release/tlsgate, built if missing)
#   ICOUNT_KEEP=1       keep the temp dir (configs, logs, callgrind dumps)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
N=${ICOUNT_N:-300}
WARM=${ICOUNT_WARM:-30}
LOOPS=${ICOUNT_LOOPS:-1}
CASES=${ICOUNT_CASES:-keepalive close tunnel}
TOPFN=${ICOUNT_TOP:-12}
HOST=origin.bench.test
T0=$(date +%s)

log() { printf '[icount %3ds] %s\n' "$(( $(date +%s) - T0 ))" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

export PATH="$PATH:/usr/sbin:/sbin"
for cmd in valgrind callgrind_control objcopy gcc nginx openssl python3; do
  command -v "$cmd" >/dev/null 2>&1 || die "$cmd not found (apt-get install valgrind binutils gcc nginx-light openssl python3)"
done
case $N$WARM in *[!0-9]*) die "ICOUNT_N and ICOUNT_WARM must be numbers";; esac
[ "$N" -ge 1 ] || die "ICOUNT_N must be >= 1"

BIN=${TLSGATE_BIN:-$REPO/.build/release/tlsgate}
if [ ! -x "$BIN" ]; then
  [ -z "${TLSGATE_BIN:-}" ] || die "TLSGATE_BIN=$BIN is not executable"
  log "building tlsgate (release)"
  (cd "$REPO" && swift build -c release --product tlsgate >&2) || die "build failed"
fi

# ---------------------------------------------------------------- temp dir and cleanup
. "$HERE/lib.sh"
bench_tempdir icount ICOUNT_KEEP

read -r P_NGX P_TG < <(free_ports 2) || die "no free ports"
log "temp dir $T; ports origin=$P_NGX tlsgate=$P_TG"

make_pki icount "DNS:$HOST, IP:127.0.0.1"
CA=$T/pki/ca.pem
mkdir -p "$T/www" "$T/origin" "$T/cg"
head -c 1024 /dev/urandom > "$T/www/1k"
chmod 755 "$T/www"; chmod 644 "$T/www/1k"

# ---------------------------------------------------------------- origin: nginx TLS
cat > "$T/origin/nginx.conf" <<EOF
worker_processes 1;
user nobody nogroup;
pid $T/origin/nginx.pid;
error_log $T/origin/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on; tcp_nodelay on;
  keepalive_requests 1000000; keepalive_timeout 600s;
  default_type application/octet-stream;
  client_body_temp_path $T/origin/body; proxy_temp_path $T/origin/proxy;
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
[ "$(id -u)" = 0 ] || sed -i '/^user /d' "$T/origin/nginx.conf"
nginx -e "$T/origin/error.log" -p "$T/origin" -c "$T/origin/nginx.conf" -g 'daemon off;' >"$T/origin.out" 2>&1 &
PIDS+=($!)
wait_port "$P_NGX" 15 || die "origin nginx did not start: $(tail -n 5 "$T/origin.out")"

# ---------------------------------------------------------------- tlsgate under callgrind
# Generous timeouts: under valgrind tlsgate runs ~50x slower.
cat > "$T/tlsgate.yaml" <<EOF
listen: 127.0.0.1:$P_TG
log_level: warning
tls: { min_version: "1.2", ca_bundle: "$CA" }
upstream: { resolve: { $HOST: "127.0.0.1:$P_NGX" }, connect_timeout: 60s, handshake_timeout: 60s }
policy: { allow_hosts: ["$HOST"], connect_ports: [443] }
timeouts: { idle: 600s, request_head: 120s, client_hello: 120s }
audit: { path: "$T/audit.jsonl" }
EOF
# valgrind 3.19 cannot read the DWARF 5 debug info Swift's toolchain writes ("unhandled dwarf2
# abbrev form", then "Possibly corrupted debuginfo file ... Giving up"): run a copy without debug
# sections. The symbol table stays, so costs are still attributed to (demangled) functions.
objcopy --strip-debug "$BIN" "$T/tlsgate" || die "objcopy --strip-debug $BIN failed"
# valgrind 3.19's rt_sigsuspend wrapper writes into the caller's signal mask (it deletes SIGKILL
# and SIGSTOP from it); libdispatch's dispatchMain() passes a `static const` mask in read-only
# memory, so valgrind itself dies with SIGSEGV as soon as tlsgate's main thread parks in
# dispatchMain(). A preloaded sigsuspend() that passes a writable copy avoids it.
cat > "$T/sigsuspend_shim.c" <<'C'
#define _GNU_SOURCE
#include <signal.h>
#include <unistd.h>
#include <sys/syscall.h>
int sigsuspend(const sigset_t *mask) {
    sigset_t copy = *mask;
    return (int)syscall(SYS_rt_sigsuspend, &copy, (size_t)(_NSIG / 8));
}
C
gcc -O2 -shared -fPIC -o "$T/sigsuspend_shim.so" "$T/sigsuspend_shim.c" || die "cannot build the sigsuspend shim"
# --dump-instr/--dump-line=no: only per-function totals are needed (smaller, faster dumps).
# --fair-sched=yes: the loop threads and libdispatch's threads get the CPU in turn.
LD_PRELOAD=$T/sigsuspend_shim.so TLSGATE_LOOPS=$LOOPS valgrind --tool=callgrind --callgrind-out-file="$T/cg/callgrind.out" \
  --dump-instr=no --dump-line=no --compress-strings=no --compress-pos=no --fair-sched=yes \
  "$T/tlsgate" run --config "$T/tlsgate.yaml" >"$T/tlsgate.out" 2>&1 &
TG=$!
PIDS+=($TG)
for i in $(seq 180); do alive "$TG" || break; wait_port "$P_TG" 1 && break; done
wait_port "$P_TG" 1 || die "tlsgate (under callgrind) did not listen: $(tail -n 20 "$T/tlsgate.out")"
log "tlsgate pid $TG listening under callgrind"

# ---------------------------------------------------------------- client
cat > "$T/client.py" <<'PY'
# client.py mode count proxy_port host cafile: exactly `count` GET /1k (status 200, 1024-byte body).
#   keepalive: one connection, absolute-form requests;  close: one connection per request
#   (Connection: close);  tunnel: CONNECT host:443, TLS through the tunnel, GET /1k, close.
import http.client, socket, ssl, sys
mode, count, port, host, cafile = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
TIMEOUT = 120
URL = "http://%s/1k" % host

def check(resp):
    body = resp.read()
    if resp.status != 200 or len(body) != 1024:
        sys.exit("bad response: %d, %d bytes" % (resp.status, len(body)))

if mode == "keepalive":
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    for _ in range(count):
        c.request("GET", URL, headers={"Host": host})
        check(c.getresponse())
    c.close()
elif mode == "close":
    for _ in range(count):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        c.request("GET", URL, headers={"Host": host, "Connection": "close"})
        check(c.getresponse())
        c.close()
elif mode == "tunnel":
    ctx = ssl.create_default_context(cafile=cafile)
    for _ in range(count):
        c = http.client.HTTPSConnection("127.0.0.1", port, timeout=TIMEOUT, context=ctx)
        c.set_tunnel(host, 443)
        c.request("GET", "/1k", headers={"Connection": "close"})
        check(c.getresponse())
        c.close()
else:
    sys.exit("unknown mode " + mode)
PY

client() { # mode count
  timeout $(( 60 + $2 * 5 )) python3 "$T/client.py" "$1" "$2" "$P_TG" "$HOST" "$CA" >>"$T/client.log" 2>&1 ||
    die "client $1 x$2 failed: $(tail -n 3 "$T/client.log"; tail -n 5 "$T/tlsgate.out")"
}

dump() { # label -> path of the new dump (costs since the previous dump). Runs in $(...): no shell state.
  sleep 1   # let closes and the audit writer (10 ms batches) finish the last request's work
  local n i f
  n=$(find "$T/cg" -name 'callgrind.out.*' | wc -l)
  timeout 120 callgrind_control -d "$1" "$TG" >>"$T/control.log" 2>&1 || die "callgrind_control -d failed: $(tail -n 3 "$T/control.log")"
  f=$T/cg/callgrind.out.$((n + 1))
  for i in $(seq 100); do [ -s "$f" ] && break; sleep 0.1; done
  [ -s "$f" ] || die "no dump file $f"
  grep -q "^desc: Trigger: .*$1" "$f" || die "$f is not the dump '$1'"
  echo "$f"
}

# ---------------------------------------------------------------- cases
RESULTS=()   # "case|count|dump|seconds"
dump start >/dev/null || exit 1   # start-up costs
t=$(date +%s.%N)
sleep 5
f=$(dump idle) || exit 1
RESULTS+=("idle (per second)|$(python3 -c "print($(date +%s.%N) - $t - 1)")|$f")
for c in $CASES; do
  case $c in keepalive|close|tunnel) ;; *) die "unknown case $c";; esac
  log "case $c: $WARM warm-up, $N measured"
  [ "$WARM" -gt 0 ] && client "$c" "$WARM"
  dump "warm-$c" >/dev/null || exit 1
  client "$c" "$N"
  f=$(dump "$c") || exit 1
  RESULTS+=("$c|$N|$f")
done
alive "$TG" || die "tlsgate exited: $(tail -n 20 "$T/tlsgate.out")"

# ---------------------------------------------------------------- report
log "parsing dumps"
printf '%s\n' "${RESULTS[@]}" > "$T/results.txt"
python3 - "$T/tlsgate" "$LOOPS" "$T/results.txt" "$TOPFN" <<'PY'
import collections, os, shutil, subprocess, sys
binary, loops, results, TOP = os.path.realpath(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
LABELS = {"keepalive": "forward, keep-alive, GET 1 KiB (per request)",
          "close": "forward, new client connection per request, upstream pooled (per request)",
          "tunnel": "CONNECT tunnel: TLS handshake + GET 1 KiB + close (per tunnel)"}
GROUPS = ["tlsgate", "libswiftCore", "libcrypto", "libssl", "libc", "libdispatch", "other"]

def group(ob):
    base = os.path.basename(ob)
    if ob == binary or base == os.path.basename(binary): return "tlsgate"
    for g in ("libswiftCore", "libcrypto", "libssl", "libdispatch"):
        if base.startswith(g + "."): return g
    if base.startswith("libc.so") or base.startswith("libc-"): return "libc"
    return "other"

def costs(path):
    """Self cost (Ir) per object in one callgrind dump (uncompressed names and positions)."""
    per = collections.Counter(); others = collections.Counter(); fns = collections.Counter()
    ob = "???"; fn = "???"; npos = 1; skip_next = False; total = None
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("positions:"): npos = len(line.split()) - 1; continue
            if line.startswith("totals:") or line.startswith("summary:"): total = int(line.split()[1]); continue
            if line.startswith("ob="): ob = line[3:].strip(); continue
            if line.startswith("fn="): fn = line[3:].strip(); continue
            if line.startswith("calls="): skip_next = True; continue
            c = line[:1]
            if c.isdigit() or c in "+-*":
                if skip_next: skip_next = False; continue   # inclusive cost of a call: counted in the callee
                fields = line.split()
                if len(fields) > npos:
                    v = int(fields[npos]); per[ob] += v; fns[(fn, ob)] += v
    g = collections.Counter()
    for ob, v in per.items():
        g[group(ob)] += v
        if group(ob) == "other": others[os.path.basename(ob)] += v
    return (total if total is not None else sum(per.values())), g, others, fns

rows = []
for line in open(results).read().split("\n"):
    if not line: continue
    name, count, path = line.split("|")
    total, g, others, fns = costs(path)
    rows.append((name, float(count), total, g, others, fns))

def fmt(x):
    return "{:,.0f}".format(x)
print()
print("tlsgate instructions (callgrind Ir, user space only), TLSGATE_LOOPS=%s" % loops)
print()
print("| case | Ir | " + " | ".join(GROUPS) + " |")
print("|---|---:|" + "---:|" * len(GROUPS))
for name, count, total, g, _, _ in rows:
    label = LABELS.get(name, name)
    print("| %s | %s | %s |" % (label, fmt(total / count), " | ".join(fmt(g[k] / count) for k in GROUPS)))
print()
for name, count, total, g, others, _ in rows:
    top = ", ".join("%s %s" % (k, fmt(v / count)) for k, v in others.most_common(4))
    if top: print("- %s, 'other': %s" % (name, top))
def demangler(names):
    """Swift symbol -> readable name, via swift-demangle when it is installed (valgrind does not demangle Swift)."""
    tool = shutil.which("swift-demangle") or next((p for p in ("/opt/swift/usr/bin/swift-demangle",) if os.path.exists(p)), None)
    if not tool or not names: return {}
    try:
        out = subprocess.run([tool, "--simplified", "--compact"], input="\n".join(names) + "\n",
                             capture_output=True, text=True, timeout=60).stdout.split("\n")
    except Exception:
        return {}
    return dict(zip(names, out)) if len(out) >= len(names) else {}

# Swift's dynamic exclusivity enforcement (class properties, globals, escaping captures): the entry
# points, the thread-local access set and its TLS lookups.
EXCL = ("swift_beginAccess", "swift_endAccess", "swift::runtime::AccessSet::", "swift::runtime::SwiftTLSContext::get",
        "__tls_get_addr")
print()
for name, count, total, g, _, fns in rows:
    if name not in LABELS: continue
    excl = sum(v for (fn, _), v in fns.items() if fn.startswith(EXCL))
    print("- %s: dynamic exclusivity checks (swift_begin/endAccess, AccessSet, TLS lookups) %s Ir (%.0f%%)"
          % (name, fmt(excl / count), 100.0 * excl / total if total else 0))

tops = [(name, count, fns.most_common(TOP)) for name, count, total, g, _, fns in rows if name in LABELS]
readable = demangler(sorted({fn for _, _, top in tops for (fn, _), _ in top}))
if TOP > 0:
    print()
    print("Top functions by self cost (Ir per request / tunnel):")
for name, count, top in (tops if TOP > 0 else []):
    print()
    print("%s:" % name)
    for (fn, ob), v in top:
        fn = readable.get(fn) or fn
        fn = fn if len(fn) <= 110 else fn[:107] + "..."
        print("  %9s  %-13s %s" % (fmt(v / count), group(ob), fn))
PY
