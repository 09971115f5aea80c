import Dispatch
import Foundation
import Testing
import TLSGateIO
@testable import TLSGateProxy
import TLSGatePolicy
import TLSGateTLS
import TLSGateAudit
import Logging

@Suite struct OutputQueueTests {
    @Test func chunksDrainInOrderAcrossPartialWrites() {
        var queue = OutputQueue()
        queue.append([1, 2, 3])
        queue.append([])
        queue.append([4, 5])
        #expect(queue.hasSingleChunk == false)
        var seen: [UInt8] = []
        while !queue.isEmpty {
            let taken = queue.withFront { ptr, count -> Int in
                let n = min(2, count)   // a socket that takes two bytes at a time
                seen.append(contentsOf: UnsafeRawBufferPointer(start: ptr, count: n))
                return n
            }
            queue.consume(taken)
        }
        #expect(seen == [1, 2, 3, 4, 5])
    }

    @Test func appendsWhileSendingKeepTheirOrder() {
        var queue = OutputQueue()
        #expect(queue.isEmpty && queue.frontCount == 0)
        queue.append([1, 2])
        #expect(queue.hasSingleChunk && queue.frontCount == 2)
        queue.consume(1)
        queue.append([3])                    // queued behind the partly sent chunk
        queue.append([4, 5])
        #expect(!queue.hasSingleChunk && queue.frontCount == 1)
        var seen: [UInt8] = []
        while !queue.isEmpty {
            seen.append(contentsOf: queue.withFront { ptr, count in Array(UnsafeRawBufferPointer(start: ptr, count: count)) })
            queue.consume(queue.frontCount)
            if seen.count == 2 { queue.append([6]) }   // appended after the earlier chunks drained
        }
        #expect(seen == [2, 3, 4, 5, 6])
        queue.append([7])
        queue.removeAll()
        #expect(queue.isEmpty && queue.frontCount == 0)
    }
}

@Suite struct LimitsBookkeepingTests {
    @Test func upstreamSlotsCapPerHost() {
        let slots = UpstreamSlots()
        let a = slots.counter("a.example")
        #expect(a.acquire(limit: 2))
        #expect(slots.counter("a.example").acquire(limit: 2), "one counter per host")
        #expect(!a.acquire(limit: 2))
        #expect(slots.counter("b.example").acquire(limit: 2), "hosts are counted separately")
        a.release()
        #expect(a.acquire(limit: 2))
        #expect(a.count == 2)
        let c = slots.counter("c.example")
        #expect(c.acquire(limit: 0) && c.acquire(limit: 0), "0 = no cap")
    }

    @Test func unusedHostCountersAreSweptButHeldAndBusyOnesStay() {
        let slots = UpstreamSlots()
        let held = slots.counter("held.example")            // a session keeps this one
        #expect(slots.counter("busy.example").acquire(limit: 5))   // a connection counts on this one
        #expect(slots.counter("held.example") === held, "one counter per host")
        for i in 0..<(UpstreamSlots.sweepAbove + 10) { _ = slots.counter("h\(i).example") }
        // Reaching the bound swept the unused ones; the held and the busy counters survived.
        #expect(slots.counterCount < UpstreamSlots.sweepAbove)
        #expect(slots.counter("held.example") === held)
        #expect(slots.counter("busy.example").count == 1)
        #expect(held.acquire(limit: 1) && !held.acquire(limit: 1), "a held counter still counts")
    }

    @Test func registryAdmitsWithinTotalAndPerClientLimits() throws {
        let loop = try EventLoop(name: "test")
        defer { loop.stop() }
        let registry = ConnectionRegistry(loops: [loop])
        let one = IPAddress(parsing: "127.0.0.1")
        let two = IPAddress(parsing: "127.0.0.2")
        let a = ConnectionSlot(client: one, loopIndex: 0, registry: registry)
        let b = ConnectionSlot(client: one, loopIndex: 0, registry: registry)
        let c = ConnectionSlot(client: two, loopIndex: 0, registry: registry)
        let d = ConnectionSlot(client: two, loopIndex: 0, registry: registry)
        #expect(registry.admit(a, maxTotal: 3, maxPerClient: 1) == .admitted)
        #expect(registry.admit(b, maxTotal: 3, maxPerClient: 1) == .overPerClient)
        #expect(registry.admit(c, maxTotal: 3, maxPerClient: 2) == .admitted)
        #expect(registry.admit(d, maxTotal: 2, maxPerClient: 2) == .overTotal)
        registry.remove(a)
        registry.remove(a)   // idempotent
        #expect(registry.count == 1)
        #expect(registry.admit(b, maxTotal: 3, maxPerClient: 1) == .admitted)
    }
}

