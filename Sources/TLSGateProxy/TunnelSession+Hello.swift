import TLSGateAudit
import TLSGateIO
import TLSGatePolicy
import TLSGateTLS

extension TunnelSession {
    /// Buffers client bytes until a whole ClientHello is there, then applies the client checks.
    func readClientHello() -> Bool {
        var progress = false
        while true {
            switch ClientHelloParser.parse(UnsafeRawBufferPointer(start: clientBuffer.readPointer,
                                                                   count: min(clientBuffer.readableCount, ClientHelloParser.maxBufferedBytes))) {
            case .complete(let hello):
                inspectClientHello(hello)
                return true
            case .notTLS(let why):
                notTLS("client sent non-TLS bytes: \(why)")
                return true
            case .malformed(let why):
                notTLS("malformed ClientHello: \(why)")
                return true
            case .tooLarge:
                notTLS("ClientHello larger than \(ClientHelloParser.maxBufferedBytes) bytes")
                return true
            case .needMoreData:
                if clientBuffer.readableCount >= ClientHelloParser.maxBufferedBytes {
                    notTLS("ClientHello larger than \(ClientHelloParser.maxBufferedBytes) bytes")
                    return true
                }
            }
            guard clientReadable else { return progress }
            if clientBuffer.writableCount == 0 { clientBuffer.compact() }
            switch readForHello(client.fd, into: clientBuffer) {
            case .endOfStream:
                if clientBuffer.isEmpty {
                    close(reason: "client closed before sending a ClientHello")
                } else {
                    record.addViolation(.notTLS, "truncated ClientHello (client closed)")
                    record.decision = .deny
                    close(reason: "truncated ClientHello (client closed)")
                }
                return false
            case .bytes(let n):
                record.bytesIn += UInt64(n)
                progress = true
            case .wouldBlock:
                clientReadable = false
                return progress
            case .failed(let error):
                close(reason: "client read failed: \(error)")
                return false
            }
        }
    }

    enum HelloRead {
        case bytes(Int)
        case endOfStream
        case wouldBlock
        case failed(IOError)
    }

    /// One read into a hello buffer.
    private func readForHello(_ fd: Int32, into buffer: IOBuffer) -> HelloRead {
        do {
            switch try Posix.read(fd, buffer.writePointer, buffer.writableCount) {
            case .processed(0): return .endOfStream
            case .processed(let n):
                buffer.didWrite(n)
                return .bytes(n)
            case .wouldBlock: return .wouldBlock
            }
        } catch {
            return .failed(error)
        }
    }

    private func notTLS(_ reason: String) {
        record.addViolation(.notTLS, reason)
        if env.settings.policy.mode == .report && !intercepting {
            record.decision = .report
            record.reason = reason
            startRelay()
        } else {
            record.decision = .deny
            close(reason: reason)
        }
    }

    /// The first problem found in a hello: the alert a refusal sends, and why.
    struct HelloRefusal {
        let alert: UInt8
        let reason: String
    }

    /// Records a violation; the first one found decides the alert.
    private func note(_ code: ViolationCode, _ alert: UInt8, _ why: String, into refusal: inout HelloRefusal?) {
        record.addViolation(code, why)
        if refusal == nil { refusal = HelloRefusal(alert: alert, reason: why) }
    }

