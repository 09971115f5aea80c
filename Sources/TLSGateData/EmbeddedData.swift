/// Data built into the executable: the AWS endpoint catalog and the Amazon trust roots.
///
/// The members (`awsEndpointsJSON`, `amazonRootsPEM`) are generated at build time from
/// config/aws-endpoints.json and certs/amazon-roots.pem by the EmbedData plugin (see
/// Plugins/EmbedData/plugin.swift for why a plugin), so tlsgate works from any directory and in a
/// `scratch` image with no data files beside it. `aws.endpoints` and `tls.ca_bundle: FILE` override
/// them.
public enum EmbeddedData {
    /// The bytes of an embedded file, in place: a string literal's storage lives as long as the
    /// program, so the pointer stays valid.
    public static func bytes(_ data: StaticString) -> UnsafeBufferPointer<UInt8> {
        precondition(data.hasPointerRepresentation, "embedded data is a multi-character literal")
        return UnsafeBufferPointer(start: data.utf8Start, count: data.utf8CodeUnitCount)
    }

    /// The text of an embedded file.
    public static func text(_ data: StaticString) -> String {
        String(decoding: bytes(data), as: UTF8.self)
    }
}