@Suite struct ProxyAuthenticatorTests {
    /// A users file with a real SHA-512 crypt hash made by `openssl passwd -6`.
    func usersFile() throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["passwd", "-6", "-salt", "testsalt", "s3cret:pw"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        let hash = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let path = NSTemporaryDirectory() + "tlsgate-users-\(getpid())"
        try "# users\nalice:\(hash)\n".write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func basic(_ credentials: String) -> String {
        "Basic " + Data(credentials.utf8).base64EncodedString()
    }

    @Test func acceptsOnlyTheRightPassword() throws {
        let path = try usersFile()
        defer { unlink(path) }
        let auth = try ProxyAuthenticator(usersFile: path, realm: "test")
        #expect(auth.authenticate(basic("alice:s3cret:pw")) == "alice", "passwords may contain colons")
        #expect(auth.authenticate(basic("alice:s3cret:pw")) == "alice", "remembered")
        #expect(auth.authenticate(basic("alice:wrong")) == nil)
        #expect(auth.authenticate(basic("bob:s3cret:pw")) == nil)
        #expect(auth.authenticate("Bearer abc") == nil)
        #expect(auth.authenticate("Basic !!!") == nil)
        #expect(auth.authenticate(nil) == nil)
    }

    @Test func rejectsMalformedUsersFiles() throws {
        let path = NSTemporaryDirectory() + "tlsgate-badusers-\(getpid())"
        defer { unlink(path) }
        try "alice:plaintext\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ProxyAuthenticator.LoadError.self) { try ProxyAuthenticator(usersFile: path, realm: "x") }
        #expect(throws: ProxyAuthenticator.LoadError.self) { try ProxyAuthenticator(usersFile: "/nonexistent", realm: "x") }
    }

    @Test func base64MatchesFoundation() {
        for text in ["", "a", "ab", "abc", "alice:secret", String(repeating: "x", count: 100)] {
            let encoded = Data(text.utf8).base64EncodedString()
            #expect(Base64.decode(encoded) == Array(text.utf8), "\(text)")
        }
        #expect(Base64.decode("a=b") == nil)
    }
}

@Suite struct UpstreamPoolKeyTests {
    private func environment() throws -> ProxyEnvironment {
        ProxyEnvironment(settings: ProxySettings(), tls: try TLSContext(client: TLSClientConfiguration()),
                         audit: try AuditLog(path: nil), logger: Logger(label: "test"))
    }

    /// A reload frees the old environment once no session uses it; if a pooled connection's key
    /// only held its address, the next environment allocated there would match that key.
    @Test func aKeyKeepsItsEnvironmentAliveAndMatchesOnlyIt() throws {
        weak var released: ProxyEnvironment?
        var key: UpstreamPool.Key?
        do {
            let env = try environment()
            released = env
            key = UpstreamPool.Key(host: "example.com", port: 443, environment: env)
        }
        #expect(released != nil, "the pooled key must keep its environment (and so its identity) alive")
        let other = try environment()
        #expect(key != UpstreamPool.Key(host: "example.com", port: 443, environment: other))
        #expect(key == key.map { UpstreamPool.Key(host: "example.com", port: 443, environment: $0.environment) })
        key = nil
        #expect(released == nil)
    }
}

@Suite struct HostVerdictCacheTests {
    private func environment() throws -> ProxyEnvironment {
        ProxyEnvironment(settings: ProxySettings(), tls: try TLSContext(client: TLSClientConfiguration()),
                         audit: try AuditLog(path: nil), logger: Logger(label: "test"))
    }

    @Test func verdictsAreSharedPerHostAndEnvironment() throws {
        let env = try environment()
        let cache = HostVerdictCache()
        let s3 = cache.verdict(for: "s3.us-east-1.amazonaws.com", under: env)
        #expect(cache.verdict(for: "s3.us-east-1.amazonaws.com", under: env) === s3)
        #expect(s3.hostViolation == nil, "the default allowlist admits AWS hosts")
        let other = cache.verdict(for: "example.com", under: env)
        #expect(other.hostViolation == .hostNotAllowed)
        #expect(other.slots === env.upstreamSlots.counter("example.com"), "one slot counter per host")
        #expect(other.poolKey(port: 443) == UpstreamPool.Key(host: "example.com", port: 443, environment: env))
        #expect(other.poolKey(port: 8443).port == 8443)
    }

    /// After a reload no verdict made under the old settings is handed out, and the cache lets
    /// go of the old environment.
    @Test func aNewEnvironmentStartsTheCacheOver() throws {
        let cache = HostVerdictCache()
        weak var old: ProxyEnvironment?
        var first: HostVerdict?
        do {
            let env = try environment()
            old = env
            first = cache.verdict(for: "a.example", under: env)
            _ = cache.verdict(for: "b.example", under: env)
        }
        let fresh = try environment()
        let again = cache.verdict(for: "a.example", under: fresh)
        #expect(again !== first)
        #expect(again.environment === fresh)
        #expect(cache.count == 1)
        first = nil
        #expect(old == nil)
    }

    @Test func theCacheIsBounded() throws {
        let env = try environment()
        let cache = HostVerdictCache()
        for i in 0..<(HostVerdictCache.capacity * 3) { _ = cache.verdict(for: "h\(i).example", under: env) }
        #expect(cache.count <= HostVerdictCache.capacity)
    }
}
