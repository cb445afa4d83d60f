/// What an admin lets through (API.md "Files and images").
public struct AttachmentSettings: Codable, Equatable, Sendable {
    public var enabled: Bool = true
    /// Whether customers may upload (agents may whenever attachments are enabled).
    public var customerUploads: Bool = true
    public var maxBytes: Int64 = 10 * 1024 * 1024
    /// MIME types, as libmagic names them.
    public var allowedTypes: [String] = AttachmentSettings.defaultTypes

    public static let defaultTypes = ["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"]
    public static let maxBytesRange: ClosedRange<Int64> = 1024...(100 * 1024 * 1024)

    public init() {}

    enum CodingKeys: String, CodingKey {
        case enabled, customerUploads = "customer_uploads", maxBytes = "max_bytes", allowedTypes = "allowed_types"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
        customerUploads = try c.decodeIfPresent(Bool.self, forKey: .customerUploads) ?? true
        maxBytes = try c.decodeIfPresent(Int64.self, forKey: .maxBytes) ?? 10 * 1024 * 1024
        allowedTypes = try c.decodeIfPresent([String].self, forKey: .allowedTypes) ?? Self.defaultTypes
    }

    /// Whether `side` may upload at all.
    public func allows(_ side: AttachmentSide) -> Bool { enabled && (side == .agent || customerUploads) }
}

/// The attachments part of a settings patch.
public struct AttachmentPatch: Decodable, Sendable {
    public var enabled: Bool?
    public var customerUploads: Bool?
    public var maxBytes: Int64?
    public var allowedTypes: [String]?

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AttachmentSettings.CodingKeys.self)
        enabled = try c.patchValue(Bool.self, .enabled)
        customerUploads = try c.patchValue(Bool.self, .customerUploads)
        maxBytes = try c.patchValue(Int64.self, .maxBytes)
        allowedTypes = try c.patchValue([String].self, .allowedTypes)
    }

    func applied(to settings: AttachmentSettings) throws -> AttachmentSettings {
        var a = settings
        if let enabled { a.enabled = enabled }
        if let customerUploads { a.customerUploads = customerUploads }
        if let maxBytes {
            guard AttachmentSettings.maxBytesRange.contains(maxBytes) else {
                throw AppError.badRequest("attachments.max_bytes: 1024 (1 KiB) to 104857600 (100 MiB).", code: "invalid_settings")
            }
            a.maxBytes = maxBytes
        }
        if let allowedTypes {
            guard (1...30).contains(allowedTypes.count) else {
                throw AppError.badRequest("attachments.allowed_types: 1 to 30 MIME types.", code: "invalid_settings")
            }
            var types: [String] = []
            for type in allowedTypes.map({ $0.lowercased() }) {
                guard FileNames.isMIMEType(type) else {
                    throw AppError.badRequest("attachments.allowed_types: \(String(type.prefix(80))) is not a MIME type (like image/png).",
                                              code: "invalid_settings")
                }
                if !types.contains(type) { types.append(type) }
            }
            a.allowedTypes = types
        }
        return a
    }
}

/// Who uploaded a file: the conversation's customer, or an agent.
public enum AttachmentSide: String, Codable, Sendable {
    case customer, agent
}

/// A file as the store keeps it: once per content (by SHA-256), with what was found in it.
public struct StoredFile: Equatable, Sendable {
    public var sha256: String
    public var size: Int64
    public var contentType: String
    public var width: Int?
    public var height: Int?
    /// Images have a preview (`<sha256>.preview`).
    public var hasPreview: Bool

    public init(sha256: String, size: Int64, contentType: String, width: Int? = nil, height: Int? = nil, hasPreview: Bool = false) {
        self.sha256 = sha256
        self.size = size
        self.contentType = contentType
        self.width = width
        self.height = height
        self.hasPreview = hasPreview
    }
}

