import Foundation
import Testing
import TLSGateHTTP
@testable import TLSGateAdmin

@Suite struct AdminRouterTests {
    let handlers = AdminHandlers(health: { true }, ready: { false }, metrics: { "m 1\n" },
                                 reload: { .failure(AdminError("bad\r\nInjected: yes")) })

    private func head(_ method: String, _ target: String) -> HTTPRequestHead {
        HTTPRequestHead(method: method, target: target, version: .http11, headers: HTTPHeaders([]))
    }

    @Test func routes() {
        #expect(AdminRouter.respond(to: head("GET", "/healthz"), handlers: handlers).status == 200)
        #expect(AdminRouter.respond(to: head("GET", "/readyz"), handlers: handlers).status == 503)
        #expect(AdminRouter.respond(to: head("HEAD", "/metrics"), handlers: handlers).body == Array("m 1\n".utf8))
        #expect(AdminRouter.respond(to: head("GET", "/healthz/"), handlers: handlers).status == 404)
        #expect(AdminRouter.respond(to: head("get", "/healthz"), handlers: handlers).status == 405)
        #expect(AdminRouter.respond(to: head("GET", "http://x/healthz"), handlers: handlers).status == 404)
    }

    @Test func errorMessagesCannotInjectHeaders() {
        let r = AdminRouter.respond(to: head("POST", "/reload"), handlers: handlers)
        #expect(r.status == 500)
        let wire = String(decoding: r.serialized(includeBody: true), as: UTF8.self)
        #expect(wire.hasPrefix("HTTP/1.1 500 Internal Server Error\r\n"))
        // The message goes in the body only (CR dropped, LF kept): never into the header section.
        #expect(wire.hasSuffix("\r\n\r\nbad \nInjected: yes\n"))
        let headSection = wire.components(separatedBy: "\r\n\r\n")[0]
        #expect(!headSection.contains("Injected"))
    }

    @Test func headOmitsBodyButKeepsLength() {
        let r = AdminResponse.text(200, "ok")
        let wire = String(decoding: r.serialized(includeBody: false), as: UTF8.self)
        #expect(wire.contains("Content-Length: 3\r\n"))
        #expect(wire.hasSuffix("\r\n\r\n"))
    }

    @Test func parseErrorsMapToStatuses() {
        #expect(AdminRouter.reject(.invalidRequestLine).status == 400)
        #expect(AdminRouter.reject(.headTooLarge).status == 431)
        #expect(AdminRouter.reject(.unsupportedVersion).status == 505)
    }
}
