import ArgumentParser
import Foundation
import SwitchboardChat
import SwitchboardCore

/// `switchboard faq export|import`: the FAQs as a JSON file, for deployments and reviews.
struct FAQCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "faq", abstract: "Export or import the FAQs.",
                                                    subcommands: [Export.self, Import.self])

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write every FAQ (disabled ones included) as JSON, one per line, in display order.")

        @Option(help: "Write to this file instead of standard output.") var file: String?

        func run() throws {
            let entries = try openStore().1.adminFAQs().map(FAQInput.init)
            let lines = try entries.map { "  " + (try WireJSON.string($0)) }
            let text = "[\n" + lines.joined(separator: ",\n") + (lines.isEmpty ? "]\n" : "\n]\n")
            if let file {
                guard FileManager.default.createFile(atPath: file, contents: Data(text.utf8)) else {
                    throw ValidationError("Cannot write \(file).")
                }
                print("exported \(entries.count) FAQs to \(file)")
            } else {
                print(text, terminator: "")
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or update FAQs by slug from a JSON file (as export writes it). A bad entry changes nothing.")

        @Argument(help: "The JSON file: an array of {question, answer, slug?, keywords?, position?, enabled?}.") var file: String

        func run() throws {
            let bytes = try readFile(file)
            try cliErrors {
                let report = try openStore().1.importFAQs(try DemoData.readFAQs(bytes), by: .cli)
                print("created \(report.created.count), updated \(report.updated.count), unchanged \(report.unchanged.count)")
                for slug in report.created { print("  created \(slug)") }
                for slug in report.updated { print("  updated \(slug)") }
            }
        }
    }
}
