import ArgumentParser

/// `tlsgate audit ...`: the auditor's tools over audit files.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Sign, verify and summarize audit logs.",
        subcommands: [AuditKeygenCommand.self, AuditVerifyCommand.self, AuditSummaryCommand.self, AuditReportCommand.self]
    )
}
