# tlsgate: the whole set-up on a fresh Debian machine is `make run` or `make test`.
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= config/tlsgate.yaml

# System packages: build (OpenSSL headers), run (CA roots), tests (real peers).
APT_BUILD := libssl-dev libcrypt-dev zlib1g-dev libnghttp2-dev pkg-config ca-certificates
# squid-openssl provides the `squid` binary (parent-proxy tests, bench); tinyproxy likewise.
APT_TEST  := openssl curl python3 python3-pip squid-openssl tinyproxy systemd logrotate gzip jq chromium
PIP_TEST  := awscli moto werkzeug kubernetes-validate ocsf-emitter==0.3.0
# Container image build and run (make image, make image-test).
APT_IMAGE := podman buildah uidmap binutils
# TLS interception tests: node (NODE_EXTRA_CA_CERTS), Java HttpClient + keytool, testssl.sh.
APT_TEST  += nodejs openjdk-17-jdk-headless testssl.sh socat
PIP_TEST  += requests
# HTTP/2 tests: Python h2 (TLSGateHTTP2Tests' real peer; with it httpx speaks HTTP/2), nghttp2's h2load.
APT_TEST  += nghttp2-client
PIP_TEST  += h2 httpx
# HTTP/2 upstream tests: nginx as the h2 origin (listen ... ssl http2).
APT_TEST  += nginx

.PHONY: all deps deps-test build release run test unit integration bench clean deploy-check deps-image image image-test

all: build

deps:
	@missing=""; for p in $(APT_BUILD); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

deps-test: deps
	@missing=""; for p in $(APT_TEST); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi
	@command -v aws >/dev/null 2>&1 && command -v kubernetes-validate >/dev/null 2>&1 && python3 -c 'import moto, werkzeug, ocsf_emitter, requests, h2, httpx' 2>/dev/null || \
	  python3 -m pip install -q $(PIP_TEST) || python3 -m pip install -q --break-system-packages $(PIP_TEST)

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product tlsgate

run: release
	.build/release/tlsgate run --config $(CONFIG)

# Unit tests and integration tests (the proxy as a real process against real TLS peers), the
# deployment files checked by their tools, and the container image built and run.
test: deps-test
	$(SWIFT) build
	bash .ci/deploy-check.sh .build/debug/tlsgate
	$(SWIFT) test
	$(MAKE) image-test

# The container image (Dockerfile): podman or docker, from a binary built here (no registry needed).
IMAGE ?= tlsgate:latest
deps-image:
	@missing=""; for p in $(APT_IMAGE); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq $$missing; fi

image: deps
	@command -v podman >/dev/null 2>&1 || command -v docker >/dev/null 2>&1 || $(MAKE) deps-image
	bash .ci/image.sh build $(IMAGE)

# Builds the image with podman (private vfs store) and runs it with real requests through it
# (podman run, or the image's root filesystem under unshare + chroot where crun cannot start).
image-test: deps-test deps-image
	bash .ci/image.sh test

# systemd-analyze verify/security on the unit, kubernetes-validate on the manifests.
deploy-check: deps-test
	$(SWIFT) build --product tlsgate
	bash .ci/deploy-check.sh .build/debug/tlsgate

unit: deps
	$(SWIFT) test --skip IntegrationTests

integration: deps-test
	$(SWIFT) build
	$(SWIFT) test --filter IntegrationTests

bench: release
	bash bench/run.sh

clean:
	rm -rf .build

# libFuzzer targets (Tests/Fuzz): build with -sanitize=fuzzer (+ AddressSanitizer) in .build-fuzz-asan,
# run each for FUZZ_SECONDS; fails on any crash, hang or failing regression input.
FUZZ_SECONDS ?= 60
.PHONY: fuzz
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash Tests/Fuzz/run.sh
