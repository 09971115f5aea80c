#!/usr/bin/env bash
# The tlsgate container image, built and run.
#
#   .ci/image.sh build [TAG]   `make image`: builds the image with podman or docker (whichever is
#                              present) from a binary built here (no registry needed; see Dockerfile)
#   .ci/image.sh test          `make image-test` (part of `make test`): builds the image with podman
#                              into a private store and runs it with real requests through it
#
# Running: `podman run` where it works. Where crun cannot start containers (these machines:
# "setrlimit RLIMIT_NPROC: Operation not permitted", then "cgroups in hybrid mode not
# supported"), the image's own root filesystem (`podman image mount`) runs under `unshare` (new
# mount and PID namespaces) with chroot as UID 10001. The output says which path ran. Every
# request must succeed; everything made (store, mounts, processes) is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
rootfs=.build/image-rootfs

say() { echo "image: $*"; }
die() { echo "image: FAILED: $*" >&2; exit 1; }

# One release build (static Swift runtime, as the image needs) and the runtime root filesystem.
build_rootfs() {
    "$SWIFT" build -c release --product tlsgate --static-swift-stdlib
    deploy/image/rootfs.sh "$("$SWIFT" build -c release --show-bin-path)/tlsgate" "$rootfs"
}

cmd_build() {
    local tag=${1:-tlsgate:latest} engine
    if command -v podman >/dev/null 2>&1; then engine=podman
    elif command -v docker >/dev/null 2>&1; then engine=docker
    else die "neither podman nor docker is installed (apt-get install podman)"; fi
    build_rootfs
    "$engine" build --build-arg ROOTFS=host -t "$tag" .
    say "built $tag with $engine: $("$engine" image inspect --format '{{.Size}}' "$tag") bytes"
}

