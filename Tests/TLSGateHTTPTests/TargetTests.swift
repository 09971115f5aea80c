import Testing
@testable import TLSGateHTTP

@Suite struct TargetTests {
    struct URICase: Sendable, CustomTestStringConvertible {
        let target: String
        let scheme: String
        let userInfo: String?
        let host: String
        let port: Int?
        let path: String
        var testDescription: String { target }
    }

    static let valid: [URICase] = [
        .init(target: "http://s3.us-east-1.amazonaws.com/bucket/key", scheme: "http", userInfo: nil,
              host: "s3.us-east-1.amazonaws.com", port: nil, path: "/bucket/key"),
        .init(target: "HTTP://Example.COM/", scheme: "http", userInfo: nil, host: "Example.COM", port: nil, path: "/"),
        .init(target: "https://example.com", scheme: "https", userInfo: nil, host: "example.com", port: nil, path: "/"),
        .init(target: "http://example.com?q=1", scheme: "http", userInfo: nil, host: "example.com", port: nil, path: "/?q=1"),
        .init(target: "http://example.com:8080/a?b=c&d=%20e", scheme: "http", userInfo: nil, host: "example.com",
              port: 8080, path: "/a?b=c&d=%20e"),
        .init(target: "http://example.com/a#frag", scheme: "http", userInfo: nil, host: "example.com", port: nil, path: "/a"),
        .init(target: "http://example.com#frag", scheme: "http", userInfo: nil, host: "example.com", port: nil, path: "/"),
        .init(target: "http://user:pa%40ss@example.com:81/x", scheme: "http", userInfo: "user:pa%40ss",
              host: "example.com", port: 81, path: "/x"),
        .init(target: "http://[::1]:8080/x", scheme: "http", userInfo: nil, host: "::1", port: 8080, path: "/x"),
        .init(target: "http://[2001:db8::1]/", scheme: "http", userInfo: nil, host: "2001:db8::1", port: nil, path: "/"),
        .init(target: "http://[::ffff:192.0.2.1]", scheme: "http", userInfo: nil, host: "::ffff:192.0.2.1", port: nil, path: "/"),
        .init(target: "http://127.0.0.1:65535/", scheme: "http", userInfo: nil, host: "127.0.0.1", port: 65535, path: "/"),
        .init(target: "http://example.com:/p", scheme: "http", userInfo: nil, host: "example.com", port: nil, path: "/p"),
        .init(target: "http://my_host.internal/p;x", scheme: "http", userInfo: nil, host: "my_host.internal", port: nil, path: "/p;x"),
        .init(target: "http://h/a/../b//c", scheme: "http", userInfo: nil, host: "h", port: nil, path: "/a/../b//c"),
    ]

    @Test(arguments: valid)
    func absoluteURI(c: URICase) throws {
        let u = try #require(AbsoluteURI.parse(c.target))
        #expect(u.scheme == c.scheme)
        #expect(u.userInfo == c.userInfo)
        #expect(u.host == c.host)
        #expect(u.port == c.port)
        #expect(u.pathAndQuery == c.path)
    }

    @Test(arguments: [
        "/relative", "example.com:443", "ftp://example.com/", "ws://example.com/", "http:/example.com/",
        "http://", "http:///path", "http://:80/", "http://example.com:0/", "http://example.com:65536/",
        "http://example.com:99999/", "http://example.com:8a/", "http://example.com:-1/", "http://example.com:+80/",
        "http://example.com:000080/", "http://[::1/", "http://[::1]x/", "http://[]/", "http://[1]/",
        "http://[fe80::1%25eth0]/", "http://[v1.fe]/", "http://exa mple.com/", "http://exa%2Dmple.com/",
        "http://example.com\\@evil.com/", "http://ex!ample.com/", "http://user@/", "http://example.com/\u{7F}",
        "http://example.com/caf\u{E9}", "", "*",
    ])
    func absoluteURIRefused(target: String) {
        #expect(AbsoluteURI.parse(target) == nil, "\(target.debugDescription)")
    }

    @Test func ambiguousUserInfoRefused() {
        #expect(AbsoluteURI.parse("http://a@b@example.com/") == nil)
        #expect(AbsoluteURI.parse("http://a:b@example.com/")?.userInfo == "a:b")
    }

    /// The Host value the proxy adds to a request that has none must name the same host as the
    /// target: IPv6 literals in brackets, with or without a port (found by the head fuzzer).
    @Test(arguments: [
        ("http://example.test/x", "example.test"),
        ("http://example.test:8080/", "example.test:8080"),
        ("http://[::1]/", "[::1]"),
        ("http://[::1]?q", "[::1]"),
        ("http://[2001:db8::7]:8443/", "[2001:db8::7]:8443"),
        ("http://10.0.0.1:81/", "10.0.0.1:81"),
    ])
    func hostHeaderValueNamesTheTargetsHost(target: String, expected: String) throws {
        let uri = try #require(AbsoluteURI.parse(target))
        #expect(uri.hostHeaderValue == expected)
        #expect(uri.matchesHostHeader(uri.hostHeaderValue))
    }

    @Test func effectivePort() throws {
        #expect(try #require(AbsoluteURI.parse("http://h/")).effectivePort == 80)
        #expect(try #require(AbsoluteURI.parse("https://h/")).effectivePort == 443)
        #expect(try #require(AbsoluteURI.parse("http://h:8080/")).effectivePort == 8080)
    }

    @Test(arguments: [
        ("http://s3.amazonaws.com/x", "s3.amazonaws.com", true),
        ("http://s3.amazonaws.com/x", "S3.AmazonAWS.com", true),
        ("http://s3.amazonaws.com/x", "s3.amazonaws.com:80", true),
        ("http://s3.amazonaws.com/x", "s3.amazonaws.com:443", false),
        ("http://s3.amazonaws.com:8080/x", "s3.amazonaws.com:8080", true),
        ("http://s3.amazonaws.com:8080/x", "s3.amazonaws.com", false),
        ("https://h/x", "h:443", true),
        ("http://h/x", "evil.com", false),
        ("http://[::1]:9000/", "[::1]:9000", true),
        ("http://h/x", "h x", false),
        ("http://h/x", "", false),
    ])
    func hostHeaderMatch(target: String, host: String, expected: Bool) throws {
        #expect(try #require(AbsoluteURI.parse(target)).matchesHostHeader(host) == expected)
    }

    @Test(arguments: [
        ("example.com:443", "example.com", 443),
        ("s3.us-east-1.amazonaws.com:443", "s3.us-east-1.amazonaws.com", 443),
        ("[::1]:443", "::1", 443),
        ("[2001:db8::a]:8443", "2001:db8::a", 8443),
        ("10.0.0.1:1", "10.0.0.1", 1),
        ("Example.COM:65535", "Example.COM", 65535),
    ])
    func authority(text: String, host: String, port: Int) throws {
        let a = try #require(Authority.parse(text))
        #expect(a.host == host)
        #expect(a.port == port)
    }

    @Test(arguments: [
        "example.com", "example.com:", ":443", "example.com:0", "example.com:65536", "example.com:443/",
        "user@example.com:443", "[::1]", "::1:443", "[::1]443", "example.com:44x", "http://example.com:443",
        "exa mple.com:443", "example.com:443:443", "", "[::1]:", "example.com: 443",
    ])
    func authorityRefused(text: String) {
        #expect(Authority.parse(text) == nil, "\(text.debugDescription)")
    }

    @Test func authorityText() {
        #expect(Authority(host: "::1", port: 443).text == "[::1]:443")
        #expect(Authority(host: "a.b", port: 80).text == "a.b:80")
    }
}