/// Judges, cleans and keeps uploaded files (SwitchboardFiles: libmagic and libvips). The
/// rules that decide who may upload what stay in the chat service.
public protocol FileIngest: Sendable {
    /// The file at `path` (an upload nginx wrote, or the body a test gave), judged by its
    /// bytes: a type not in `allowedTypes` is 415 `file_type_not_allowed`, an image that
    /// does not decode 415 `invalid_image`, more than `maxBytes` 413 `file_too_large`,
    /// nothing 400 `empty_file`. Images are stored without their metadata, with a preview.
    /// The file is durable (flushed, renamed) when this returns.
    func ingest(path: String, allowedTypes: [String], maxBytes: Int64) throws -> StoredFile
    /// The same for a body held in memory (a small one, or a test's).
    func ingest(bytes: [UInt8], allowedTypes: [String], maxBytes: Int64) throws -> StoredFile
    /// Where nginx finds a stored file, relative to the files directory.
    func relativePath(sha256: String, preview: Bool) -> String
    /// The content hashes of the files kept, with their age in seconds.
    func storedFiles() throws -> [(sha256: String, ageSeconds: Int64)]
    /// Deletes a stored file and its preview, unless it was written less than `olderThan`
    /// seconds ago (the same content uploaded again, its row perhaps not committed yet).
    func remove(sha256: String, olderThan seconds: Int64) throws
}

/// An uploaded file in a conversation (API.md "Attachment"), as stored.
public struct Attachment: Equatable, Sendable {
    public var id: String
    public var conversationId: String
    public var side: AttachmentSide
    public var filename: String
    public var file: StoredFile
    /// The message that carries it; nil while unused.
    public var messageId: String?
    public var createdAt: Timestamp

    public init(id: String, conversationId: String, side: AttachmentSide, filename: String, file: StoredFile,
                messageId: String? = nil, createdAt: Timestamp) {
        self.id = id
        self.conversationId = conversationId
        self.side = side
        self.filename = filename
        self.file = file
        self.messageId = messageId
        self.createdAt = createdAt
    }

    /// What a message keeps of it (stored with the message, so reading messages joins nothing).
    public var ref: AttachmentRef {
        AttachmentRef(id: id, filename: filename, contentType: file.contentType, size: file.size, sha256: file.sha256,
                      width: file.width, height: file.height, hasPreview: file.hasPreview)
    }
}

/// An attachment as a message carries it, and its wire shape: the links are signed when it
/// is written out (`FileLinks.signer`), so every answer and event hands out fresh ones.
public struct AttachmentRef: Codable, Equatable, Sendable {
    public var id: String
    public var filename: String
    public var contentType: String
    public var size: Int64
    public var sha256: String
    public var width: Int?
    public var height: Int?
    public var hasPreview: Bool

    public init(id: String, filename: String, contentType: String, size: Int64, sha256: String, width: Int?, height: Int?,
                hasPreview: Bool) {
        self.id = id
        self.filename = filename
        self.contentType = contentType
        self.size = size
        self.sha256 = sha256
        self.width = width
        self.height = height
        self.hasPreview = hasPreview
    }

    /// Shown in the page (never an HTML or SVG document, whatever anyone claims).
    public var inline: Bool { FileNames.inlineTypes.contains(contentType) }

    enum CodingKeys: String, CodingKey {
        case id, filename, contentType = "content_type", size, sha256, width, height, hasPreview = "has_preview"
        case inline, url, urlExpiresAt = "url_expires_at", previewURL = "preview_url"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        filename = try c.decode(String.self, forKey: .filename)
        contentType = try c.decode(String.self, forKey: .contentType)
        size = try c.decode(Int64.self, forKey: .size)
        sha256 = try c.decode(String.self, forKey: .sha256)
        width = try c.decodeIfPresent(Int.self, forKey: .width)
        height = try c.decodeIfPresent(Int.self, forKey: .height)
        // Stored rows say it; a wire copy (tests) tells by its preview link.
        hasPreview = try c.decodeIfPresent(Bool.self, forKey: .hasPreview)
            ?? (try c.decodeIfPresent(String.self, forKey: .previewURL) != nil)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(filename, forKey: .filename)
        try c.encode(contentType, forKey: .contentType)
        try c.encode(size, forKey: .size)
        try c.encode(sha256, forKey: .sha256)
        try c.encodeIfPresent(width, forKey: .width)
        try c.encodeIfPresent(height, forKey: .height)
        if FileLinks.storing {
            try c.encode(hasPreview, forKey: .hasPreview)
            return
        }
        try c.encode(inline, forKey: .inline)
        let signer = FileLinks.signer
        let link = signer?.link(id: id, variant: nil)
        try c.encodeIfPresent(link?.url, forKey: .url)
        try c.encodeIfPresent(link?.expiresAt, forKey: .urlExpiresAt)
        try c.encodeIfPresent(hasPreview ? signer?.link(id: id, variant: "preview").url : nil, forKey: .previewURL)
    }
}

