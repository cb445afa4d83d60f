import ArgumentParser
import Foundation
import SwitchboardChat
import SwitchboardCore

/// `switchboard import conversations FILE`: closed conversations from another system, with
/// their own times, so reports cover the months before Switchboard (docs/OPERATIONS.md).
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "Import history from another system.",
                                                    subcommands: [Conversations.self])

    struct Conversations: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import closed conversations from a JSON Lines file (- for standard input). A bad line imports nothing.")

        @Argument(help: "One JSON object per line: docs/OPERATIONS.md \"Bring history from another system\".") var file: String

        func run() throws {
            let bytes = file == "-" ? [UInt8](FileHandle.standardInput.readDataToEndOfFile()) : try readFile(file)
            var items: [(number: Int, item: ImportedConversation)] = []
            var errors: [String] = []
            for (index, line) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
                guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { continue }
                do {
                    items.append((index + 1, try JSONDecoder().decode(ImportedConversation.self, from: Data(line))))
                } catch {
                    errors.append("line \(index + 1): not an import object: \(Self.describe(error))")
                    if errors.count >= 20 { break }
                }
            }
            guard errors.isEmpty else { throw ValidationError(errors.joined(separator: "\n") + "\nnothing was imported") }
            let total = items.count
            try cliErrors {
                let report = try openStore().1.importConversations(items) { done in
                    FileHandle.standardError.write(Data("read \(done.imported + done.skipped) of \(total): \(done.imported) imported, \(done.skipped) skipped\n".utf8))
                }
                print("imported \(report.imported), skipped \(report.skipped) (their ids exist)")
            }
        }

        /// A decoding error as the field it is about.
        static func describe(_ error: any Error) -> String {
            guard let error = error as? DecodingError else { return "not valid JSON" }
            switch error {
            case .keyNotFound(let key, _): return "\(key.stringValue) is required"
            case .typeMismatch(_, let context), .valueNotFound(_, let context):
                return "\(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type"
            case .dataCorrupted: return "not valid JSON"
            @unknown default: return "not valid JSON"
            }
        }
    }
}
