// switchboard-fuzz: the libFuzzer target over request parsing → routing → body decoding →
// the routes (SwitchboardFuzzing). `make fuzz` builds it with
// `-sanitize=fuzzer,address -parse-as-library -D SWITCHBOARD_LIBFUZZER`: then main runs
// libFuzzer's driver over the entry point below (SwiftPM renames an executable's main, so
// libFuzzer's own main() is not used; see CLibFuzzer.h). The ordinary build has no
// libFuzzer, so there it is a replayer: `switchboard-fuzz FILE|DIR...` runs each input once
// and exits 1 on the first broken invariant (a crash file from Tests/artifacts/fuzz/, say).
import SwitchboardFuzzing

#if SWITCHBOARD_LIBFUZZER
import CLibFuzzer
#if canImport(Glibc)
import Glibc
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzOne(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

@main
enum FuzzMain {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzerTestOneInput))
    }
}
#else
#if canImport(Glibc)
import Glibc
#endif
import Foundation

@main
struct Replay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard !arguments.isEmpty else {
            FileHandle.standardError.write(Data("usage: switchboard-fuzz FILE|DIR... (replays inputs; `make fuzz` fuzzes)\n".utf8))
            exit(2)
        }
        var files: [String] = []
        for path in arguments {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                FileHandle.standardError.write(Data("switchboard-fuzz: no such file: \(path)\n".utf8))
                exit(2)
            }
            if isDirectory.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                files += names.filter { !$0.hasPrefix(".") }.sorted().map { path + "/" + $0 }
            } else {
                files.append(path)
            }
        }
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            do {
                let outcomes = try fuzzCheck([UInt8](data))
                print("\(file): " + outcomes.map { "\($0.method) \($0.path) \($0.status)\($0.code.map { " " + $0 } ?? "")" }.joined(separator: ", "))
            } catch {
                print("\(file): FAILED\n\(error)")
                exit(1)
            }
        }
        print("\(files.count) inputs replayed, every invariant held")
    }
}
#endif
