import TLSGatePolicy

/// `upstream.proxy`: a parent (corporate) HTTP proxy that tlsgate reaches upstreams through with
/// `CONNECT`. Only its address and where its credentials come from are kept here; a password
/// never appears in `description`, `debugDescription` or a mirror of this value.
public struct ParentProxy: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Host name or IP literal (IPv6 without brackets).
    public var host: String
    public var port: Int
    /// Where the `Proxy-Authorization: Basic` credentials come from; nil = none sent.
    public var credentials: ParentCredentialSource?

    public init(host: String, port: Int, credentials: ParentCredentialSource? = nil) {
        self.host = host
        self.port = port
        self.credentials = credentials
    }

    /// Parses `http://[user:pass@]host:port[/]`. Only `http` (CONNECT over plain TCP, as HTTP
    /// proxies speak it); the port is required.
    public init(parsing text: String) throws(ValueError) {
        func fail(_ message: String) -> ValueError { ValueError(message) }
        guard text.utf8.count <= 1024 else { throw fail("the URL is too long") }
        let lower = text.lowercased()
        guard lower.hasPrefix("http://") else {
            if lower.hasPrefix("https://") {
                throw fail("an https:// parent is not supported; give its plain http:// CONNECT port, e.g. http://proxy.corp:3128")
            }
            throw fail("expected http://[user:password@]host:port, e.g. http://proxy.corp:3128")
        }
        var rest = Substring(text.dropFirst(7))
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("/"), !rest.contains("?"), !rest.contains("#") else {
            throw fail("a proxy URL has no path or query: expected http://[user:password@]host:port")
        }
        var userinfo: Substring?
        if let at = rest.lastIndex(of: "@") {
            userinfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
        }
        let target: UpstreamTarget
        do {
            target = try UpstreamTarget(parsing: String(rest))
        } catch {
            // The target error quotes only the host part (never the user info).
            throw fail(error.message)
        }
        guard let port = target.port else {
            throw fail("give the parent's port, e.g. http://\(rest):3128")
        }
        host = target.host
        self.port = port
        if let userinfo {
            guard let colon = userinfo.firstIndex(of: ":"),
                  let user = Self.percentDecode(userinfo[..<colon]), !user.isEmpty,
                  let password = Self.percentDecode(userinfo[userinfo.index(after: colon)...]) else {
                throw fail("credentials in the URL must be user:password (percent-encoded); better: upstream.proxy_credentials_file")
            }
            credentials = .inline(ParentCredentials(user: user, password: password))
        } else {
            credentials = nil
        }
    }

    /// `host:port` (IPv6 bracketed): what logs and errors name.
    public var authority: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// `http://host:port`, with where credentials come from but never the password.
    public var description: String {
        guard let credentials else { return "http://\(authority)" }
        return "http://\(authority) (credentials: \(credentials))"
    }

    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }

    /// RFC 3986 percent-decoding of a user-info part; nil on a malformed escape or bad UTF-8.
    static func percentDecode(_ text: Substring) -> String? {
        var out: [UInt8] = []
        var bytes = text.utf8.makeIterator()
        while let byte = bytes.next() {
            guard byte == UInt8(ascii: "%") else { out.append(byte); continue }
            guard let high = bytes.next().flatMap(hexValue), let low = bytes.next().flatMap(hexValue) else { return nil }
            out.append(high << 4 | low)
        }
        let decoded = String(decoding: out, as: UTF8.self)
        return Array(decoded.utf8) == out ? decoded : nil
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// Where the parent proxy's credentials come from.
public enum ParentCredentialSource: Sendable, Equatable, CustomStringConvertible {
    /// `user:password@` in `upstream.proxy` itself.
    case inline(ParentCredentials)
    /// `upstream.proxy_credentials_file`: a file whose first line is `user:password`.
    case file(String)
    /// `upstream.proxy_credentials_env`: the name of an environment variable holding `user:password`.
    case environment(String)

    public var description: String {
        switch self {
        case .inline(let credentials): return "user \(credentials.user) in the URL"
        case .file(let path): return "file \(path)"
        case .environment(let name): return "environment variable \(name)"
        }
    }
}

/// A user name and password for the parent proxy. Its descriptions show the user only.
public struct ParentCredentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let user: String
    public let password: String

    public init(user: String, password: String) {
        self.user = user
        self.password = password
    }

    /// Parses `user:password` (the first colon separates; the password may contain colons).
    /// Errors never quote the text.
    public init(parsing text: String, source: String) throws(ValueError) {
        var line = Substring(text)
        if let newline = line.firstIndex(where: { $0 == "\n" || $0 == "\r\n" }) { line = line[..<newline] }
        while line.last == "\r" || line.last == " " || line.last == "\t" { line = line.dropLast() }
        guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
            throw ValueError("\(source): expected one line user:password")
        }
        let user = String(line[..<colon]), password = String(line[line.index(after: colon)...])
        guard !user.contains(where: { $0.isWhitespace }),
              !user.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }),
              !password.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
            throw ValueError("\(source): the user name or password contains control characters or spaces")
        }
        self.init(user: user, password: password)
    }

    public var description: String { "\(user):<redacted>" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["user": user]) }
}

#if canImport(Glibc)
import Glibc
#endif

extension ParentCredentialSource {
    /// Reads the credentials (file or environment; inline ones are at hand). `environment` looks a
    /// variable up (`getenv` by default). Errors name the source, never its contents. A file others
    /// may read or write is refused (`chmod 600`).
    public func load(environment: (String) -> String? = { getenv($0).map { String(cString: $0) } })
        throws(ValueError) -> ParentCredentials {
        switch self {
        case .inline(let credentials):
            return credentials
        case .environment(let name):
            guard let value = environment(name), !value.isEmpty else {
                throw ValueError("upstream.proxy_credentials_env: the environment variable \(name) is not set")
            }
            return try ParentCredentials(parsing: value, source: "environment variable \(name)")
        case .file(let path):
            var info = stat()
            guard stat(path, &info) == 0 else {
                throw ValueError("upstream.proxy_credentials_file: cannot read \"\(path)\": \(FileAccess.errorText(errno))")
            }
            if info.st_mode & 0o006 != 0 {
                throw ValueError("upstream.proxy_credentials_file: \"\(path)\" is readable or writable by other users; chmod 600 it")
            }
            let bytes: [UInt8]
            switch FileAccess.readFile(path) {
            case .success(let read): bytes = read
            case .failure(let problem):
                throw ValueError("upstream.proxy_credentials_file: cannot read \"\(path)\": \(problem.message)")
            }
            return try ParentCredentials(parsing: String(decoding: bytes, as: UTF8.self), source: "upstream.proxy_credentials_file \"\(path)\"")
        }
    }
}
