/// Infers the AWS API operation name of a request for the audit.
public enum AWSOperation {
    /// Longest body prefix looked at for a form-encoded `Action=`.
    static let maxBodyPrefix = 4096
    /// Longest operation name accepted.
    static let maxNameLength = 128

    /// The operation of a request, or nil when it cannot tell:
    /// 1. `X-Amz-Target: DynamoDB_20120810.PutItem` → `PutItem` (JSON protocols);
    /// 2. `Action=` in the query string, or at the start of an `application/x-www-form-urlencoded`
    ///    body prefix (`Action=GetCallerIdentity&Version=2011-06-15`) (query protocols);
    /// 3. `/service/<name>/operation/<Op>` paths (Smithy RPC v2 CBOR);
    /// 4. when `service` is `s3`, the method and the shape of the path and query (`ListObjectsV2`,
    ///    `PutObject`, `UploadPart`...). The bucket is the first path segment unless
    ///    `virtualHostedBucket` says it is in the host name.
    /// `headers` looks a header up by its lowercase name (`x-amz-target`, `content-type`,
    /// `x-amz-copy-source`) and must match case-insensitively.
    public static func infer(
        method: String, pathAndQuery: String, headers: (String) -> String?, bodyPrefix: [UInt8]?,
        service: String?, virtualHostedBucket: Bool = false
    ) -> String? {
        if let target = headers("x-amz-target"), let name = targetOperation(target) { return name }
        let target = RequestTarget(pathAndQuery)
        if let action = target.query.value(of: "Action"), let name = operationName(action) { return name }
        if let body = bodyPrefix, !body.isEmpty, let contentType = headers("content-type"),
           isFormContentType(contentType), let name = formAction(body) {
            return name
        }
        if let name = rpcV2Operation(target.path) { return name }
        if service == "s3" {
            return S3Operation.infer(
                method: method, target: target, virtualHostedBucket: virtualHostedBucket,
                hasCopySource: headers("x-amz-copy-source") != nil)
        }
        return nil
    }

    /// `infer` for a request to a catalogued endpoint: the service and the virtual-host bucket
    /// come from `endpoint`.
    public static func infer(
        method: String, pathAndQuery: String, headers: (String) -> String?, bodyPrefix: [UInt8]?,
        endpoint: AWSEndpoint?
    ) -> String? {
        infer(method: method, pathAndQuery: pathAndQuery, headers: headers, bodyPrefix: bodyPrefix,
              service: endpoint?.service, virtualHostedBucket: endpoint?.virtualHostBucket != nil)
    }

    /// `Prefix_Version.Operation` → `Operation`.
    static func targetOperation(_ target: String) -> String? {
        let trimmed = target.utf8.count <= 256 ? target[...] : ""
        guard let dot = trimmed.utf8.lastIndex(of: 0x2E) else { return operationName(trimmed) }
        return operationName(trimmed[trimmed.utf8.index(after: dot)...])
    }

    /// The `Action` parameter of a form-encoded body prefix.
    static func formAction(_ body: [UInt8]) -> String? {
        let prefix = body.prefix(maxBodyPrefix)
        let text = String(decoding: prefix, as: UTF8.self)
        return QueryString(text[...]).value(of: "Action").flatMap(operationName)
    }

    /// `/service/<name>/operation/<Op>`
    static func rpcV2Operation(_ path: Substring) -> String? {
        let segments = path.utf8.split(separator: 0x2F, maxSplits: 5, omittingEmptySubsequences: false)
        guard segments.count == 5, segments[0].isEmpty, segments[1].elementsEqual("service".utf8),
              !segments[2].isEmpty, segments[3].elementsEqual("operation".utf8) else { return nil }
        return operationName(Substring(segments[4]))
    }

    static func isFormContentType(_ value: String) -> Bool {
        let form = "application/x-www-form-urlencoded".utf8
        let utf8 = value.utf8.drop(while: { $0 == 0x20 || $0 == 0x09 })
        guard utf8.count >= form.count else { return false }
        return zip(utf8.prefix(form.count), form).allSatisfy { ($0.0 | 0x20) == $0.1 | 0x20 }
    }

    /// `name` when it looks like an operation name: 1...128 letters, digits, `_`.
    static func operationName(_ name: Substring) -> String? {
        let utf8 = name.utf8
        guard (1...maxNameLength).contains(utf8.count),
              utf8.allSatisfy({ isAlphanumeric($0) || $0 == 0x5F }) else { return nil }
        return String(name)
    }
}
