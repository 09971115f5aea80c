// tlsgate CLI entry point (placeholder until the CLI lands).
@main
struct TLSGateMain {
    static func main() {}
}
