# Shared by bench/run.sh, bench/soak.sh and bench/instructions.sh (sourced, not run). Expects `log`
# and `die`; `bench_tempdir` sets `$T` and `PIDS`, which the other helpers use.

# bench_tempdir NAME KEEP_VAR: a fresh temp dir in $T (world-readable: daemons that drop privileges
# read their files there), an empty PIDS, and traps that at exit stop every PID in PIDS (with what
# it started) and remove $T, unless the variable named KEEP_VAR is 1.
bench_tempdir() {
  T=$(mktemp -d "/tmp/tlsgate-$1.XXXXXX") || die "mktemp"
  chmod 755 "$T"
  PIDS=()
  BENCH_KEEP_VAR=$2
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}
bench_cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  if [ "${!BENCH_KEEP_VAR:-0}" = 1 ]; then log "kept $T"; else rm -rf "$T"; fi
}

# Process helpers: every daemon a script starts is recorded in PIDS and stopped by PID.
descendants() { local c; for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do echo "$c"; descendants "$c"; done; }
alive() { local s; s=$(ps -o stat= -p "$1" 2>/dev/null) && [ -n "$s" ] && [ "${s:0:1}" != Z ]; }
stop_pid() { # pid: TERM, up to 5 s, then KILL it and whatever it started
  local pid=$1 kids i
  kids=$(descendants "$pid")
  kill -TERM "$pid" 2>/dev/null
  for i in $(seq 50); do alive "$pid" || break; sleep 0.1; done
  alive "$pid" && kill -KILL "$pid" 2>/dev/null
  for i in $kids; do alive "$i" && kill -KILL "$i" 2>/dev/null; done
  wait "$pid" 2>/dev/null
}

free_ports() { # count -> that many free loopback ports on one line
  python3 - "$1" <<'PY'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

wait_port() { # port [seconds]
  local i
  for i in $(seq $(( ${2:-10} * 10 ))); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

make_pki() { # name subjectAltName -> $T/pki/{ca,origin}.{pem,key}: a throwaway CA and an ECDSA P-256 origin cert
  local name=$1 san=$2
  mkdir -p "$T/pki"
  (
    cd "$T/pki" || exit 1
    cat > ca.cnf <<CNF
[req]
distinguished_name = dn
prompt = no
x509_extensions = v3_ca
[dn]
CN = tlsgate $name throwaway CA
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[leaf]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = $san
authorityKeyIdentifier = keyid
CNF
    openssl ecparam -name prime256v1 -genkey -noout -out ca.key &&
    openssl req -config ca.cnf -x509 -new -key ca.key -sha256 -days 2 -out ca.pem &&
    openssl ecparam -name prime256v1 -genkey -noout -out origin.key &&
    openssl req -new -key origin.key -subj "/CN=$HOST" -out origin.csr &&
    openssl x509 -req -in origin.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -sha256 \
      -extfile ca.cnf -extensions leaf -out origin.pem
  ) >"$T/pki.log" 2>&1 || die "certificate generation failed: $(cat "$T/pki.log")"
  chmod 600 "$T/pki/ca.key" "$T/pki/origin.key"; chmod 644 "$T/pki/ca.pem" "$T/pki/origin.pem"; chmod 755 "$T/pki"
}
