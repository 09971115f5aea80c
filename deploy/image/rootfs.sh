#!/usr/bin/env bash
# Assembles the runtime root filesystem of the tlsgate image: the binary, the shared libraries it
# links (from ldd, with the dynamic loader), the system CA roots (for `tls.ca_bundle: system`),
# /tmp, a passwd/group entry for UID 10001 and the default configuration. The AWS endpoint
# catalog and the Amazon roots are inside the binary. Used by the Dockerfile's build stage and, on
# machines without a registry, by .ci/image.sh on the host: one list of what the image holds.
#
#   deploy/image/rootfs.sh BINARY ROOTFS_DIR
set -euo pipefail
binary=$1
rootfs=$2
here=$(cd "$(dirname "$0")/../.." && pwd)

rm -rf "$rootfs"
install -D -m 0755 "$binary" "$rootfs/usr/local/bin/tlsgate"
# Symbols and debug info are a quarter of the binary (85 MB -> 62 MB with the static Swift runtime).
strip "$rootfs/usr/local/bin/tlsgate"
# Every library ldd resolves ("name => /path (addr)") and the loader ("/lib64/ld-linux… (addr)").
ldd "$binary" | awk '/=>/ && $3 ~ /^\// { print $3 } /^\t\// { print $1 }' | sort -u | while read -r lib; do
    cp --parents -L "$lib" "$rootfs/"
done
# /lib64 -> usr/lib64 etc. on merged-/usr systems: the loader path in the ELF header must exist.
interp=$(readelf -l "$binary" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
[ -e "$rootfs$interp" ] || cp --parents -L "$interp" "$rootfs/"
install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
install -D -m 0644 "$here/config/tlsgate.yaml" "$rootfs/etc/tlsgate/tlsgate.yaml"
mkdir -p "$rootfs/tmp" "$rootfs/proc" "$rootfs/dev" && chmod 1777 "$rootfs/tmp"
printf 'root:x:0:0:root:/:/nonexistent\ntlsgate:x:10001:10001:tlsgate:/nonexistent:/nonexistent\n' > "$rootfs/etc/passwd"
printf 'root:x:0:\ntlsgate:x:10001:\n' > "$rootfs/etc/group"