    private func inspectClientHello(_ hello: ClientHelloInfo) {
        let minimum = env.settings.minimumTLS
        record.sni = hello.serverName
        record.clientTLSMax = TLSVersionName.name(hello.highestVersion)
        record.clientMaxVersion = hello.highestVersion
        if !hello.alpn.isEmpty { record.alpn = hello.alpn }
        var refusal: HelloRefusal?
        func flag(_ code: ViolationCode, _ alert: UInt8, _ why: String) { note(code, alert, why, into: &refusal) }
        if hello.highestVersion < minimum.wireValue {
            flag(.legacyTLSOffered, TLSAlert.protocolVersion,
                 "client offered at most \(TLSVersionName.name(hello.highestVersion)), minimum is \(minimum.name)")
        }
        if hello.hasFallbackSCSV {
            flag(.tlsFallbackSCSV, TLSAlert.inappropriateFallback, "client sent TLS_FALLBACK_SCSV (a downgrade retry)")
        }
        let host = record.host ?? ""
        if let sni = hello.serverName {
            let name = HostName.normalize(sni)
            if HostName.isIPLiteral(name) {
                flag(.sniIPLiteral, TLSAlert.unrecognizedName, "SNI is an IP literal (\(name))")
            } else if name != host {
                flag(.sniMismatch, TLSAlert.unrecognizedName, "SNI \(name) differs from CONNECT host \(host)")
                if env.settings.policy.checkHost(name) != nil {
                    flag(.hostNotAllowed, TLSAlert.accessDenied, "SNI \(name) is not in policy.allow_hosts")
                }
            }
        } else {
            flag(.sniMissing, TLSAlert.unrecognizedName, "ClientHello has no SNI")
        }
        if let refusal, env.settings.policy.mode == .enforce || record.violations.contains(.legacyTLSOffered) {
            // A client that cannot speak the minimum version is refused in either mode: the
            // version floor is tlsgate's reason to exist, not a reportable preference.
            refuseTLS(alert: refusal.alert, reason: refusal.reason)
            return
        }
        if let refusal {
            record.decision = .report
            record.reason = refusal.reason
        }
        if intercepting {
            handBack()
            return
        }
        // Pass the hello on unchanged, then wait for the server's answer.
        let hellos = IOBuffer(capacity: max(clientBuffer.readableCount, 1))
        hellos.append(clientBuffer.readableBytes)
        clientBuffer.clear()
        clientBuffer.releaseIfEmpty()   // an idle tunnel holds no buffer memory
        toUpstream.pending = hellos
        record.clientHelloNanos = monotonicNanos()
        serverBuffer = IOBuffer(capacity: 2 * ServerHelloParser.maxBufferedBytes)
        phase = .awaitingServerHello
        timer.arm(after: env.settings.handshakeTimeout)
    }

    /// Buffers server bytes until the ServerHello (or an alert) is there, then applies the checks.
    func readServerHello() -> Bool {
        guard let upstream, let buffer = serverBuffer else { return false }
        var progress = false
        while true {
            if !buffer.isEmpty {
                switch ServerHelloParser.parse(buffer.readableBytes) {
                case .complete(let hello):
                    inspectServerHello(hello)
                    return true
                case .alert(let alert):
                    serverAlert(alert)
                    return true
                case .notTLS(let why), .malformed(let why):
                    record.addViolation(.notTLS, "server answered with non-TLS bytes: \(why)")
                    record.decision = env.settings.policy.mode == .report ? .report : .deny
                    if env.settings.policy.mode == .report {
                        record.reason = "server answered with non-TLS bytes: \(why)"
                        startRelay()
                    } else {
                        close(reason: "server answered with non-TLS bytes: \(why)")
                    }
                    return true
                case .tooLarge:
                    close(reason: "ServerHello too large")
                    return true
                case .needMoreData:
                    break
                }
            }
            guard upstreamReadable else { return progress }
            if buffer.writableCount == 0 { close(reason: "ServerHello too large"); return false }
            switch readForHello(upstream.fd, into: buffer) {
            case .endOfStream:
                close(reason: "server closed the connection during the handshake")
                return false
            case .bytes:
                progress = true
            case .wouldBlock:
                upstreamReadable = false
                return progress
            case .failed(let error):
                close(reason: "server read failed: \(error)")
                return false
            }
        }
    }