cmd_test() {
    command -v podman >/dev/null 2>&1 || die "podman is not installed (make image-test installs it)"
    build_rootfs
    work=$(mktemp -d /var/tmp/tlsgate-image-test.XXXXXX)
    tag=localhost/tlsgate:image-test-$$
    pids=()
    mounted=""
    # A private store: nothing of the machine's podman storage is touched, and removal is complete.
    pm=(podman --root "$work/store" --runroot "$work/run" --storage-driver vfs
        --cgroup-manager cgroupfs --events-backend file)
    cleanup() {
        local pid
        if [ -n "${unshare_pid:-}" ]; then pid=$(pgrep -P "$unshare_pid" | head -1); [ -n "$pid" ] && kill "$pid" 2>/dev/null; sleep 0.5; fi
        for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
        "${pm[@]}" rm -f -a >/dev/null 2>&1 || true
        [ -n "$mounted" ] && "${pm[@]}" image unmount "$tag" >/dev/null 2>&1 || true
        "${pm[@]}" rmi -f "$tag" >/dev/null 2>&1 || true
        "${pm[@]}" image prune -f >/dev/null 2>&1 || true
        rm -rf "$work" 2>/dev/null || { chattr -R -i "$work" 2>/dev/null; rm -rf "$work"; }
    }
    trap cleanup EXIT

    # The multi-stage path needs a registry, so it cannot be built here: at least check that the
    # files its build stage COPYs make a package SwiftPM accepts.
    mkdir -p "$work/stage"
    for f in $(awk '/^COPY / && !/--from/ && $2 !~ /^\.build/ { print $2 }' Dockerfile); do cp -r --parents "$f" "$work/stage/"; done
    (cd "$work/stage" && "$SWIFT" package describe >/dev/null) || die "the Dockerfile's build stage lacks files SwiftPM needs"
    say "the build stage's COPY set is a complete package (swift package describe)"
    "${pm[@]}" build --build-arg ROOTFS=host -t "$tag" . >"$work/build.log" 2>&1 || { cat "$work/build.log"; die "podman build"; }
    size=$("${pm[@]}" image inspect --format '{{.Size}}' "$tag")
    say "built $tag with podman --storage-driver vfs: $size bytes ($(( size / 1024 / 1024 )) MiB); binary $(stat -c %s "$rootfs/usr/local/bin/tlsgate") bytes"

    # A test PKI, an HTTPS upstream on loopback, and a configuration for the image (mounted at
    # /etc/tlsgate) that sends the test names to the upstream and trusts the test CA.
    conf="$work/etc-tlsgate"
    mkdir -p "$conf"
    openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca.key" \
        -subj "/CN=tlsgate image test CA" -days 2 -addext basicConstraints=critical,CA:TRUE \
        -addext keyUsage=critical,keyCertSign -out "$conf/ca.pem" 2>/dev/null
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/leaf.key" \
        -subj "/CN=s3.us-east-1.amazonaws.com" -out "$work/leaf.csr" 2>/dev/null
    printf 'subjectAltName=DNS:s3.us-east-1.amazonaws.com,DNS:a.example.test\nextendedKeyUsage=serverAuth\n' > "$work/leaf.ext"
    openssl x509 -req -in "$work/leaf.csr" -CA "$conf/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
        -days 2 -sha256 -extfile "$work/leaf.ext" -out "$work/leaf.pem" 2>/dev/null
    python3 Tests/IntegrationTests/Support/upstream.py --cert "$work/leaf.pem" --key "$work/leaf.key" \
        >"$work/upstream.out" 2>"$work/upstream.err" &
    pids+=($!)
    for _ in $(seq 100); do [ -s "$work/upstream.out" ] && break; sleep 0.1; done
    up_port=$(head -1 "$work/upstream.out")
    [ -n "$up_port" ] || die "the test upstream did not start: $(cat "$work/upstream.err")"
    cat > "$conf/tlsgate.yaml" <<YAML
listen: 127.0.0.1:0
tls:
  ca_bundle: /etc/tlsgate/ca.pem
upstream:
  resolve:
    s3.us-east-1.amazonaws.com: 127.0.0.1:$up_port
    a.example.test: 127.0.0.1:$up_port
policy:
  allow_hosts: ["*.amazonaws.com", "*.example.test"]
audit:
  path: "-"
YAML
    chmod -R a+rX "$conf"

    # Start it: podman run, else the image's root filesystem under unshare + chroot.
    path=""
    if "${pm[@]}" run -d --name "tlsgate-image-test-$$" --network host -v "$conf:/etc/tlsgate:ro" "$tag" \
            >"$work/run.out" 2>"$work/run.err" \
       && sleep 1 && [ "$("${pm[@]}" inspect --format '{{.State.Running}}' "tlsgate-image-test-$$")" = true ]; then
        path="podman run"
        logs() { "${pm[@]}" logs "tlsgate-image-test-$$" 2>&1; }
        uid_of_gate() { "${pm[@]}" top "tlsgate-image-test-$$" huser | tail -1; }
        in_image() { "${pm[@]}" run --rm --network none "$tag" "$@"; }
    else
        reason=$(cat "$work/run.err" "$work/run.out" 2>/dev/null | grep -iE 'error|fail' | tail -1)
        "${pm[@]}" rm -f "tlsgate-image-test-$$" >/dev/null 2>&1 || true
        mnt=$("${pm[@]}" image mount "$tag")
        mounted=yes
        path="unshare+chroot of the image's root filesystem as UID 10001 (podman run failed: ${reason:-container did not start})"
        # A private mount namespace: the config over /etc/tlsgate, a fresh /tmp, the four
        # character devices programs expect; a PID namespace whose init is tlsgate's parent shell.
        chrooted=(unshare --mount --pid --fork --kill-child sh -c '
                set -e
                m=$1; conf=$2; shift 2
                mount --make-rprivate /
                mount --bind "$conf" "$m/etc/tlsgate"
                mount -t tmpfs -o mode=1777 tmpfs "$m/tmp"
                mount -t tmpfs -o mode=0755 tmpfs "$m/dev"
                for d in null zero random urandom; do touch "$m/dev/$d"; mount --bind "/dev/$d" "$m/dev/$d"; done
                mount -t proc proc "$m/proc"
                exec chroot --userspec=10001:10001 "$m" /usr/local/bin/tlsgate "$@"
            ' chrooted "$mnt" "$conf")
        "${chrooted[@]}" run --config /etc/tlsgate/tlsgate.yaml >"$work/gate.out" 2>"$work/gate.err" &
        unshare_pid=$!
        pids+=("$unshare_pid")
        logs() { cat "$work/gate.err" "$work/gate.out"; }
        # unshare's child (the namespace's init) became tlsgate through sh, chroot and exec.
        gate_pid() { pgrep -P "$unshare_pid" | head -1; }
        uid_of_gate() { stat -c %u "/proc/$(gate_pid)"; }
        in_image() { "${chrooted[@]}" "$@"; }
    fi
    say "path: $path"

    port=""
    for _ in $(seq 100); do
        port=$(logs | sed -n 's/.*[^n] listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' | head -1)
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || die "tlsgate in the image did not start: $(logs | tail -20)"
    check_uid=$(uid_of_gate)
    say "tlsgate from the image listens on 127.0.0.1:$port as UID $(uid_of_gate)"

    failures=0
    check() {  # check NAME EXPECTED ACTUAL
        if [ "$2" = "$3" ]; then say "ok: $1 ($3)"; else echo "image: FAIL: $1: expected $2, got $3" >&2; failures=$((failures + 1)); fi
    }
    proxy=http://127.0.0.1:$port
    check "forward GET http://s3.us-east-1.amazonaws.com/bytes/100000 (re-originated over TLS)" "200 100000" \
        "$(curl -sS -x "$proxy" -o "$work/body" -w '%{http_code} %{size_download}' http://s3.us-east-1.amazonaws.com/bytes/100000)"
    check "body is the upstream's pattern" \
        "$(python3 -c 'import sys; sys.stdout.buffer.write(bytes(i % 256 for i in range(100000)))' | sha256sum | cut -c1-64)" \
        "$(sha256sum "$work/body" | cut -c1-64)"
    check "CONNECT tunnel https://a.example.test/bytes/5000" "200 5000" \
        "$(curl -sS -p -x "$proxy" --cacert "$conf/ca.pem" -o /dev/null -w '%{http_code} %{size_download}' https://a.example.test/bytes/5000)"
    check "refused host (403 host_not_allowed)" "403" \
        "$(curl -sS -x "$proxy" -o /dev/null -w '%{http_code}' http://forbidden.example.org/)"
    check "credentials in the URL (400)" "400" \
        "$(python3 -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"GET http://u:p@s3.us-east-1.amazonaws.com/ HTTP/1.1\r\nHost: s3.us-east-1.amazonaws.com\r\n\r\n")
print(s.recv(4096).split(b" ")[1].decode())' "$port")"
    check "tlsgate runs as UID 10001" "10001" "$check_uid"
    sleep 0.5
    check "audit line of the forwarded request (TLS to the upstream)" "1" \
        "$(logs | grep -c '"event":"request".*"host":"s3.us-east-1.amazonaws.com".*"status":200.*"tls_version":"TLSv1.3"' || true)"
    check "endpoints lookup with no data files (built-in catalog)" "FIPS endpoint:   yes" \
        "$(in_image endpoints lookup s3-fips.us-east-1.amazonaws.com 2>&1 | grep 'FIPS endpoint')"
    check "doctor names the built-in catalog" "1" \
        "$(in_image doctor --config /etc/tlsgate/tlsgate.yaml 2>&1 | grep -c 'AWS catalog: *built-in: botocore' || true)"
    [ "$failures" = 0 ] || { logs | tail -30 >&2; die "$failures check(s) failed (path: $path)"; }
    say "all checks passed (path: $path; image $size bytes)"
}

case "${1:-}" in
    build) shift; cmd_build "$@" ;;
    test) cmd_test ;;
    *) echo "usage: $0 build [TAG] | test" >&2; exit 2 ;;
esac
