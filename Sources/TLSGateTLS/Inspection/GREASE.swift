/// GREASE (RFC 8701): reserved values clients sprinkle into cipher suites, versions, extensions
/// and groups so that servers keep tolerating unknown values. They carry no meaning.
public enum GREASE {
    /// True for the sixteen reserved values 0x0a0a, 0x1a1a, ..., 0xfafa.
    @inlinable
    public static func isGREASE(_ value: UInt16) -> Bool {
        value & 0x0f0f == 0x0a0a && value >> 8 == value & 0xff
    }
}
