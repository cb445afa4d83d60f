import ArgumentParser
import Foundation
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

func openStore() throws -> Store {
    let config = try Config.fromEnvironment()
    let store = try Store(config: config)
    try store.migrate()
    return store
}

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or upgrade the database schema (idempotent).")

    func run() throws {
        let store = try openStore()
        let applied = try store.appliedMigrations()
        print("database migrated: \(applied.count) migration(s) applied, newest \(applied.last ?? "none")")
    }
}

struct Seed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the demo FAQs and the demo admin and agent accounts (idempotent).",
        discussion: "Passwords come from SWITCHBOARD_ADMIN_PASSWORD / SWITCHBOARD_AGENT_PASSWORD (which also reset existing accounts); otherwise new accounts get random ones, printed once.")

    func run() throws {
        let store = try openStore()
        try DemoData.seedFAQs(store)
        print("seeded \(DemoData.faqs.count) FAQs")
        let env = ProcessInfo.processInfo.environment
        for (username, name, role, variable) in [("admin", "Ada Admin", AgentRole.admin, "SWITCHBOARD_ADMIN_PASSWORD"),
                                                 ("agent", "Alex Agent", AgentRole.agent, "SWITCHBOARD_AGENT_PASSWORD")] {
            let chosen = env[variable].flatMap { $0.isEmpty ? nil : $0 }
            if let chosen, chosen.count < Limits.passwordMinLength {
                throw ValidationError("\(variable) must have at least \(Limits.passwordMinLength) characters.")
            }
            switch try DemoData.seedAccount(store, username: username, displayName: name, role: role, password: chosen) {
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
            let username = self.username.lowercased()
            guard username.range(of: Limits.usernamePattern, options: .regularExpression) != nil else {
                throw ValidationError("username: 2–32 characters of a–z, 0–9, '.', '_' or '-', starting with a letter or digit.")
            }
            guard Limits.maxActiveChatsRange.contains(maxActiveChats) else {
                throw ValidationError("--max-active-chats must be within \(Limits.maxActiveChatsRange).")
            }
            let secret = password ?? ProcessInfo.processInfo.environment["SWITCHBOARD_NEW_PASSWORD"] ?? readLine(strippingNewline: true)
            guard let secret, (Limits.passwordMinLength...Limits.passwordMaxLength).contains(secret.count) else {
                throw ValidationError("The password needs \(Limits.passwordMinLength)–\(Limits.passwordMaxLength) characters.")
            }
            let store = try openStore()
            do {
                let agent = try store.createAgent(username: username, password: secret, displayName: displayName ?? username,
                                                  role: admin ? .admin : .agent, maxActiveChats: maxActiveChats)
                print("created \(agent.role.rawValue) \(agent.username) (\(agent.id))")
            } catch let error as AppError {
                throw ValidationError(error.detail)
            }
        }
    }
}

struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the live database to a new file with SQLite's online backup (safe while serving).")

    @Argument(help: "Destination file; must not exist.") var file: String

    func run() throws {
        let store = try openStore()
        do {
            try store.backup(to: file)
        } catch let error as AppError {
            throw ValidationError(error.detail)
        }
        print("backup written to \(file)")
    }
}
