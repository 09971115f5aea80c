import COpenSSL
import TLSGatePolicy
import TLSGateTLS

extension NameConstraints {
    /// The nameConstraints extension of `certificate`; empty when it has none. DNS and IP
    /// subtrees are read; other name types (email, URI, directory names) are not used by leaves
    /// and are ignored.
    public static func of(_ certificate: X509Certificate) -> NameConstraints { NameConstraints(of: certificate) }

    /// See `of(_:)`.
    init(of certificate: X509Certificate) {
        self.init()
        var critical: Int32 = 0
        guard let raw = X509_get_ext_d2i(certificate.pointer, NID_name_constraints, &critical, nil) else { return }
        let constraints = raw.assumingMemoryBound(to: NAME_CONSTRAINTS.self)
        defer { NAME_CONSTRAINTS_free(constraints) }
        (permittedDNS, permittedIP) = Self.subtrees(constraints.pointee.permittedSubtrees)
        (excludedDNS, excludedIP) = Self.subtrees(constraints.pointee.excludedSubtrees)
    }

    private static func subtrees(_ stack: OpaquePointer?) -> ([String], [CIDR]) {
        guard let stack else { return ([], []) }
        var dns: [String] = [], ip: [CIDR] = []
        for index in 0..<OPENSSL_sk_num(stack) {
            guard let subtree = OPENSSL_sk_value(stack, index)?.assumingMemoryBound(to: GENERAL_SUBTREE.self),
                  let name = subtree.pointee.base else { continue }
            switch name.pointee.type {
            case GEN_DNS:
                guard let text = name.pointee.d.dNSName else { continue }
                dns.append(String(decoding: bytes(of: text), as: UTF8.self).lowercased())
            case GEN_IPADD:
                guard let text = name.pointee.d.iPAddress else { continue }
                if let block = cidr(bytes(of: text)) { ip.append(block) }
            default:
                continue
            }
        }
        return (dns, ip)
    }

    private static func bytes(of string: UnsafeMutablePointer<ASN1_STRING>) -> [UInt8] {
        let length = Int(ASN1_STRING_length(string))
        guard length > 0, let data = ASN1_STRING_get0_data(string) else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: length))
    }

    /// An iPAddress subtree is the address followed by the mask (8 or 32 bytes).
    private static func cidr(_ raw: [UInt8]) -> CIDR? {
        guard raw.count == 8 || raw.count == 32 else { return nil }
        let half = raw.count / 2
        let mask = raw[half...]
        let prefix = mask.reduce(0) { $0 + $1.nonzeroBitCount }
        let network = zip(raw[..<half], mask).map { $0 & $1 }
        guard let address = IPAddress(bytes: network) else { return nil }
        return try? CIDR(parsing: "\(address)/\(prefix)")
    }
}
