/// Checks and normalizes an SNI host_name (RFC 6066 §3: an ASCII DNS host name, no trailing dot,
/// no IP literal). Accepts letters, digits, '-', '_' (seen in real names) and '.', labels of 1-63
/// bytes, at most 255 bytes, one trailing dot tolerated. Everything else (NUL, control bytes,
/// spaces, non-ASCII, empty labels) is refused.
enum ServerNameValidation {
    struct Names {
        let raw: String
        let normalized: String
    }

    enum Result {
        case valid(Names)
        case invalid(String)
    }

    static let maxLength = 255
    static let maxLabelLength = 63

    static func check(_ name: UnsafeRawBufferPointer) -> Result {
        guard !name.isEmpty else { return .invalid("empty SNI host_name") }
        guard name.count <= maxLength else { return .invalid("SNI host_name longer than 255 bytes") }
        var label = 0
        var lowered: [UInt8] = []
        lowered.reserveCapacity(name.count)
        for (index, byte) in name.enumerated() {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"):
                lowered.append(byte)
                label += 1
            case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                lowered.append(byte | 0x20)
                label += 1
            case UInt8(ascii: "."):
                if label == 0 { return .invalid("SNI host_name has an empty label") }
                if index != name.count - 1 { lowered.append(byte) }
                label = 0
                continue
            case 0:
                return .invalid("SNI host_name contains a NUL byte")
            default:
                return .invalid("SNI host_name contains byte \(Hex.byte(byte))")
            }
            if label > maxLabelLength { return .invalid("SNI host_name label longer than 63 bytes") }
        }
        return .valid(Names(raw: String(decoding: name, as: UTF8.self),
                            normalized: String(decoding: lowered, as: UTF8.self)))
    }
}
