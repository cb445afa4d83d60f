import Foundation
import SwitchboardFuzzing
import Testing

/// The fuzz corpus (Tests/fuzz/corpus/) replayed through the fuzz harness on every
/// `make test`, without the sanitizer build: each input must keep every invariant, and
/// together they must reach every route family with a success, so the corpus keeps
/// seeding the fuzzer where it matters.
@Suite struct CorpusReplayTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../fuzz/corpus").standardized

    static func files() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: corpus, includingPropertiesForKeys: nil)
            .filter { !$0.lastPathComponent.hasPrefix(".") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    @Test func everyCorpusInputKeepsTheInvariants() throws {
        let files = try Self.files()
        #expect(files.count >= 30, "the corpus at \(Self.corpus.path) is too small")
        var succeeded = Set<String>()
        for file in files {
            let data = try [UInt8](Data(contentsOf: file))
            do {
                for outcome in try fuzzCheck(data) where (200...299).contains(outcome.status) {
                    succeeded.insert(Self.family(outcome.path))
                }
            } catch {
                Issue.record("\(file.lastPathComponent): \(error)")
            }
        }
        for family in ["customer", "agent", "officer", "admin", "health"] {
            #expect(succeeded.contains(family), "no corpus input reaches a 2xx under \(family)")
        }
    }

    @Test func emptyAndGarbageInputsAreAnswered() throws {
        for input: [UInt8] in [[], [0], [0xFF, 0xFE, 0x0A, 0x0A], Array("\n---\n---\n".utf8), Array(repeating: 0x24, count: 64)] {
            #expect(throws: Never.self) { try fuzzCheck(input) }
        }
    }

    private static func family(_ path: String) -> String {
        if path == "/api/v1/health" { return "health" }
        let parts = path.split(separator: "/")
        return parts.count > 2 ? String(parts[2]) : path
    }
}
