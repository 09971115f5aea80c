/// S3 REST operations from the method and the shape of the path and query.
enum S3Operation {
    /// Bucket subresources: (query parameter, GET, PUT, DELETE operation). First present wins.
    static let bucketSubresources: [(String, String?, String?, String?)] = [
        ("uploads", "ListMultipartUploads", nil, nil),
        ("versions", "ListObjectVersions", nil, nil),
        ("location", "GetBucketLocation", nil, nil),
        ("acl", "GetBucketAcl", "PutBucketAcl", nil),
        ("policy", "GetBucketPolicy", "PutBucketPolicy", "DeleteBucketPolicy"),
        ("policyStatus", "GetBucketPolicyStatus", nil, nil),
        ("tagging", "GetBucketTagging", "PutBucketTagging", "DeleteBucketTagging"),
        ("versioning", "GetBucketVersioning", "PutBucketVersioning", nil),
        ("cors", "GetBucketCors", "PutBucketCors", "DeleteBucketCors"),
        ("lifecycle", "GetBucketLifecycleConfiguration", "PutBucketLifecycleConfiguration", "DeleteBucketLifecycle"),
        ("encryption", "GetBucketEncryption", "PutBucketEncryption", "DeleteBucketEncryption"),
        ("website", "GetBucketWebsite", "PutBucketWebsite", "DeleteBucketWebsite"),
        ("logging", "GetBucketLogging", "PutBucketLogging", nil),
        ("notification", "GetBucketNotificationConfiguration", "PutBucketNotificationConfiguration", nil),
        ("replication", "GetBucketReplication", "PutBucketReplication", "DeleteBucketReplication"),
        ("ownershipControls", "GetBucketOwnershipControls", "PutBucketOwnershipControls", "DeleteBucketOwnershipControls"),
        ("publicAccessBlock", "GetPublicAccessBlock", "PutPublicAccessBlock", "DeletePublicAccessBlock"),
        ("object-lock", "GetObjectLockConfiguration", "PutObjectLockConfiguration", nil),
        ("accelerate", "GetBucketAccelerateConfiguration", "PutBucketAccelerateConfiguration", nil),
        ("requestPayment", "GetBucketRequestPayment", "PutBucketRequestPayment", nil),
    ]

    /// Object subresources: (query parameter, GET, PUT, DELETE operation). First present wins.
    static let objectSubresources: [(String, String?, String?, String?)] = [
        ("acl", "GetObjectAcl", "PutObjectAcl", nil),
        ("tagging", "GetObjectTagging", "PutObjectTagging", "DeleteObjectTagging"),
        ("attributes", "GetObjectAttributes", nil, nil),
        ("retention", "GetObjectRetention", "PutObjectRetention", nil),
        ("legal-hold", "GetObjectLegalHold", "PutObjectLegalHold", nil),
        ("torrent", "GetObjectTorrent", nil, nil),
    ]

    enum Method { case get, head, put, post, delete }

    static func infer(method: String, target: RequestTarget, virtualHostedBucket: Bool, hasCopySource: Bool) -> String? {
        guard let verb = parseMethod(method) else { return nil }
        // Path-style: /bucket[/key]; virtual-hosted style: the whole path is the key.
        var path = target.path.utf8.dropFirst(target.path.utf8.first == 0x2F ? 1 : 0)
        let hasBucket: Bool
        if virtualHostedBucket {
            hasBucket = true
        } else {
            hasBucket = !path.isEmpty
            path = path.firstIndex(of: 0x2F).map { path[path.index(after: $0)...] } ?? path[path.endIndex...]
        }
        let query = target.query
        guard hasBucket else { return verb == .get ? "ListBuckets" : nil }
        return path.isEmpty
            ? bucketOperation(verb, query)
            : objectOperation(verb, query, hasCopySource: hasCopySource)
    }

    static func bucketOperation(_ verb: Method, _ query: QueryString) -> String? {
        switch verb {
        case .head: return "HeadBucket"
        case .post: return query.contains("delete") ? "DeleteObjects" : nil
        case .get:
            if let listType = query.value(of: "list-type"), listType == "2" { return "ListObjectsV2" }
            return subresource(query, bucketSubresources, \.1) ?? "ListObjects"
        case .put: return subresource(query, bucketSubresources, \.2) ?? "CreateBucket"
        case .delete: return subresource(query, bucketSubresources, \.3) ?? "DeleteBucket"
        }
    }

    static func objectOperation(_ verb: Method, _ query: QueryString, hasCopySource: Bool) -> String? {
        let uploadId = query.contains("uploadId")
        switch verb {
        case .head: return "HeadObject"
        case .get:
            if uploadId { return "ListParts" }
            return subresource(query, objectSubresources, \.1) ?? "GetObject"
        case .put:
            if uploadId, query.contains("partNumber") { return hasCopySource ? "UploadPartCopy" : "UploadPart" }
            return subresource(query, objectSubresources, \.2) ?? (hasCopySource ? "CopyObject" : "PutObject")
        case .delete:
            if uploadId { return "AbortMultipartUpload" }
            return subresource(query, objectSubresources, \.3) ?? "DeleteObject"
        case .post:
            if query.contains("uploads") { return "CreateMultipartUpload" }
            if uploadId { return "CompleteMultipartUpload" }
            if query.contains("restore") { return "RestoreObject" }
            if query.contains("select") { return "SelectObjectContent" }
            return nil
        }
    }

    /// The operation of the first table subresource present in `query`, via `column`.
    private static func subresource(
        _ query: QueryString, _ table: [(String, String?, String?, String?)],
        _ column: KeyPath<(String, String?, String?, String?), String?>
    ) -> String? {
        guard !query.text.isEmpty else { return nil }
        for row in table where query.contains(row.0) {
            if let operation = row[keyPath: column] { return operation }
        }
        return nil
    }

    private static func parseMethod(_ method: String) -> Method? {
        switch method {
        case "GET": return .get
        case "HEAD": return .head
        case "PUT": return .put
        case "POST": return .post
        case "DELETE": return .delete
        default: return nil
        }
    }
}
