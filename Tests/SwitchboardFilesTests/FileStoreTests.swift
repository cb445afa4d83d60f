import Foundation
import Testing
import SwitchboardCore
@testable import SwitchboardFiles

/// Uploads judged by their bytes and cleaned (API.md "Files and images"), on real files with
/// libmagic and libvips; the fixtures are made by Pillow (Tests/fixtures/files/make.py).
struct FileStoreTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../fixtures/files").standardized.path
    static let allTypes = AttachmentSettings.defaultTypes

    final class Box: @unchecked Sendable {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sb-files-\(UUID().uuidString)").path
        let store: FileStore
        init() throws { store = try FileStore(directory: dir + "/files") }
        deinit { try? FileManager.default.removeItem(atPath: dir) }
        func ingest(_ name: String, types: [String] = FileStoreTests.allTypes, max: Int64 = 10 << 20) throws -> StoredFile {
            try store.ingest(path: FileStoreTests.fixtures + "/" + name, allowedTypes: types, maxBytes: max)
        }
        func bytes(_ file: StoredFile, preview: Bool = false) throws -> Data {
            try Data(contentsOf: URL(fileURLWithPath: store.directory + "/" + store.relativePath(sha256: file.sha256, preview: preview)))
        }
    }

    func refused(_ code: String, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected \(code)")
        } catch let error as AppError {
            #expect(error.code == code, "\(error)")
        } catch {
            Issue.record("expected \(code), got \(error)")
        }
    }

    @Test func aPhotoLosesItsExifAndGPSAndIsTurnedUpright() throws {
        let box = try Box()
        let file = try box.ingest("gps.jpg")
        #expect(file.contentType == "image/jpeg" && file.hasPreview)
        // Orientation 6: the 64 × 32 picture is shown 32 × 64.
        #expect(file.width == 32 && file.height == 64)
        let stored = try box.bytes(file)
        #expect(stored.range(of: Data("SecretCam".utf8)) == nil)
        #expect(stored.range(of: Data("Exif".utf8)) == nil)
        #expect(stored.starts(with: [0xFF, 0xD8]))
        // Stored once, by content, private to the server.
        let path = box.store.directory + "/" + box.store.relativePath(sha256: file.sha256, preview: false)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try box.ingest("gps.jpg").sha256 == file.sha256)
        #expect(try box.store.storedFiles().map(\.sha256) == [file.sha256])
    }

    @Test func aPNGLosesItsTextChunkAndGetsAPreview() throws {
        let box = try Box()
        let file = try box.ingest("text-chunk.png")
        #expect(file.contentType == "image/png" && file.width == 40 && file.height == 20)
        #expect(try box.bytes(file).range(of: Data("secret-text-chunk".utf8)) == nil)
        let preview = try box.bytes(file, preview: true)
        #expect(preview.prefix(4) == Data("RIFF".utf8))   // WebP
    }

    @Test func aLargePortraitPhotoIsTurnedUpright() throws {
        // 3000 × 2000 with orientation 6 (a phone's portrait photo): too large for a
        // sequential read to turn.
        let box = try Box()
        let file = try box.ingest("portrait.jpg")
        #expect(file.width == 2000 && file.height == 3000)
    }

    @Test func animatedGIFsAndWebPsAreKeptAndPreviewed() throws {
        let box = try Box()
        let gif = try box.ingest("anim.gif")
        #expect(gif.contentType == "image/gif" && gif.width == 30 && gif.height == 20 && gif.hasPreview)
        // Re-encoded without metadata, every frame kept (the header's logical screen stays 30 × 20).
        let stored = try box.bytes(gif)
        #expect(stored.prefix(3) == Data("GIF".utf8))
        #expect(stored.split(separator: 0x2C).count >= 3)   // image descriptors (','): two frames at least
        let webp = try box.ingest("small.webp")
        #expect(webp.contentType == "image/webp" && webp.width == 50)
        for preview in [false, true] {
            #expect(try box.bytes(webp, preview: preview).range(of: Data("SecretCam".utf8)) == nil)
        }
    }

    @Test func theTypeIsWhatTheBytesSayNeverTheName() throws {
        let box = try Box()
        refused("file_type_not_allowed") { _ = try box.ingest("page.png") }     // HTML, whatever its name
        refused("file_type_not_allowed") { _ = try box.ingest("script.svg") }
        refused("invalid_image") { _ = try box.ingest("broken.jpg") }
        // A JPEG with HTML behind it comes out a clean JPEG: the rest is gone.
        let polyglot = try box.ingest("polyglot.jpg")
        #expect(try box.bytes(polyglot).range(of: Data("<script>".utf8)) == nil)
        #expect(try box.ingest("label.pdf").contentType == "application/pdf")
        let text = try box.ingest("note.txt")
        #expect(text.contentType == "text/plain" && !text.hasPreview && text.width == nil)
        #expect(try box.bytes(text) == (try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/note.txt"))))
        // Not allowed by the shop: refused by what it is.
        refused("file_type_not_allowed") { _ = try box.ingest("label.pdf", types: ["image/png"]) }
    }

    @Test func sizeLimits() throws {
        let box = try Box()
        refused("file_too_large") { _ = try box.ingest("label.pdf", max: 100) }
        let empty = box.dir + "/empty"
        FileManager.default.createFile(atPath: empty, contents: Data())
        refused("empty_file") { _ = try box.store.ingest(path: empty, allowedTypes: Self.allTypes, maxBytes: 1000) }
        #expect(FileStore.tooLarge(14 * 1024 * 1024, 10 * 1024 * 1024).detail == "That file is 14 MB; the limit is 10 MB.")
    }

    @Test func removingAFileTakesItsPreview() throws {
        let box = try Box()
        let file = try box.ingest("text-chunk.png")
        // Just written: the same content uploaded again a moment ago stays.
        try box.store.remove(sha256: file.sha256, olderThan: 60)
        #expect(try box.store.storedFiles().map(\.sha256) == [file.sha256])
        try box.store.remove(sha256: file.sha256, olderThan: 0)
        #expect(try box.store.storedFiles().isEmpty)
        try box.store.remove(sha256: "../../etc/passwd", olderThan: 0)   // not a name the store keeps: nothing happens
    }
}
