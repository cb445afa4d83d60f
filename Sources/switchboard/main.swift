import ArgumentParser
import Foundation
import SwitchboardChat
import SwitchboardCore
import SwitchboardStore

/// `switchboard`: the admin CLI. Reads the same SWITCHBOARD_* environment as the worker.
@main
struct SwitchboardCLI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchboard",
        abstract: "Switchboard administration: database, demo data, agents, backups.",
        subcommands: [Migrate.self, Seed.self, AgentCommand.self, Backup.self])
}

/// The migrated SQLite store and the chat service over it.
func openStore() throws -> (SQLiteStore, ChatService) {
    let config = try Config.fromEnvironment()
    let store = try SQLiteStore(config: config)
    try store.migrate()
    return (store, ChatService(store: store, config: config))
}

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or upgrade the database schema (idempotent).")

    func run() throws {
        let applied = try openStore().0.appliedMigrations()
        print("database migrated: \(applied.count) migration(s) applied, newest \(applied.last ?? "none")")
    }
}

struct Seed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the demo FAQs and the demo admin and agent accounts (idempotent).",
        discussion: "Passwords come from SWITCHBOARD_ADMIN_PASSWORD / SWITCHBOARD_AGENT_PASSWORD (which also reset existing accounts); otherwise new accounts get random ones, printed once.")

    func run() throws {
        let (_, service) = try openStore()
        try DemoData.seedFAQs(service)
        print("seeded \(DemoData.faqs.count) FAQs")
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
    }
}

struct AgentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "agent", abstract: "Manage agent accounts.",
                                                    subcommands: [Add.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an agent. The password comes from --password, SWITCHBOARD_NEW_PASSWORD, or the first line of standard input.")

        @Argument(help: "Login name: 2–32 characters of a–z, 0–9, '.', '_' or '-'.") var username: String
        @Flag(help: "Make the account an admin (may register agents).") var admin = false
        @Option(help: "Name shown to customers.") var displayName: String?
        @Option(help: "Password (prefer SWITCHBOARD_NEW_PASSWORD or stdin: arguments are visible to other users).") var password: String?
        @Option(help: "Chats routed to this agent at once.") var maxActiveChats = 5

        func run() throws {
            try cliErrors {
                let username = try Validate.username(self.username.lowercased())
                let capacity = try Validate.maxActiveChats(maxActiveChats)
                let secret = password ?? ProcessInfo.processInfo.environment["SWITCHBOARD_NEW_PASSWORD"] ?? readLine(strippingNewline: true)
                let checked = try Validate.password(secret ?? "")
                let name = try Validate.displayName(displayName ?? username)
                let agent = try openStore().1.createAgent(username: username, password: checked, displayName: name,
                                                          role: admin ? .admin : .agent, maxActiveChats: capacity)
                print("created \(agent.role.rawValue) \(agent.username) (\(agent.id))")
            }
        }
    }
}

struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the live database to a new file with SQLite's online backup (safe while serving).")

    @Argument(help: "Destination file; must not exist.") var file: String

    func run() throws {
        try cliErrors { try openStore().0.backup(to: file) }
        print("backup written to \(file)")
    }
}

/// Runs `body`, turning a refused input (`AppError`) into the CLI's usage error with the same sentence.
func cliErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as AppError {
        throw ValidationError(error.detail)
    }
}
