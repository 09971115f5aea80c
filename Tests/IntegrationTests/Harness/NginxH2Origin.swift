import Foundation

/// nginx as an HTTP/2 (and HTTP/1.1) TLS origin on 127.0.0.1: static files from `root`, and the
/// dynamic endpoints of upstream.py (`/echo`, `/headers`, `/chunked`, `/status/`) proxied to
/// `backend` unbuffered. Its `conn.log` has one line per request: `$connection $server_protocol
/// $status $request_uri`, so tests count the upstream connections tlsgate opened.
final class NginxH2Origin {
    let process: ManagedProcess
    let port: Int
    let root: String
    let logPath: String

    init(cert: CertPair, dir: TempDir, backend: Upstream, name: String = "nginx",
         maxConcurrentStreams: Int = 128, keepaliveRequests: Int = 1000) throws {
        let pick = try Exec.run(Paths.python, ["-c", "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"])
        guard let port = Int(pick.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw HarnessError("no free port") }
        self.port = port
        let prefix = dir.file(name)
        root = prefix + "/www"
        logPath = prefix + "/conn.log"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let conf = try dir.write("\(name).conf", """
            master_process off;
            daemon off;
            error_log \(prefix)/error.log notice;
            pid \(prefix)/nginx.pid;
            events { worker_connections 512; }
            http {
              access_log off;
              log_format conn '$connection $server_protocol $status $request_uri';
              client_body_temp_path \(prefix)/cb; proxy_temp_path \(prefix)/pt; fastcgi_temp_path \(prefix)/ft;
              uwsgi_temp_path \(prefix)/ut; scgi_temp_path \(prefix)/st;
              server {
                listen 127.0.0.1:\(port) ssl http2;
                ssl_certificate \(cert.cert);
                ssl_certificate_key \(cert.key);
                access_log \(logPath) conn;
                http2_max_concurrent_streams \(maxConcurrentStreams);
                keepalive_requests \(keepaliveRequests);
                client_max_body_size 0;
                root \(root);
                location / { }
                location ~ ^/(echo|headers|chunked|status/) {
                  proxy_pass https://127.0.0.1:\(backend.port);
                  proxy_http_version 1.1;
                  proxy_request_buffering off;
                  proxy_buffering off;
                  proxy_set_header Host $host;
                }
              }
            }
            """)
        process = try ManagedProcess(name: name, program: "nginx", arguments: ["-p", prefix, "-c", conf], dir: dir)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if (try? Exec.run("bash", ["-c", "exec 3<>/dev/tcp/127.0.0.1/\(port)"]))?.status == 0 { return }
            usleep(100_000)
        }
        throw HarnessError("nginx did not listen on \(port): \(process.stderrTail())")
    }

    deinit { process.stop() }
    func stop() { process.stop() }
    var target: String { "127.0.0.1:\(port)" }

    /// Writes `data` as a static file at `/name`.
    func serve(_ name: String, _ data: Data) throws {
        try data.write(to: URL(fileURLWithPath: root + "/" + name))
    }

    /// The request lines logged so far: (connection number, protocol, status, URI).
    func requests() -> [(connection: Int, proto: String, status: Int, uri: String)] {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let p = line.split(separator: " ")
            guard p.count >= 4, let c = Int(p[0]), let s = Int(p[2]) else { return nil }
            return (c, String(p[1]), s, String(p[3]))
        }
    }
}
