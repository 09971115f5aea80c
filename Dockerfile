# tlsgate container image: FROM scratch, the binary (the AWS endpoint catalog and the Amazon roots
# built in), the shared libraries it links (ldd), the system CA roots, /tmp and the default
# configuration; no shell, no package manager. deploy/image/rootfs.sh assembles it.
#
# With a registry (the documented path): the multi-stage build compiles in the Swift image.
#   docker build -t tlsgate .            (or podman build)
#   docker run --rm -p 127.0.0.1:8080:8080 -v "$PWD/config:/etc/tlsgate:ro" tlsgate \
#       run --config /etc/tlsgate/tlsgate.yaml --listen 0.0.0.0:8080    (+ allow_clients in the file)
# Without one (no base image can be pulled): build the binary on the host and copy it in;
# `make image` does this with podman or docker, whichever is present:
#   swift build -c release --product tlsgate --static-swift-stdlib
#   deploy/image/rootfs.sh .build/release/tlsgate .build/image-rootfs
#   podman build --build-arg ROOTFS=host -t tlsgate .
# (unused stages are skipped, so the Swift image is not pulled then).
#
# In a pod, tlsgate as a sidecar shares the pod's loopback, so the default 127.0.0.1 listener
# works; to publish the port outside the pod, listen on 0.0.0.0 with allow_clients or proxy_auth
# (deploy/kubernetes/egress-gateway.yaml).

# Which stage provides /rootfs: "build" (compile here) or "host" (.build/image-rootfs).
ARG ROOTFS=build

FROM swift:6.3-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libssl-dev libcrypt-dev libnghttp2-dev pkg-config ca-certificates binutils \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Plugins ./Plugins
COPY Sources ./Sources
# SwiftPM wants every declared target's directory, the test and fuzz targets too.
COPY Tests ./Tests
COPY config ./config
COPY certs ./certs
COPY deploy/image/rootfs.sh ./deploy/image/rootfs.sh
RUN swift build -c release --product tlsgate --static-swift-stdlib \
 && deploy/image/rootfs.sh "$(swift build -c release --show-bin-path)/tlsgate" /rootfs

FROM scratch AS host
COPY .build/image-rootfs/ /rootfs/

FROM ${ROOTFS} AS rootfs

FROM scratch
COPY --from=rootfs /rootfs/ /
USER 10001:10001
EXPOSE 8080
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
ENTRYPOINT ["/usr/local/bin/tlsgate"]
CMD ["run", "--config", "/etc/tlsgate/tlsgate.yaml"]
