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
        abstract: "Switchboard administration: database, demo data, FAQs, agents, settings, backups.",
        subcommands: [Migrate.self, Seed.self, FAQCommand.self, AgentCommand.self, SettingsCommand.self, Backup.self])
}

/// The migrated SQLite store and the chat service over it.
func openStore() throws -> (SQLiteStore, ChatService) {
    // What the CLI creates (the database, backups, exports) is the service user's alone.
    umask(0o077)
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
