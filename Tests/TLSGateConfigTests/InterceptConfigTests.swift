import Testing
import TLSGatePolicy
@testable import TLSGateConfig

@Suite struct InterceptConfigTests {
    func parse(_ yaml: String) throws -> TLSGateConfig {
        try TLSGateConfig.parse(yaml: yaml, file: "intercept.yaml")
    }

    func failure(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) -> ConfigError? {
        do {
            _ = try parse(yaml)
            Issue.record("accepted:\n\(yaml)", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error as? ConfigError
        }
    }

    @Test func defaults() {
        let intercept = TLSGateConfig.default.intercept
        #expect(!intercept.enabled)
        #expect(intercept.caCert == "certs/ca.pem" && intercept.caKey == "certs/ca-key.pem")
        #expect(intercept.hosts == nil)
        #expect(intercept.leafValidity == 7 * 86_400)
        #expect(intercept.maxCachedLeaves == 10_000)
    }

    @Test func allKeys() throws {
        let config = try parse("""
            intercept:
              enabled: true
              ca_cert: /etc/tlsgate/ca.pem
              ca_key: /etc/tlsgate/ca-key.pem
              hosts: ["*.s3.amazonaws.com", "STS.amazonaws.com."]
              leaf_validity: 2d
              max_cached_leaves: 50
            """)
        #expect(config.intercept.enabled)
        #expect(config.intercept.caCert == "/etc/tlsgate/ca.pem" && config.intercept.caKey == "/etc/tlsgate/ca-key.pem")
        #expect(config.intercept.hosts?.map(\.description) == ["*.s3.amazonaws.com", "sts.amazonaws.com"])
        #expect(config.intercept.leafValidity == 2 * 86_400)
        #expect(config.intercept.maxCachedLeaves == 50)
        #expect(try parse("intercept:\n  leaf_validity: 12h\n").intercept.leafValidity == 43_200)
        #expect(try parse("intercept:\n").intercept == InterceptSettings())
        #expect(try parse("intercept:\n  http2: true\n").intercept.http2)
        #expect(!InterceptSettings().http2)
    }

    @Test(arguments: [
        ("intercept:\n  enabled: yes\n", 2, "intercept.enabled: expected true or false, got \"yes\""),
        ("intercept:\n  hosts: []\n", 2, "intercept.hosts: expected at least one host pattern; remove the key"),
        ("intercept:\n  hosts:\n    - \"*.ok.test\"\n    - \"*\"\n", 4, "intercept.hosts[1]: '*' would match every host"),
        ("intercept:\n  hosts: \"*.aws\"\n", 2, "intercept.hosts: expected a list of host patterns"),
        ("intercept:\n  leaf_validity: 398d\n", 2, "intercept.leaf_validity: must be at most 397d, got \"398d\""),
        ("intercept:\n  leaf_validity: 30s\n", 2, "intercept.leaf_validity: must be at least 1m, got \"30s\""),
        ("intercept:\n  leaf_validity: week\n", 2, "intercept.leaf_validity: expected a duration"),
        ("intercept:\n  max_cached_leaves: 0\n", 2, "intercept.max_cached_leaves: expected a whole number from 1 to 1000000, got \"0\""),
        ("intercept:\n  ca_key: \"\"\n", 2, "intercept.ca_key: expected a path to the CA private key (PEM), got \"\""),
        ("intercept:\n  ca_cert:\n", 2, "intercept.ca_cert: expected a path to the CA certificate (PEM), got nothing (null)"),
        ("intercept: true\n", 1, "intercept: expected a mapping, got \"true\""),
        ("intercept:\n  http2: auto\n", 2, "intercept.http2: expected true or false, got \"auto\""),
    ])
    func badValues(yaml: String, line: Int, message: String) throws {
        let error = try #require(failure(yaml))
        #expect(error.line == line, "\(error)")
        #expect(error.message.hasPrefix(message), "\(error.message)")
    }

    @Test func unknownKeySuggests() throws {
        let error = try #require(failure("intercept:\n  enabled: true\n  ca_crt: x.pem\n"))
        #expect(error.line == 3)
        #expect(error.message.contains("unknown key 'intercept.ca_crt' (expected one of: enabled, ca_cert, ca_key, hosts, leaf_validity, max_cached_leaves, http2)"))
        #expect(error.message.hasSuffix("did you mean 'ca_cert'?"))
        let top = try #require(failure("intercpt:\n  enabled: true\n"))
        #expect(top.message.hasSuffix("did you mean 'intercept'?"))
    }

    @Test func daysOnlyWhereAllowed() throws {
        #expect(try #require(failure("timeouts:\n  idle: 2d\n")).message.contains("must be at most 24h"))
        #expect(try parse("timeouts:\n  idle: 1d\n").timeouts.idle == 86_400)
    }
}
