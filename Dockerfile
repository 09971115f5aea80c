# tlsgate container image: build with the Swift toolchain, run on slim Debian with libssl3.
#   docker build -t tlsgate .
#   docker run --rm -p 127.0.0.1:8080:8080 -v $PWD/config:/etc/tlsgate:ro tlsgate
# Inside a container tlsgate must listen on 0.0.0.0 to be reachable through a published port:
# the default config listens on 127.0.0.1 (sidecars share the pod's loopback and need no change).

FROM swift:6.0-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libssl-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
RUN swift build -c release --product tlsgate --static-swift-stdlib \
 && install -D -m 0755 "$(swift build -c release --show-bin-path)/tlsgate" /out/tlsgate

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libssl3 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home /nonexistent --shell /usr/sbin/nologin tlsgate
COPY --from=build /out/tlsgate /usr/local/bin/tlsgate
COPY config/tlsgate.yaml /etc/tlsgate/tlsgate.yaml
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/tlsgate"]
CMD ["run", "--config", "/etc/tlsgate/tlsgate.yaml"]
