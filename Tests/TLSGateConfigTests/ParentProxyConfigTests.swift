import Foundation
import Testing
import TLSGatePolicy
@testable import TLSGateConfig

/// `upstream.proxy`, `upstream.no_proxy`, `upstream.proxy_credentials_file` / `_env`.
@Suite struct ParentProxyConfigTests {
    static let password = "s3cret:with-colon"

    func parse(_ yaml: String) throws(ConfigError) -> TLSGateConfig {
        try TLSGateConfig.parse(yaml: yaml, file: "test.yaml")
    }

    func failure(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) -> ConfigError? {
        do {
            _ = try parse(yaml)
            Issue.record("accepted:\n\(yaml)", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    @Test func defaultIsDirect() {
        #expect(TLSGateConfig.default.upstream.proxy == nil)
        #expect(TLSGateConfig.default.upstream.noProxy.isEmpty)
    }

    @Test func parsesProxyAndNoProxy() throws {
        let config = try parse("""
            upstream:
              proxy: http://proxy.corp.example:3128/
              no_proxy: ["*.internal.example", "metadata.example"]
            """)
        #expect(config.upstream.proxy == ParentProxy(host: "proxy.corp.example", port: 3128))
        #expect(config.upstream.noProxy.allows("a.internal.example"))
        #expect(config.upstream.noProxy.allows("metadata.example"))
        #expect(!config.upstream.noProxy.allows("s3.amazonaws.com"))
        #expect(try parse("upstream:\n  proxy: http://[::1]:8888\n").upstream.proxy == ParentProxy(host: "::1", port: 8888))
        #expect(try parse("upstream:\n  proxy: http://10.0.0.1:8080\n").upstream.proxy?.authority == "10.0.0.1:8080")
    }

    @Test func inlineCredentialsAreKeptButNeverShown() throws {
        let config = try parse("upstream:\n  proxy: \"http://alice:s3cret%3Awith-colon@proxy:3128\"\n")
        let proxy = try #require(config.upstream.proxy)
        #expect(proxy.credentials == .inline(ParentCredentials(user: "alice", password: Self.password)))
        for text in [String(describing: proxy), String(reflecting: proxy), "\(config)", String(reflecting: config)] {
            #expect(!text.contains("s3cret"), "a description shows the password: \(text)")
        }
        #expect(String(describing: proxy).contains("alice"))
    }

    @Test func credentialsFileAndEnvironment() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tg-parent-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("creds").path
        try Data("bob:\(Self.password)\n".utf8).write(to: URL(fileURLWithPath: file))
        chmod(file, 0o600)
        let config = try parse("upstream:\n  proxy: http://proxy:3128\n  proxy_credentials_file: \"\(file)\"\n")
        #expect(config.upstream.proxy?.credentials == .file(file))
        #expect(try config.upstream.proxy?.credentials?.load() == ParentCredentials(user: "bob", password: Self.password))

        chmod(file, 0o644)
        do {
            _ = try config.upstream.proxy?.credentials?.load()
            Issue.record("a world-readable credentials file was accepted")
        } catch {
            #expect(error.message.contains("chmod 600") && !error.message.contains("s3cret"), "\(error)")
        }

        let env = try parse("upstream:\n  proxy: http://proxy:3128\n  proxy_credentials_env: TG_PARENT\n")
        #expect(env.upstream.proxy?.credentials == .environment("TG_PARENT"))
        let fromEnv = try env.upstream.proxy?.credentials?.load(environment: { $0 == "TG_PARENT" ? "carol:\(Self.password)" : nil })
        #expect(fromEnv == ParentCredentials(user: "carol", password: Self.password))
        do {
            _ = try env.upstream.proxy?.credentials?.load(environment: { _ in nil })
            Issue.record("an unset variable was accepted")
        } catch {
            #expect(error.message.contains("TG_PARENT is not set"), "\(error)")
        }
        do {
            _ = try env.upstream.proxy?.credentials?.load(environment: { _ in "nocolons3cret" })
            Issue.record("credentials without a colon were accepted")
        } catch {
            #expect(!error.message.contains("s3cret"), "the error quotes the secret: \(error)")
        }
    }

    @Test(arguments: [
        ("upstream:\n  proxy: https://proxy:3128\n", "an https:// parent is not supported"),
        ("upstream:\n  proxy: socks5://proxy:1080\n", "expected http://[user:password@]host:port"),
        ("upstream:\n  proxy: http://proxy\n", "give the parent's port"),
        ("upstream:\n  proxy: http://proxy:3128/path\n", "no path or query"),
        ("upstream:\n  proxy: http://proxy:99999\n", "port must be a number"),
        ("upstream:\n  proxy: \"http://:pw@proxy:3128\"\n", "credentials in the URL must be user:password"),
        ("upstream:\n  proxy_credentials_env: X\n", "need upstream.proxy"),
        ("upstream:\n  proxy: http://proxy:3128\n  proxy_credentials_env: \"A-B\"\n", "expected a variable name"),
        ("upstream:\n  proxy: \"http://u:p@proxy:3128\"\n  proxy_credentials_env: X\n", "give the parent's credentials one way"),
        ("upstream:\n  proxy: http://proxy:3128\n  proxy_credentials_file: /nonexistent/creds\n", "cannot read \"/nonexistent/creds\""),
        ("upstream:\n  no_proxy: [\"a.*.test\"]\n", "upstream.no_proxy[0]"),
    ])
    func rejects(yaml: String, message: String) {
        guard let error = failure(yaml) else { return }
        #expect(error.description.contains(message), "\(error)")
        #expect(!error.description.contains(":pw@") && !error.description.contains("u:p@"), "the error shows credentials: \(error)")
    }
}

/// `upstream.resolve` values may be a list of addresses (Happy Eyeballs races them).
@Suite struct ResolveListConfigTests {
    @Test func listOfAddresses() throws {
        let config = try TLSGateConfig.parse(yaml: """
            upstream:
              resolve:
                a.example.test: ["127.0.0.1:8443", "[::1]:8444"]
                b.example.test: 127.0.0.2
            """, file: "t.yaml")
        #expect(config.upstream.resolve.lookupAll("a.example.test")
                == [UpstreamTarget(host: "127.0.0.1", port: 8443), UpstreamTarget(host: "::1", port: 8444)])
        #expect(config.upstream.resolve.lookupAll("b.example.test") == [UpstreamTarget(host: "127.0.0.2")])
        do {
            _ = try TLSGateConfig.parse(yaml: "upstream:\n  resolve:\n    a.test: []\n", file: "t.yaml")
            Issue.record("an empty list was accepted")
        } catch {
            #expect(error.description.contains("give 1 to 16 addresses"), "\(error)")
        }
        do {
            _ = try TLSGateConfig.parse(yaml: "upstream:\n  resolve:\n    a.test: [\"127.0.0.1\", \"bad host!\"]\n", file: "t.yaml")
            Issue.record("a bad address in the list was accepted")
        } catch {
            #expect(error.description.contains("t.yaml:3"), "\(error)")
        }
    }
}
