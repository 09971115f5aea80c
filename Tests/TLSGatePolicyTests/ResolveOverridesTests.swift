import Testing
@testable import TLSGatePolicy

@Suite struct ResolveOverridesTests {
    @Test func targets() throws {
        #expect(try UpstreamTarget(parsing: "127.0.0.1:8443") == UpstreamTarget(host: "127.0.0.1", port: 8443))
        #expect(try UpstreamTarget(parsing: "vpce-1.s3.us-east-1.vpce.amazonaws.com")
                == UpstreamTarget(host: "vpce-1.s3.us-east-1.vpce.amazonaws.com", port: nil))
        #expect(try UpstreamTarget(parsing: "[::1]:8443") == UpstreamTarget(host: "::1", port: 8443))
        #expect(try UpstreamTarget(parsing: "[::1]") == UpstreamTarget(host: "::1", port: nil))
        #expect(try UpstreamTarget(parsing: "::1") == UpstreamTarget(host: "::1", port: nil))
        #expect(try UpstreamTarget(parsing: "Host.Example:1") == UpstreamTarget(host: "host.example", port: 1))
        #expect(try UpstreamTarget(parsing: "[::1]:8443").description == "[::1]:8443")
        #expect(try UpstreamTarget(parsing: "a.b:65535").description == "a.b:65535")
        #expect(try UpstreamTarget(parsing: "10.0.0.1").address == .v4(0x0A00_0001))
        for bad in ["", "host:", "host:0", "host:65536", "host:+1", "host:x", "[::1", "[::1]x", "[nothost]:1",
                    "a b", "a..b:1", "::1:8443:x:y:z:q:r:s:t", "host:1:2"] {
            #expect(throws: TargetError.self, "\(bad)") { try UpstreamTarget(parsing: bad) }
        }
    }

    @Test func precedence() throws {
        let overrides = ResolveOverrides([
            (try HostPattern("*.example.test"), UpstreamTarget(host: "10.0.0.1", port: 1)),
            (try HostPattern("*.deep.example.test"), UpstreamTarget(host: "10.0.0.2", port: 2)),
            (try HostPattern("exact.deep.example.test"), UpstreamTarget(host: "10.0.0.3", port: 3)),
            (try HostPattern("example.test"), UpstreamTarget(host: "10.0.0.4", port: nil)),
        ])
        #expect(overrides.lookup("a.example.test")?.port == 1)
        #expect(overrides.lookup("a.b.example.test")?.port == 1)
        #expect(overrides.lookup("x.deep.example.test")?.port == 2)  // longest suffix wins
        #expect(overrides.lookup("y.x.deep.example.test")?.port == 2)
        #expect(overrides.lookup("deep.example.test")?.port == 1)  // *.deep... does not match deep itself
        #expect(overrides.lookup("EXACT.deep.example.test.")?.port == 3)  // exact beats wildcards
        #expect(overrides.lookup("example.test")?.host == "10.0.0.4")
        #expect(overrides.lookup("other.test") == nil)
        #expect(overrides.lookup("evilexample.test") == nil)
        #expect(ResolveOverrides().lookup("a.example.test") == nil)
        #expect(overrides.entries.count == 4)
    }

    @Test func laterDuplicateReplaces() throws {
        let overrides = ResolveOverrides([
            (try HostPattern("a.test"), UpstreamTarget(host: "1.1.1.1")),
            (try HostPattern("A.test."), UpstreamTarget(host: "2.2.2.2")),
        ])
        #expect(overrides.entries.count == 1)
        #expect(overrides.lookup("a.test")?.host == "2.2.2.2")
    }
}

@Suite struct EgressPolicyTests {
    @Test func defaults() throws {
        let policy = EgressPolicy.default
        #expect(policy.mode == .enforce)
        #expect(policy.checkHost("s3.amazonaws.com") == nil)
        #expect(policy.checkHost("example.com") == .hostNotAllowed)
        #expect(policy.checkConnectPort(443) == nil)
        #expect(policy.checkConnectPort(22) == .portNotAllowed)
        let local = try #require(IPAddress(parsing: "127.0.0.1"))
        let metadata = try #require(IPAddress(parsing: "169.254.169.254"))
        let publicIP = try #require(IPAddress(parsing: "52.216.0.1"))
        #expect(policy.checkAddress(local, viaOverride: false) == .privateAddress)
        #expect(policy.checkAddress(metadata, viaOverride: false) == .privateAddress)
        #expect(policy.checkAddress(local, viaOverride: true) == nil)
        #expect(policy.checkAddress(publicIP, viaOverride: false) == nil)
        var open = policy
        open.denyPrivateAddresses = false
        #expect(open.checkAddress(local, viaOverride: false) == nil)
    }

    @Test func violationCodes() {
        let raw = ViolationCode.allCases.map(\.rawValue)
        #expect(raw == ["host_not_allowed", "port_not_allowed", "private_address", "cert_untrusted",
                        "cert_name_mismatch", "legacy_tls_negotiated", "legacy_tls_offered",
                        "upstream_unreachable", "tls_fallback_scsv", "sni_mismatch", "sni_missing",
                        "sni_ip_literal", "not_tls", "downgrade_sentinel", "weak_cipher", "handshake_alert",
                        "non_fips_endpoint", "unknown_aws_endpoint", "sigv4_scope_mismatch",
                        "client_not_allowed", "proxy_auth_required", "insecure_redirect", "host_header_mismatch"])
        for code in ViolationCode.allCases {
            #expect(!code.summary.isEmpty && !code.summary.contains("\n"))
        }
        #expect(Set(ViolationCode.allCases.map(\.summary)).count == ViolationCode.allCases.count)
        #expect(PolicyMode(rawValue: "report") == .report)
    }
}
