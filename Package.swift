// swift-tools-version:6.0
import PackageDescription

/// Release builds of the data-path modules skip Swift's dynamic exclusivity checks
/// (`swift_beginAccess` on class properties): about 9 % of the instructions of a forwarded request
/// and 20 % of a tunnel, measured with bench/instructions.sh. Debug builds (and so every test run)
/// keep the checks, so an exclusivity violation still fails the tests.
let dataPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked", "-cross-module-optimization"], .when(configuration: .release))]

let package = Package(
    name: "tlsgate",
    products: [
        .executable(name: "tlsgate", targets: ["tlsgate"]),
        // libFuzzer targets (Tests/Fuzz, `make fuzz`); see Tests/Fuzz/README.md.
        .executable(name: "fuzz-http-head", targets: ["FuzzHTTPHead"]),
        .executable(name: "fuzz-chunked", targets: ["FuzzChunked"]),
        .executable(name: "fuzz-client-hello", targets: ["FuzzClientHello"]),
        .executable(name: "fuzz-server-hello", targets: ["FuzzServerHello"]),
        .executable(name: "fuzz-config", targets: ["FuzzConfig"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
    ],
    targets: [
        // OpenSSL 3 from Debian's libssl-dev.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        // Macros the Swift importer cannot see (OpenSSL) and glibc calls it hides (accept4, splice).
        .target(name: "CShims", dependencies: ["COpenSSL"], linkerSettings: [.linkedLibrary("crypt")]),

        // HTTP/2 framing, HPACK and flow control from Debian's libnghttp2-dev (1.52), and the shim for
        // what differs between its builds (weak symbols).
        .systemLibrary(name: "CNghttp2", pkgConfig: "libnghttp2", providers: [.apt(["libnghttp2-dev"])]),
        .target(name: "CNghttp2Shims", dependencies: ["CNghttp2"]),
        // HTTP/2 sessions over libnghttp2 (both roles), driven from memory; h2 <-> HTTP/1.1 head mapping.
        .target(name: "TLSGateHTTP2", dependencies: ["CNghttp2", "CNghttp2Shims", "TLSGateHTTP"], swiftSettings: dataPath),

        // Non-blocking POSIX sockets on epoll event loops: syscalls, loops, channels, buffers, resolver.
        .target(name: "TLSGateIO", dependencies: ["CShims"], swiftSettings: dataPath),
        // OpenSSL contexts/connections and TLS handshake inspection (ClientHello/ServerHello parsers).
        .target(name: "TLSGateTLS", dependencies: ["COpenSSL", "CShims", "TLSGateIO"], swiftSettings: dataPath),
        // HTTP/1.1 heads, targets, body framing.
        .target(name: "TLSGateHTTP", swiftSettings: dataPath),
        // Host allowlists, address classes, violation codes.
        .target(name: "TLSGatePolicy", swiftSettings: dataPath),
        .target(name: "TLSGateAWS", dependencies: ["TLSGatePolicy", "TLSGateData"], swiftSettings: dataPath),
        // The AWS endpoint catalog and the Amazon roots, built into the binary (Plugins/EmbedData).
        .target(name: "TLSGateData", plugins: ["EmbedData"]),
        .executableTarget(name: "EmbedDataTool"),
        .plugin(name: "EmbedData", capability: .buildTool(), dependencies: ["EmbedDataTool"]),
        // The local CA for TLS interception: CA creation and validation, name constraints, leaf minting + LRU cache.
        .target(name: "TLSGateCA", dependencies: ["COpenSSL", "CShims", "TLSGateIO", "TLSGateTLS", "TLSGatePolicy"]),
        // JSON Lines audit records, redaction, the ordered writer (which seals lines into the chain).
        .target(name: "TLSGateAudit", dependencies: ["TLSGateEvidence"], swiftSettings: dataPath),
        // zlib from Debian's zlib1g-dev (reading rotated .gz audit files).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Audit evidence: the hash chain and signed checkpoints, and the auditor's tools over the
        // files (verify, summary, report).
        .target(name: "TLSGateEvidence", dependencies: ["COpenSSL", "CZlib", "TLSGateTLS"], swiftSettings: dataPath),
        // YAML configuration with line-accurate errors.
        .target(name: "TLSGateConfig", dependencies: [
            "TLSGatePolicy",
            .product(name: "Yams", package: "Yams"),
        ]),
        // Reaching upstreams: Happy Eyeballs racing and the parent proxy's CONNECT, as pure state machines.
        .target(name: "TLSGateEgress", dependencies: ["TLSGateHTTP"], swiftSettings: dataPath),
        // Sessions: forward (re-origination) and tunnel, the listener, the server.
        .target(name: "TLSGateProxy", dependencies: [
            "CShims", "TLSGateIO", "TLSGateTLS", "TLSGateHTTP", "TLSGatePolicy", "TLSGateAudit", "TLSGateConfig",
            "TLSGateAWS", "TLSGateMetrics", "TLSGateCA", "TLSGateEgress", "TLSGateHTTP2",
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: dataPath),
        // Prometheus metrics of the proxy (own registry; the global MetricsSystem is not bootstrapped).
        .target(name: "TLSGateMetrics", dependencies: [
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        // The admin HTTP endpoint: /healthz, /readyz, /metrics, /reload.
        .target(name: "TLSGateAdmin", dependencies: [
            "TLSGateIO", "TLSGateHTTP",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "tlsgate", dependencies: [
            "TLSGateProxy", "TLSGateConfig", "TLSGateTLS", "TLSGateAWS", "TLSGateAdmin", "TLSGateMetrics",
            "TLSGateAudit", "TLSGateIO", "TLSGatePolicy", "TLSGateCA", "TLSGateEgress", "TLSGateHTTP2", "TLSGateData", "TLSGateEvidence",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        .testTarget(name: "TLSGateIOTests", dependencies: ["TLSGateIO"]),
        .testTarget(name: "TLSGateHTTPTests", dependencies: ["TLSGateHTTP"]),
        .testTarget(name: "TLSGateHTTP2Tests", dependencies: ["TLSGateHTTP2", "TLSGateHTTP"], exclude: ["Support"]),
        .testTarget(name: "TLSGatePolicyTests", dependencies: ["TLSGatePolicy"]),
        .testTarget(name: "TLSGateAWSTests", dependencies: ["TLSGateAWS"]),
        .testTarget(name: "TLSGateDataTests", dependencies: ["TLSGateData", "TLSGateAWS", "TLSGateTLS"]),
        .testTarget(name: "TLSGateConfigTests", dependencies: ["TLSGateConfig"]),
        .testTarget(name: "TLSGateAuditTests", dependencies: ["TLSGateAudit"]),
        .testTarget(name: "TLSGateEvidenceTests", dependencies: ["TLSGateEvidence", "TLSGateAudit", "TLSGateTLS"]),
        .testTarget(name: "TLSGateTLSTests", dependencies: ["TLSGateTLS"], exclude: ["Fixtures"]),
        .testTarget(name: "TLSGateCATests", dependencies: ["TLSGateCA", "TLSGateTLS", "TLSGatePolicy"]),
        .testTarget(name: "TLSGateProxyTests", dependencies: ["TLSGateProxy"]),
        .testTarget(name: "TLSGateMetricsTests", dependencies: ["TLSGateMetrics"]),
        .testTarget(name: "TLSGateEgressTests", dependencies: ["TLSGateEgress"]),
        .testTarget(name: "TLSGateAdminTests", dependencies: [
            "TLSGateAdmin", "TLSGateIO",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Real processes on loopback: the built tlsgate binary, openssl s_server, curl, Python.
        .testTarget(name: "IntegrationTests", dependencies: [], exclude: ["Support"]),

        // libFuzzer targets: one file each defining LLVMFuzzerTestOneInput. Built with
        // `--sanitize=fuzzer` (libFuzzer supplies main); a plain build links them as no-op programs.
        .executableTarget(name: "FuzzHTTPHead", dependencies: ["TLSGateHTTP"], path: "Tests/Fuzz/FuzzHTTPHead"),
        .executableTarget(name: "FuzzChunked", dependencies: ["TLSGateHTTP"], path: "Tests/Fuzz/FuzzChunked"),
        .executableTarget(name: "FuzzClientHello", dependencies: ["TLSGateTLS"], path: "Tests/Fuzz/FuzzClientHello"),
        .executableTarget(name: "FuzzServerHello", dependencies: ["TLSGateTLS"], path: "Tests/Fuzz/FuzzServerHello"),
        .executableTarget(name: "FuzzConfig", dependencies: ["TLSGateConfig"], path: "Tests/Fuzz/FuzzConfig"),
    ],
    swiftLanguageModes: [.v6]
)
