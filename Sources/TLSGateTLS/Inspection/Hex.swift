/// Lower-case hexadecimal rendering ("0x%02x", "0x%04x") without Foundation.
enum Hex {
    private static let digits: [Character] = Array("0123456789abcdef")

    /// "0x" followed by exactly `width` lower-case hex digits of `value`.
    static func format(_ value: UInt64, width: Int) -> String {
        var out = "0x"
        out.reserveCapacity(2 + width)
        var shift = (width - 1) * 4
        while shift >= 0 {
            out.append(digits[Int((value >> UInt64(shift)) & 0xf)])
            shift -= 4
        }
        return out
    }

    /// "0x%02x".
    static func byte(_ value: UInt8) -> String { format(UInt64(value), width: 2) }

    /// "0x%04x".
    static func word(_ value: UInt16) -> String { format(UInt64(value), width: 4) }
}
