import Foundation

// Build-time tool of the EmbedData plugin: writes OUTPUT.swift with one `StaticString` per
// NAME=FILE argument, as a raw multi-line string literal holding the file's bytes unchanged.
//
//   EmbedDataTool OUTPUT.swift NAME=FILE...
//
// A raw literal keeps backslashes and quotes as they are; the delimiter gets as many `#` as
// needed so that no `"#…` or `\#…` inside the file ends it or starts an escape. Files must be
// UTF-8 without carriage returns (Swift would turn CRLF into LF); the unit tests compare the
// embedded bytes with the files.

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("EmbedDataTool: \(message)\n".utf8))
    exit(1)
}

let arguments = CommandLine.arguments.dropFirst()
guard let output = arguments.first, arguments.count >= 2 else { fail("usage: EmbedDataTool OUTPUT.swift NAME=FILE...") }

var source = """
// Generated at build time by the EmbedData plugin (Plugins/EmbedData): do not edit, not committed.

extension EmbeddedData {

"""
for argument in arguments.dropFirst() {
    guard let equals = argument.firstIndex(of: "=") else { fail("expected NAME=FILE, got \(argument)") }
    let name = String(argument[..<equals])
    let path = String(argument[argument.index(after: equals)...])
    guard let data = FileManager.default.contents(atPath: path) else { fail("cannot read \(path)") }
    guard let text = String(data: data, encoding: .utf8) else { fail("\(path) is not UTF-8") }
    guard !text.contains("\r") else { fail("\(path) contains carriage returns") }
    var hashes = "#"
    while text.contains("\"" + hashes) || text.contains("\\" + hashes) { hashes += "#" }
    source += """
        /// The bytes of \((path as NSString).lastPathComponent) (\(data.count) bytes) as built.
        public static let \(name): StaticString = \(hashes)\"\"\"
    \(text)
    \"\"\"\(hashes)

    """
}
source += "}\n"
do {
    try Data(source.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
} catch {
    fail("cannot write \(output): \(error)")
}
