import CShims
import Glibc
import TLSGateIO

/// `proxy_auth`: checks `Proxy-Authorization: Basic` against a users file of crypt(3) hashes.
///
/// Hash checks are deliberately slow (SHA-512 crypt: thousands of rounds), and clients send the
/// header on every request, so successful credentials are remembered (bounded) by the exact
/// header value; a reload builds a new authenticator and forgets them.
public final class ProxyAuthenticator: @unchecked Sendable {
    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    public let realm: String
    private let users: [String: String]
    private let lock = Lock()
    private var verified: Set<String> = []
    private static let maxRemembered = 1024

    /// Reads `user:hash` lines (`#` comments and blank lines ignored).
    public init(usersFile: String, realm: String) throws(LoadError) {
        guard let text = ProxyAuthenticator.readFile(usersFile) else {
            throw LoadError(description: "proxy_auth.users_file: cannot read \(usersFile)")
        }
        var users: [String: String] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: " \t\r")
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                throw LoadError(description: "\(usersFile):\(index + 1): expected user:hash")
            }
            let user = String(line[..<colon])
            let hash = String(line[line.index(after: colon)...])
            guard hash.hasPrefix("$") else {
                throw LoadError(description: "\(usersFile):\(index + 1): '\(user)': expected a crypt(3) hash such as the output of `openssl passwd -6`")
            }
            users[user] = hash
        }
        guard !users.isEmpty else { throw LoadError(description: "\(usersFile): no users") }
        self.users = users
        self.realm = realm
    }

    /// The user name when `header` (the Proxy-Authorization value) is valid, else nil.
    public func authenticate(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "basic",
              let decoded = Base64.decode(String(parts[1]).trimmingCharacters(in: " \t")),
              let colon = decoded.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        let user = String(decoding: decoded[..<colon], as: UTF8.self)
        guard let hash = users[user] else { return nil }
        if lock.withLock({ verified.contains(header) }) { return user }
        let password = Array(decoded[(colon + 1)...]) + [0]
        let ok = password.withUnsafeBufferPointer { pw in
            pw.withMemoryRebound(to: CChar.self) { tg_crypt_verify($0.baseAddress, hash) == 1 }
        }
        guard ok else { return nil }
        lock.withLock {
            if verified.count >= Self.maxRemembered { verified.removeAll() }
            verified.insert(header)
        }
        return user
    }

    private static func readFile(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 1 << 20 {
            let n = fread(&chunk, 1, chunk.count, file)
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        let chars = Set(set)
        var slice = Substring(self)
        while let first = slice.first, chars.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, chars.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}

/// Standard base64 (RFC 4648) decoding for Basic credentials.
enum Base64 {
    static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var accumulator: UInt32 = 0
        var bits = 0
        var padding = 0
        for byte in text.utf8 {
            let value: UInt32
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(byte - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(byte - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"): value = 62
            case UInt8(ascii: "/"): value = 63
            case UInt8(ascii: "="):
                padding += 1
                continue
            default: return nil
            }
            if padding > 0 { return nil }
            accumulator = accumulator << 6 | value
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return padding <= 2 ? out : nil
    }
}