/// Signs file links (the chat service's, keyed with a server secret).
public protocol FileLinkSigning: Sendable {
    /// `/api/v1/files/{id}?exp=…&sig=…[&variant=…]`, valid for 15 minutes from now.
    func link(id: String, variant: String?) -> (url: String, expiresAt: Timestamp)
}

/// Who signs the links written out right now: set around each request by the API (a
/// task-local, so the one encoder that writes every answer and event signs them), and
/// `storing` while a message's attachments are written to the database (no links there).
public enum FileLinks {
    @TaskLocal public static var signer: (any FileLinkSigning)?
    @TaskLocal public static var storing = false
}

/// Uploaded files' names and types.
public enum FileNames {
    /// Types a page may show inline (an image element); everything else is downloaded.
    public static let inlineTypes: Set<String> = ["image/png", "image/jpeg", "image/gif", "image/webp"]
    /// The images libvips cleans and previews, by the format name its loaders use.
    public static let imageFormats = ["image/png": "png", "image/jpeg": "jpeg", "image/gif": "gif", "image/webp": "webp"]

    /// API.md "Names": path parts, control characters, bidi controls and NUL removed, at
    /// most 200 characters, never empty.
    public static func clean(_ name: String?) -> String {
        var scalars = String.UnicodeScalarView()
        let raw = name ?? ""
        let lastPart = raw.split(omittingEmptySubsequences: false) { $0 == "/" || $0 == "\\" }.last.map(String.init) ?? ""
        for scalar in lastPart.unicodeScalars {
            let v = scalar.value
            if v < 0x20 || (0x7F...0x9F).contains(v) { continue }                  // controls, NUL included
            if (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) || v == 0x200E || v == 0x200F
                || v == 0x061C { continue }                                         // bidi controls
            scalars.append(scalar)
        }
        var cleaned = String(String(scalars).unicodeScalars.prefix(200)).trimmingSpaces
        if cleaned == "." || cleaned == ".." { cleaned = "" }
        return cleaned.isEmpty ? "file" : cleaned
    }

    /// `type/subtype` in the characters RFC 6838 allows.
    public static func isMIMEType(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, text.count <= 100 else { return false }
        return parts.allSatisfy { part in
            !part.isEmpty && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "!#$&^_.+-".contains($0)) }
        }
    }
}

public protocol AttachmentReader {
    func attachment(id: String) throws -> Attachment?
    /// Unused uploads created before `before`.
    func unusedAttachments(before: Timestamp, limit: Int) throws -> [Attachment]
    /// Whether any row keeps the file with this hash.
    func fileInUse(sha256: String) throws -> Bool
    /// The hashes of every file the attachments of a contact's conversations keep.
    func fileHashes(contactId: String) throws -> [String]
}

public protocol AttachmentWriter {
    func insertAttachment(_ attachment: Attachment) throws
    /// Marks uploads as carried by a message.
    func useAttachments(ids: [String], messageId: String) throws
    /// Deletes an upload that no message carries (one a message took meanwhile stays).
    func deleteUnusedAttachment(id: String) throws
}

/// Sizes in words, as people read them (1 KB = 1024 bytes, like the pages show them).
public enum ByteCount {
    public static func words(_ bytes: Int64) -> String {
        if bytes < 1024 { return "\(bytes) byte\(bytes == 1 ? "" : "s")" }
        if bytes < 1024 * 1024 { return "\(bytes / 1024) KB" }
        let tenths = bytes * 10 / (1024 * 1024)
        if tenths < 100, tenths % 10 != 0 { return "\(tenths / 10).\(tenths % 10) MB" }
        return "\(tenths / 10) MB"
    }
}

/// What a page needs to know before it offers to send a file (`widget-config`, `GET /agent/me`).
public struct AttachmentLimits: Codable, Equatable, Sendable {
    public var enabled: Bool
    public var maxBytes: Int64
    public var allowedTypes: [String]

    public init(_ settings: AttachmentSettings, side: AttachmentSide) {
        enabled = settings.allows(side)
        maxBytes = settings.maxBytes
        allowedTypes = settings.allowedTypes
    }

    enum CodingKeys: String, CodingKey { case enabled, maxBytes = "max_bytes", allowedTypes = "allowed_types" }
}
