/// Credentials in a request target (`GET http://user:pass@host/…`, `CONNECT user:pass@host:443`).
///
/// RFC 9110 §4.2.4 tells recipients to treat userinfo in an http(s) URI as an error, and AWS
/// guidance is never to put credentials in URLs. One decision for every place a target is parsed:
/// forward requests, CONNECT, and request targets inside interception. The parsers
/// (`AbsoluteURI.hasUserInfo`, `Authority.parseNotingUserInfo`) only say that userinfo was there;
/// the userinfo itself is never forwarded, logged or echoed in a response.
public enum CredentialsInURL {
    /// What to do with a target that carried userinfo.
    public enum Action: Sendable, Equatable {
        /// `enforce`: 400 with `X-TLSGate-Error: credentials_in_url`, nothing forwarded.
        case refuse
        /// `report`: the userinfo is stripped, the request goes on, the violation is audited.
        case stripAndReport
    }

    /// The violation every such target is audited with.
    public static let violation = ViolationCode.credentialsInURL
    /// The status of a refusal.
    public static let status = 400

    /// The decision for a target with (`hasUserInfo`) or without userinfo under `mode`; nil
    /// when there is nothing to do.
    public static func action(hasUserInfo: Bool, mode: PolicyMode) -> Action? {
        guard hasUserInfo else { return nil }
        return mode == .enforce ? .refuse : .stripAndReport
    }

    /// The reason of the audit line and the refusal's message (names no part of the userinfo).
    public static func reason(_ action: Action) -> String {
        switch action {
        case .refuse: return "the request target carries credentials (user:password@host): refused, never forwarded (RFC 9110 section 4.2.4)"
        case .stripAndReport: return "the request target carried credentials (user:password@host): removed before forwarding"
        }
    }
}
