import Testing
@testable import TLSGateConfig

/// `upstream.http2: auto | off`.
@Suite struct UpstreamHTTP2ConfigTests {
    func parse(_ yaml: String) throws -> TLSGateConfig {
        try TLSGateConfig.parse(yaml: yaml, file: "upstream.yaml")
    }

    @Test func defaultIsAuto() throws {
        #expect(TLSGateConfig.default.upstream.http2 == .auto)
        #expect(try parse("upstream:\n  connect_timeout: 3s\n").upstream.http2 == .auto)
    }

    @Test func autoAndOff() throws {
        #expect(try parse("upstream:\n  http2: auto\n").upstream.http2 == .auto)
        #expect(try parse("upstream:\n  http2: off\n").upstream.http2 == .off)
        #expect(try parse("upstream:\n  http2: \"off\"\n").upstream.http2 == .off)
    }

    @Test(arguments: [
        ("upstream:\n  http2: true\n", "upstream.http2: expected \"auto\" or \"off\", got \"true\""),
        ("upstream:\n  http2: of\n", "upstream.http2: expected \"auto\" or \"off\", got \"of\"; did you mean \"off\"?"),
        ("upstream:\n  http2:\n", "upstream.http2: expected \"auto\" or \"off\", got nothing (null)"),
    ])
    func badValues(yaml: String, message: String) throws {
        do {
            _ = try parse(yaml)
            Issue.record("accepted:\n\(yaml)")
        } catch let error as ConfigError {
            #expect(error.line == 2, "\(error)")
            #expect(error.message.hasPrefix(message), "\(error.message)")
        }
    }

    @Test func unknownUpstreamKeyListsHTTP2() throws {
        do {
            _ = try parse("upstream:\n  htp2: off\n")
            Issue.record("accepted")
        } catch let error as ConfigError {
            #expect(error.message.contains("no_proxy, proxy_credentials_file, proxy_credentials_env, http2") && error.message.contains("did you mean 'http2'"), "\(error.message)")
        }
    }
}
