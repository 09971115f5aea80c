# tlsgate container image.
#   docker build -t tlsgate .
#   docker run --rm -p 127.0.0.1:8080:8080 -v "$PWD/config:/etc/tlsgate:ro" tlsgate
# The runtime stage holds only the binary, its configuration and data, the CA roots, and the
# shared libraries the binary links (collected with ldd): no shell, no package manager.
# In a pod, tlsgate as a sidecar shares the pod's loopback, so the default 127.0.0.1 listener
# works; to publish the port outside the pod, listen on 0.0.0.0 with allow_clients or proxy_auth.

FROM swift:6.0-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libssl-dev libcrypt-dev libnghttp2-dev pkg-config ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
RUN swift build -c release --product tlsgate --static-swift-stdlib \
 && install -D -m 0755 "$(swift build -c release --show-bin-path)/tlsgate" /rootfs/usr/local/bin/tlsgate \
 && ldd /rootfs/usr/local/bin/tlsgate | awk '/=>/ { print $3 } /^\t\/lib/ { print $1 }' \
      | xargs -I{} cp --parents -L {} /rootfs/ \
 && install -D -m 0644 /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/ca-certificates.crt \
 && mkdir -p /rootfs/tmp && chmod 1777 /rootfs/tmp
COPY config/tlsgate.yaml config/aws-endpoints.json /rootfs/etc/tlsgate/
COPY certs/amazon-roots.pem /rootfs/etc/tlsgate/

FROM scratch
COPY --from=build /rootfs/ /
USER 10001:10001
EXPOSE 8080
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
ENTRYPOINT ["/usr/local/bin/tlsgate"]
CMD ["run", "--config", "/etc/tlsgate/tlsgate.yaml"]
