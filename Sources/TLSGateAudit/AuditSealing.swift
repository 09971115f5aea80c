import TLSGateEvidence

/// How the audit log seals its lines: the instance name every line carries, the checkpoint
/// interval and the signing key (see `AuditChain` and `Checkpoint` for the formats).
public struct AuditSealing: Sendable {
    /// `audit.instance`: names the process's chain in a fleet.
    public var instance: String
    /// `audit.checkpoint_interval` in seconds; a checkpoint is also written at rotation and exit.
    public var checkpointInterval: Double
    /// Signs checkpoints; nil writes them with `"sig":null`.
    public var signer: CheckpointSigner?
    /// Bytes at the end of each encoded line that stay after the evidence fields: 1 (`}`) for
    /// tlsgate lines, 2 (`}}`) for OCSF and ECS lines, whose last member is the vendor object
    /// (`AuditLog` sets it from its format).
    public var closingBytes: Int

    public init(instance: String = AuditSealing.hostName(), checkpointInterval: Double = 60,
                signer: CheckpointSigner? = nil, closingBytes: Int = 1) {
        self.instance = instance
        self.checkpointInterval = checkpointInterval
        self.signer = signer
        self.closingBytes = closingBytes
    }

    /// The host name (gethostname), or "localhost".
    public static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return name.isEmpty ? "localhost" : name
    }
}

#if canImport(Glibc)
import Glibc
#endif