    private func inspectServerHello(_ hello: ServerHelloInfo) {
        let minimum = env.settings.minimumTLS
        record.tlsVersion = TLSVersionName.name(hello.selectedVersion)
        record.cipher = CipherSuiteInfo.name(hello.cipherSuite)
        if record.clientHelloNanos > 0 {
            env.metrics.handshake(seconds: Double(monotonicNanos() &- record.clientHelloNanos) / 1e9, mode: "tunnel")
        }
        env.metrics.negotiated(version: record.tlsVersion!, cipher: record.cipher!)
        if let selected = hello.alpn { record.alpn = [selected] }
        var refusal: HelloRefusal?
        func flag(_ code: ViolationCode, _ alert: UInt8, _ why: String) { note(code, alert, why, into: &refusal) }
        if hello.selectedVersion < minimum.wireValue {
            flag(.legacyTLSNegotiated, TLSAlert.protocolVersion,
                 "server chose \(TLSVersionName.name(hello.selectedVersion)), minimum is \(minimum.name)")
        }
        // RFC 8446 §4.1.3: the sentinel means "downgraded" only when the client offered more than
        // the server chose (a 1.2-max client rightly gets DOWNGRD\x01 from a 1.3 server).
        if let sentinel = hello.downgradeSentinel,
           (sentinel == .tls12 && record.clientMaxVersion >= TLSVersionName.tls13)
            || (sentinel == .tls11OrBelow && record.clientMaxVersion >= TLSVersionName.tls12) {
            flag(.downgradeSentinel, TLSAlert.illegalParameter,
                 "ServerHello.random carries the TLS 1.3 downgrade sentinel (\(sentinel == .tls12 ? "DOWNGRD\\x01" : "DOWNGRD\\x00"))")
        }
        if CipherSuiteInfo.isWeak(hello.cipherSuite, minVersion13: minimum == .tls13) {
            flag(.weakCipher, TLSAlert.insufficientSecurity, "server chose weak cipher \(CipherSuiteInfo.name(hello.cipherSuite))")
        } else if env.settings.policy.fips != .off, !CipherSuiteInfo.isFIPSApproved(hello.cipherSuite) {
            flag(.weakCipher, TLSAlert.insufficientSecurity,
                 "server chose \(CipherSuiteInfo.name(hello.cipherSuite)), outside the FIPS profile (AES-GCM with ECDHE, or TLS 1.3 AES-GCM)")
        }
        if let refusal {
            if env.settings.policy.mode == .enforce || record.violations.contains(.legacyTLSNegotiated) {
                upstream?.close()
                upstream = nil
                refuseTLS(alert: refusal.alert, reason: refusal.reason)
                return
            }
            record.decision = .report
            record.reason = refusal.reason
        }
        startRelay()
    }

    private func serverAlert(_ alert: TLSAlert) {
        record.reason = "server sent alert \(alert.name) instead of a ServerHello"
        record.addViolation(.handshakeAlert, record.reason)
        // Relay the alert so the client sees the server's own answer, then the tunnel ends.
        startRelay()
    }

    /// Hellos inspected: everything buffered goes on, then bytes flow unchanged both ways.
    func startRelay() {
        if let buffer = serverBuffer, !buffer.isEmpty {
            toClient.pending = buffer
            record.bytesOut += UInt64(buffer.readableCount)
        }
        serverBuffer = nil
        if !clientBuffer.isEmpty && toUpstream.pending == nil {
            let rest = IOBuffer(capacity: clientBuffer.readableCount)
            rest.append(clientBuffer.readableBytes)
            clientBuffer.clear()
            clientBuffer.releaseIfEmpty()   // an idle tunnel holds no buffer memory
            toUpstream.pending = rest
        }
        phase = .relaying
        lastProgressNanos = monotonicNanos()
        timer.arm(after: env.settings.tunnelIdleTimeout)
    }

    func writeAudit() {
        var line = AuditRecord(event: .tunnel, mode: intercepting ? .intercept : .tunnel)
        line.client = clientAddress.description
        line.host = record.host
        line.port = record.port
        line.method = "CONNECT"
        line.status = record.status
        line.upstream = upstreamAddress?.description
        line.tlsVersion = record.tlsVersion
        line.cipher = record.cipher
        line.decision = record.decision
        line.error = record.error
        line.violations = record.violations.map(\.rawValue)
        line.reason = record.reason
        line.bytesIn = Int(record.bytesIn + toUpstream.bytes)
        line.bytesOut = Int(record.bytesOut + toClient.bytes)
        line.durationMs = Double(monotonicNanos() &- record.startedNanos) / 1e6
        line.sni = record.sni
        line.alpn = record.alpn
        line.clientTLSMax = record.clientTLSMax
        line.extra = record.awsFields
        env.audit.write(line)
        env.metrics.bytes(mode: "tunnel", in: line.bytesIn ?? 0, out: line.bytesOut ?? 0)
        record.writeViolationLines(line, env: env)
    }
}
