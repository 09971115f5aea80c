import Testing
@testable import TLSGateHTTP

/// Userinfo in request targets: noticed by the parsers, never kept in what is forwarded.
@Suite struct UserInfoTests {
    @Test func absoluteURIWithUserInfo() throws {
        let uri = try #require(AbsoluteURI.parse("http://user:pa%40ss@sts.us-east-1.amazonaws.com:8443/x?y=1"))
        #expect(uri.hasUserInfo && uri.userInfo == "user:pa%40ss")
        let stripped = uri.withoutUserInfo()
        #expect(!stripped.hasUserInfo)
        #expect(stripped == AbsoluteURI(scheme: "http", userInfo: nil, host: "sts.us-east-1.amazonaws.com", port: 8443, pathAndQuery: "/x?y=1"))
        let plain = try #require(AbsoluteURI.parse("http://sts.us-east-1.amazonaws.com/"))
        #expect(!plain.hasUserInfo && plain.withoutUserInfo() === plain)
        // "@" is the last one in the authority; an empty userinfo still counts.
        #expect(AbsoluteURI.parse("http://@host/")?.hasUserInfo == true)
        #expect(AbsoluteURI.parse("http://a@b@host/") == nil)
    }

    @Test func connectTargetWithUserInfo() throws {
        let (authority, had) = try #require(Authority.parseNotingUserInfo("user:pass@s3.amazonaws.com:443"))
        #expect(had && authority == Authority(host: "s3.amazonaws.com", port: 443))
        let (v6, hadV6) = try #require(Authority.parseNotingUserInfo("u@[2001:db8::1]:443"))
        #expect(hadV6 && v6.host == "2001:db8::1")
        let (plain, none) = try #require(Authority.parseNotingUserInfo("s3.amazonaws.com:443"))
        #expect(!none && plain.port == 443)
        // The strict parser still refuses userinfo; bad userinfo or a missing port is no authority.
        #expect(Authority.parse("user:pass@s3.amazonaws.com:443") == nil)
        for bad in ["us/er@host:443", "user@host", "user@:443", "a b@host:443", "user@host:0"] {
            #expect(Authority.parseNotingUserInfo(bad) == nil, "\(bad)")
        }
    }
}
