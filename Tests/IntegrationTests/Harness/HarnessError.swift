import Foundation

/// A failure of the test harness itself (a tool missing, a process not starting, a timeout).
struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
