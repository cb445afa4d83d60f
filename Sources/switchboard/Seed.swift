import ArgumentParser
import Foundation
import SwitchboardChat
import SwitchboardCore

/// `switchboard seed`: the demo shop on a fresh database; on a used one it only adds what
/// is missing, so a second `make run` keeps what admins changed.
struct Seed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the demo shop: FAQs and settings (only on a desk that has none), the demo admin and agent accounts.",
        discussion: "Passwords come from SWITCHBOARD_ADMIN_PASSWORD / SWITCHBOARD_AGENT_PASSWORD (which also reset existing accounts); otherwise new accounts get random ones, printed once.")

    @Option(help: "The FAQ file to import on a desk without FAQs (default: the demo shop's, installed beside this program).")
    var faqs: String?

    @Flag(help: "Also import a month of demo conversations (with labels and ratings) on a desk that has none, so Reports shows something.")
    var history = false

    /// The demo shop's look: Northwind's names and its green.
    static let demoSettings = #"""
        {"brand_name": "Northwind Outfitters", "bot_name": "Northwind assistant",
         "welcome_message": "Hi! I'm the Northwind assistant. Pick a question below or type your own — and you can ask for a person at any time.",
         "widget": {"title": "Northwind support", "subtitle": "We usually reply in a few minutes",
                    "color": "#2f6f4e"}}
        """#

    func run() throws {
        let (_, service) = try openStore()
        try cliErrors {
            if try service.adminFAQs().isEmpty {
                let report = try service.importFAQs(try DemoData.readFAQs(try readFile(faqs ?? demoFAQsPath())), by: .cli)
                print("seeded \(report.created.count) FAQs")
            } else {
                print("FAQs kept (the desk has its own)")
            }
            if try !service.hasSavedSettings() {
                _ = try service.updateSettings(try WireJSON.decode(SettingsPatch.self, from: Self.demoSettings), by: .cli)
                print("seeded the demo shop's settings")
            }
        }
        let env = ProcessInfo.processInfo.environment
        for (username, name, role, variable) in [("admin", "Ada Admin", AgentRole.admin, "SWITCHBOARD_ADMIN_PASSWORD"),
                                                 ("agent", "Alex Agent", AgentRole.agent, "SWITCHBOARD_AGENT_PASSWORD")] {
            let chosen = env[variable].flatMap { $0.isEmpty ? nil : $0 }
            if let chosen, chosen.count < Limits.passwordMinLength {
                throw ValidationError("\(variable) must have at least \(Limits.passwordMinLength) characters.")
            }
            switch try DemoData.seedAccount(service, username: username, displayName: name, role: role, password: chosen) {
            case .created(let password), .passwordReset(let password):
                print("credentials: \(username) \(password)")
            case .unchanged:
                print("credentials: \(username) (unchanged; set \(variable) to reset it)")
            }
        }
        if history { try seedHistory(service) }
    }

    /// The demo month, once: only on a desk without conversations.
    func seedHistory(_ service: ChatService) throws {
        try cliErrors {
            let any = ConversationQuery(status: nil, assigned: .anyone, order: .recentActivity, limit: 1)
            guard try service.conversations(any).items.isEmpty else {
                print("demo history skipped (the desk has conversations)")
                return
            }
            let existing = Set(try service.labels().map { $0.name.lowercased() })
            for (name, color) in DemoHistory.labels where !existing.contains(name.lowercased()) {
                _ = try service.createLabel(LabelInput(name: name, color: color), by: .cli)
            }
            let report = try service.importConversations(DemoHistory.conversations(now: .now(), agents: ["agent", "admin"]))
            print("seeded \(report.imported) demo conversations over the last 30 days")
        }
    }

    /// The demo FAQ file SwiftPM installs beside this executable (`Switchboard_switchboard.resources`).
    func demoFAQsPath() throws -> String {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let candidate = executable.appendingPathComponent("Switchboard_switchboard.resources/demo-faqs.json").path
        guard FileManager.default.fileExists(atPath: candidate) else {
            throw ValidationError("The demo FAQ file is not installed at \(candidate); pass --faqs FILE.")
        }
        return candidate
    }
}

/// A whole file's bytes, or a usage error that names it.
func readFile(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw ValidationError("Cannot read \(path).")
    }
    return [UInt8](data)
}
