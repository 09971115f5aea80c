import CNghttp2
import CNghttp2Shims

/// Facts about the linked libnghttp2 (for `tlsgate doctor`).
public enum HTTP2Library {
    /// The linked library's version, e.g. `1.52.0`.
    public static var version: String {
        guard let info = nghttp2_version(0) else { return "unknown" }
        return String(cString: info.pointee.version_str)
    }

    /// Whether the library limits rapid resets itself (`nghttp2_option_set_stream_reset_rate_limit`,
    /// CVE-2023-44487); when not, ``HTTP2Session`` counts RST_STREAM frames itself.
    public static var hasStreamResetRateLimit: Bool { tg_nghttp2_has_stream_reset_rate_limit() != 0 }

    /// One line for `tlsgate doctor`.
    public static var summary: String {
        "libnghttp2 \(version); rapid-reset limit \(hasStreamResetRateLimit ? "in the library" : "counted by tlsgate (library lacks nghttp2_option_set_stream_reset_rate_limit)")"
    }
}
