import Foundation
import Testing
import SwitchboardCore

/// The one table of settings: `Config` takes its defaults and ranges from it, and
/// docs/CONTRACTS.md carries exactly its markdown.
struct ConfigTableTests {
    @Test func theDocsCarryTheTableAsTheCodeHasIt() throws {
        let contracts = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../docs/CONTRACTS.md").standardized
        let text = try String(contentsOf: contracts, encoding: .utf8)
        let begin = try #require(text.range(of: "<!-- config-table: begin -->\n"))
        let end = try #require(text.range(of: "\n<!-- config-table: end -->"))
        #expect(String(text[begin.upperBound..<end.lowerBound]) == ConfigVariable.markdown,
                "docs/CONTRACTS.md is stale: paste `switchboard config --markdown` between its config-table markers")
    }

    @Test func aDefaultConfigAndAnEmptyEnvironmentAgreeWithTheTable() throws {
        let fromInit = Config()
        let fromEnvironment = try Config.fromEnvironment([:])
        for variable in ConfigVariable.all {
            let value = try #require(fromEnvironment.value(of: variable), "\(variable.name) has no value in Config")
            #expect(fromInit.value(of: variable) == value, "\(variable.name)")
            if let number = variable.defaultNumber(cores: ConfigVariable.cores, resolving: { _ in fromEnvironment.maxConcurrentHashes }) {
                #expect(value == String(number), "\(variable.name)")
            }
        }
        #expect(fromEnvironment.workerThreads == 16 * ConfigVariable.cores)
        #expect(Set(ConfigVariable.all.map(\.name)).count == ConfigVariable.all.count)
    }

    @Test func everyRangeIsEnforcedAtItsEdges() throws {
        for variable in ConfigVariable.all {
            guard let range = variable.range else { continue }
            #expect(throws: ConfigError.self, "\(variable.name)") {
                try Config.fromEnvironment([variable.name: String(range.upperBound + 1)])
            }
            let edge = try Config.fromEnvironment([variable.name: String(range.lowerBound)])
            #expect(edge.value(of: variable) == String(range.lowerBound), "\(variable.name)")
        }
    }
}
