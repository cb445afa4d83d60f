import ArgumentParser
import SwitchboardCore

/// `switchboard config`: every `SWITCHBOARD_*` variable the executables read, with the
/// value this environment gives it, from the one table (`ConfigVariable.all`).
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Print every setting with its value here, default and range (or, with --markdown, the docs' table).")

    @Flag(help: "The table as docs/CONTRACTS.md carries it.") var markdown = false

    func run() throws {
        if markdown {
            print(ConfigVariable.markdown)
            return
        }
        // Refuses a malformed value exactly as the worker would at start.
        let config = try Config.fromEnvironment()
        let environment = Config.processEnvironment()
        for variable in ConfigVariable.all {
            let given = environment[variable.name].map { $0.isEmpty ? "" : " (set)" } ?? ""
            print("\(variable.name)=\(config.value(of: variable) ?? "")\(given)    default: \(variable.defaultDoc)")
        }
    }
}
