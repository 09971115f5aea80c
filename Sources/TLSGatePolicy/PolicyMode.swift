/// What tlsgate does when traffic violates the egress policy.
public enum PolicyMode: String, Sendable, Hashable, CaseIterable {
    /// Refuse violating traffic (403 for requests, closed tunnel).
    case enforce
    /// Let violating traffic through and audit it with decision "report".
    case report
}
