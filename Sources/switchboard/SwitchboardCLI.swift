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
        subcommands: [Migrate.self, Seed.self, FAQCommand.self, AgentCommand.self, SettingsCommand.self, Backup.self,
                      RoutesCommand.self, ConfigCommand.self, IdentityCommand.self, ContactCommand.self,
                      ImportCommand.self])
}

/// The SQLite store (its schema this build's: only `migrate` changes it) and the chat service over it.
func openStore(migrating: Bool = false) throws -> (SQLiteStore, ChatService) {
    // What the CLI creates (the database, backups, exports) is the service user's alone.
    umask(0o077)
    let config = try Config.fromEnvironment()
    let store = try SQLiteStore(config: config)
    if migrating {
        try store.migrate()
    } else if let refusal = try store.schema().refusal(program: "switchboard", path: config.databasePath) {
        // One line and EX_CONFIG, as the worker and the notifier say it (no usage text: nothing was mistyped).
        FileHandle.standardError.write(Data((refusal + "\n").utf8))
        throw ExitCode(78)
    }
    return (store, ChatService(store: store, config: config))
}

/// The one migrator: run before the services start (`ExecStartPre=` in the units, `make run`).
struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create or upgrade the database schema (idempotent); the worker and notifier refuse any other schema.")

    func run() throws {
        let config = try Config.fromEnvironment()
        umask(0o077)
        let before = try SQLiteStore(config: config).schema()
        if let newer = before.unknown.last {
            throw ValidationError("the database \(config.databasePath) has migration \"\(newer)\", newer than this build; run the release that made it")
        }
        let applied = try openStore(migrating: true).0.appliedMigrations()
        let new = applied.filter { !before.applied.contains($0) }
        for name in new { print("applied \(name)") }
        print("database migrated: \(applied.count) migration(s), newest \(applied.last ?? "none")\(new.isEmpty ? " (nothing to do)" : "")")
    }
}

struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the live database to a new file with SQLite's online backup (safe while serving), and the uploaded files beside it (FILE.files/).")

    @Argument(help: "Destination file; must not exist.") var file: String

    func run() throws {
        try cliErrors { try openStore().0.backup(to: file) }
        print("backup written to \(file)")
        // After the database: every file a row of the copy names was stored before its row.
        let copied = try FileBackup.copy(from: try Config.fromEnvironment().filesDir, to: file + ".files")
        print("\(copied) file(s) written to \(file).files")
    }
}

/// The uploaded files beside a database backup: kept by content and never changed, so each
/// is hard-linked when the backup is on the same file system, copied otherwise.
enum FileBackup {
    static func copy(from source: String, to destination: String) throws -> Int {
        let manager = FileManager.default
        guard manager.fileExists(atPath: source) else { return 0 }
        guard !manager.fileExists(atPath: destination) else {
            throw ValidationError("\(destination) exists; give the backup a new name")
        }
        try manager.createDirectory(atPath: destination, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var count = 0
        for shard in try manager.contentsOfDirectory(atPath: source) where !shard.hasPrefix("tmp-") {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: source + "/" + shard, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            try manager.createDirectory(atPath: destination + "/" + shard, withIntermediateDirectories: true,
                                        attributes: [.posixPermissions: 0o700])
            for name in try manager.contentsOfDirectory(atPath: source + "/" + shard) {
                let from = source + "/" + shard + "/" + name, to = destination + "/" + shard + "/" + name
                do { try manager.linkItem(atPath: from, toPath: to) } catch { try manager.copyItem(atPath: from, toPath: to) }
                count += 1
            }
        }
        return count
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
