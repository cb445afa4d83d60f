import CMagic
import CVips
import Crypto
import Foundation
import POSIXSupport
import SwitchboardCore

/// Uploaded files on disk (API.md "Files and images"): the type judged from the bytes
/// (libmagic), images decoded and written again without their metadata, with a preview
/// (libvips), everything kept once per content under its SHA-256, mode 0600, written to a
/// temporary name, flushed and renamed, so a crash leaves either the whole file or none.
/// A file is read and written in pieces: an upload of 100 MiB never sits in memory.
public final class FileStore: FileIngest, @unchecked Sendable {
    /// `<data>/files`: `ab/abcdef…` (the first two hex digits a directory), `….preview`.
    public let directory: String
    /// libmagic's handle is not thread-safe: one call at a time.
    private let magicLock = PlainLock()
    private let magic: magic_t
    /// An image of more pixels than this (all frames together) is refused before it is decoded.
    static let maxPixels: Int64 = 50_000_000
    static let previewSize: Int32 = 480

    public init(directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        guard let handle = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_ELF) else {
            throw FileStoreError("magic_open failed")
        }
        guard magic_load(handle, nil) == 0 else {
            let why = String(cString: magic_error(handle))
            magic_close(handle)
            throw FileStoreError("libmagic cannot load its database: \(why)")
        }
        magic = handle
        _ = Self.vipsReady
    }

    deinit { magic_close(magic) }

    /// libvips once per process: no operation cache (every upload is new), and the loaders
    /// it marks untrusted (the ones for formats the web does not need) blocked.
    private static let vipsReady: Void = {
        _ = vips_init("switchboard")
        vips_cache_set_max(0)
        vips_block_untrusted_set(1)
    }()

    // MARK: FileIngest

    public func ingest(path: String, allowedTypes: [String], maxBytes: Int64) throws -> StoredFile {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileStoreError("cannot open the upload: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { throw FileStoreError("the upload is not a file") }
        let size = Int64(info.st_size)
        guard size > 0 else { throw AppError.badRequest("The file is empty.", code: "empty_file") }
        guard size <= maxBytes else { throw Self.tooLarge(size, maxBytes) }

        let type = try detect(fd)
        guard allowedTypes.contains(type) else {
            throw AppError(status: 415, code: "file_type_not_allowed",
                           detail: "Files of type \(type) cannot be sent here (allowed: \(allowedTypes.joined(separator: ", "))).")
        }
        let temporary = temporaryPath()
        defer { unlink(temporary) }
        var width: Int?
        var height: Int?
        var previewTemporary: String?
        defer { if let previewTemporary { unlink(previewTemporary) } }
        if let format = FileNames.imageFormats[type] {
            (width, height) = try cleanImage(path, format: format, to: temporary)
            let preview = temporaryPath()
            previewTemporary = preview
            guard sb_vips_preview(temporary, Self.previewSize, preview) == 0 else { throw Self.notAnImage(vipsError()) }
        } else if link(path, temporary) != 0 {
            // Not on the same file system as nginx's upload directory: copied in pieces
            // (on the same one the upload is linked into place, no byte copied).
            try copy(fd, to: temporary)
        }
        let (sha256, storedSize) = try digest(temporary)
        try keep(temporary, as: finalPath(sha256, preview: false))
        if let previewTemporary { try keep(previewTemporary, as: finalPath(sha256, preview: true)) }
        try syncDirectory(shard(sha256))
        return StoredFile(sha256: sha256, size: storedSize, contentType: type, width: width, height: height,
                          hasPreview: previewTemporary != nil)
    }

    public func ingest(bytes: [UInt8], allowedTypes: [String], maxBytes: Int64) throws -> StoredFile {
        guard !bytes.isEmpty else { throw AppError.badRequest("The file is empty.", code: "empty_file") }
        guard Int64(bytes.count) <= maxBytes else { throw Self.tooLarge(Int64(bytes.count), maxBytes) }
        let path = temporaryPath()
        defer { unlink(path) }
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
            throw FileStoreError("cannot write \(path)")
        }
        return try ingest(path: path, allowedTypes: allowedTypes, maxBytes: maxBytes)
    }

    public func relativePath(sha256: String, preview: Bool) -> String {
        "\(sha256.prefix(2))/\(sha256)\(preview ? ".preview" : "")"
    }

    public func storedFiles() throws -> [(sha256: String, ageSeconds: Int64)] {
        let now = Date()
        var found: [(String, Int64)] = []
        for shard in try FileManager.default.contentsOfDirectory(atPath: directory) {
            let shardPath = directory + "/" + shard
            if shard.hasPrefix("tmp-") {
                // Left by a crash between writing and renaming.
                let modified = (try? FileManager.default.attributesOfItem(atPath: shardPath))?[.modificationDate] as? Date ?? now
                found.append((shard, Int64(now.timeIntervalSince(modified))))
                continue
            }
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: shardPath) else { continue }
            for name in names {
                let attributes = try? FileManager.default.attributesOfItem(atPath: shardPath + "/" + name)
                let modified = attributes?[.modificationDate] as? Date ?? now
                let hash = name.hasSuffix(".preview") ? String(name.dropLast(".preview".count)) : name
                found.append((hash, Int64(now.timeIntervalSince(modified))))
            }
        }
        // One entry per content, as old as its youngest part.
        var byHash: [String: Int64] = [:]
        for (hash, age) in found { byHash[hash] = min(byHash[hash] ?? age, age) }
        return byHash.map { ($0.key, $0.value) }.sorted { $0.0 < $1.0 }
    }

    public func remove(sha256: String, olderThan seconds: Int64) throws {
        guard Self.isName(sha256) else { return }
        if sha256.hasPrefix("tmp-") {
            if age(directory + "/" + sha256) >= seconds { unlink(directory + "/" + sha256) }
            return
        }
        // The same content uploaded again just now was renamed into place afresh (its row may
        // not have committed yet): it stays.
        guard age(finalPath(sha256, preview: false)) >= seconds else { return }
        unlink(finalPath(sha256, preview: false))
        unlink(finalPath(sha256, preview: true))
    }

    /// Seconds since the file was last written (0 when it cannot be read: keep it).
    private func age(_ path: String) -> Int64 {
        var info = stat()
        guard stat(path, &info) == 0 else { return 0 }
        return max(0, Int64(time(nil)) - Int64(info.st_mtim.tv_sec))
    }

    // MARK: Steps

    /// The MIME type libmagic finds in the first 64 KiB.
    private func detect(_ fd: Int32) throws -> String {
        var head = [UInt8](repeating: 0, count: 64 * 1024)
        let n = pread(fd, &head, head.count, 0)
        guard n > 0 else { throw FileStoreError("cannot read the upload") }
        return magicLock.withLock {
            guard let found = magic_buffer(magic, head, n) else { return "application/octet-stream" }
            return String(cString: found).lowercased()
        }
    }

    /// Decodes the image with the loader of its format, turns it upright (EXIF orientation),
    /// and writes it again without metadata. Its size, as shown.
    private func cleanImage(_ path: String, format: String, to output: String) throws -> (Int, Int) {
        var image: UnsafeMutablePointer<VipsImage>?
        guard sb_vips_load(format, path, 1, &image) == 0, var loaded = image else { throw Self.notAnImage(vipsError()) }
        if vips_image_get_orientation(loaded) > 1 {
            // Turned by the EXIF orientation: read for random access (a sequential read cannot turn).
            sb_vips_unref(loaded)
            image = nil
            guard sb_vips_load(format, path, 0, &image) == 0, let random = image else { throw Self.notAnImage(vipsError()) }
            loaded = random
        }
        defer { sb_vips_unref(loaded) }
        let width = Int64(vips_image_get_width(loaded))
        let fullHeight = Int64(vips_image_get_height(loaded))
        guard width > 0, fullHeight > 0, width * fullHeight <= Self.maxPixels else {
            throw AppError(status: 415, code: "invalid_image", detail: "The image is larger than \(Self.maxPixels / 1_000_000) megapixels.")
        }
        let pageHeight = Int(sb_vips_height_per_page(loaded))
        var upright: UnsafeMutablePointer<VipsImage>? = loaded
        let animated = pageHeight > 0 && Int64(pageHeight) < fullHeight
        if !animated {
            var rotated: UnsafeMutablePointer<VipsImage>?
            guard sb_vips_autorot(loaded, &rotated) == 0, let turned = rotated else { throw Self.notAnImage(vipsError()) }
            upright = turned
        }
        defer { if upright != loaded { sb_vips_unref(upright) } }
        var bare: UnsafeMutablePointer<VipsImage>?
        guard let upright, sb_vips_without_metadata(upright, &bare) == 0, let clean = bare else { throw Self.notAnImage(vipsError()) }
        defer { sb_vips_unref(clean) }
        guard sb_vips_save(format, clean, output) == 0 else { throw Self.notAnImage(vipsError()) }
        return (Int(vips_image_get_width(clean)), animated ? pageHeight : Int(vips_image_get_height(clean)))
    }

    private func copy(_ fd: Int32, to output: String) throws {
        let out = open(output, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard out >= 0 else { throw FileStoreError("cannot create \(output): \(String(cString: strerror(errno)))") }
        defer { close(out) }
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        var offset: off_t = 0
        while true {
            let n = pread(fd, &buffer, buffer.count, offset)
            guard n >= 0 else { throw FileStoreError("cannot read the upload") }
            if n == 0 { break }
            var written = 0
            while written < n {
                let w = buffer.withUnsafeBytes { write(out, $0.baseAddress! + written, n - written) }
                guard w > 0 else { throw FileStoreError("cannot write \(output): \(String(cString: strerror(errno)))") }
                written += w
            }
            offset += off_t(n)
        }
    }

    /// SHA-256 (lower-case hex) and size of a file, read in pieces.
    private func digest(_ path: String) throws -> (String, Int64) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileStoreError("cannot read \(path)") }
        defer { close(fd) }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        var total: Int64 = 0
        while true {
            let n = read(fd, &buffer, buffer.count)
            guard n >= 0 else { throw FileStoreError("cannot read \(path)") }
            if n == 0 { break }
            hasher.update(data: buffer[0..<n])
            total += Int64(n)
        }
        return (Hex.string(hasher.finalize()), total)
    }

    /// Flushes `temporary` and renames it into place (a file already there is the same content).
    private func keep(_ temporary: String, as final: String) throws {
        let fd = open(temporary, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileStoreError("cannot open \(temporary)") }
        let synced = fsync(fd) == 0
        close(fd)
        guard synced else { throw FileStoreError("cannot flush \(temporary): \(String(cString: strerror(errno)))") }
        chmod(temporary, 0o600)
        let shardPath = (final as NSString).deletingLastPathComponent
        if mkdir(shardPath, 0o700) == 0 {
            try syncDirectory(directory)   // the new shard itself is durable too
        } else if errno != EEXIST {
            throw FileStoreError("cannot create \(shardPath)")
        }
        guard rename(temporary, final) == 0 else { throw FileStoreError("cannot store \(final): \(String(cString: strerror(errno)))") }
    }

    private func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileStoreError("cannot open \(path)") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw FileStoreError("cannot flush \(path): \(String(cString: strerror(errno)))") }
    }

    private func temporaryPath() -> String { directory + "/tmp-" + UUID().uuidString.lowercased() }
    private func shard(_ sha256: String) -> String { directory + "/" + sha256.prefix(2) }
    private func finalPath(_ sha256: String, preview: Bool) -> String { directory + "/" + relativePath(sha256: sha256, preview: preview) }

    /// A content hash as stored (64 lower-case hex digits), or a temporary name.
    static func isName(_ text: String) -> Bool {
        (text.count == 64 && text.allSatisfy { $0.isHexDigit && !$0.isUppercase }) || text.hasPrefix("tmp-")
    }

    private func vipsError() -> String {
        let text = String(cString: vips_error_buffer()).trimmingCharacters(in: .whitespacesAndNewlines)
        vips_error_clear()
        return text
    }

    static func tooLarge(_ size: Int64, _ limit: Int64) -> AppError {
        AppError(status: 413, code: "file_too_large",
                 detail: "That file is \(ByteCount.words(size)); the limit is \(ByteCount.words(limit)).")
    }

    static func notAnImage(_ why: String) -> AppError {
        AppError(status: 415, code: "invalid_image", detail: "The file looks like an image but cannot be read as one.")
    }
}

/// A failure of the file store itself (disk, libraries): a 500, logged.
public struct FileStoreError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
