import SwitchboardChat
import SwitchboardCore

/// Files in conversations (API.md "Files and images"): uploads from either side, the check
/// nginx asks for before it reads an upload's body, and the signed links, which the worker
/// checks and nginx serves (`X-Accel-Redirect`: the files directory has no URL of its own).
struct FileRoutes: Sendable {
    let service: ChatService
    /// Nil in a process that keeps no files (the CLI's route listing, the fuzz harness).
    let files: (any FileIngest)?

    /// nginx's `auth_request` for an upload (before the body): `/internal/upload-check/<side>/<id>`.
    static let checkPrefix = "/internal/upload-check/"
    /// The internal location nginx serves stored files from.
    static let servedPrefix = "/_switchboard/files/"

    func register(_ table: inout RouteTable) {
        table.customer("POST", "/api/v1/customer/conversations/:id/attachments", customerUpload)
        table.agent("POST", "/api/v1/agent/conversations/:id/attachments", agentUpload)
        table.customer("POST", "\(Self.checkPrefix)customer/:id", customerCheck)
        table.agent("POST", "\(Self.checkPrefix)agent/:id", agentCheck)
        table.public("GET", "/api/v1/files/:id", file)
    }

    @Sendable func customerUpload(_ request: HTTPRequest, _ caller: CustomerCaller) throws -> HTTPResponse {
        try upload(request, caller.conversation.id, .customer(sessionId: caller.sessionId))
    }

    @Sendable func agentUpload(_ request: HTTPRequest, _ caller: AgentCaller) throws -> HTTPResponse {
        try upload(request, request.parameter("id"), .agent(caller.agent))
    }

    @Sendable func customerCheck(_ request: HTTPRequest, _ caller: CustomerCaller) throws -> HTTPResponse {
        if let passed = passThrough(request) { return passed }
        _ = try service.uploadPolicy(caller.conversation.id, by: .customer(sessionId: caller.sessionId), declaredBytes: try declared(request))
        return HTTPResponse(status: 204, headers: [("Cache-Control", "no-store")])
    }

    @Sendable func agentCheck(_ request: HTTPRequest, _ caller: AgentCaller) throws -> HTTPResponse {
        if let passed = passThrough(request) { return passed }
        _ = try service.uploadPolicy(request.parameter("id"), by: .agent(caller.agent), declaredBytes: try declared(request))
        return HTTPResponse(status: 204, headers: [("Cache-Control", "no-store")])
    }

    /// Another method than POST carries no upload: let it through to its 405 from the routes.
    private func passThrough(_ request: HTTPRequest) -> HTTPResponse? {
        guard let method = request.header("x-original-method"), method != "POST" else { return nil }
        return HTTPResponse(status: 204, headers: [("Cache-Control", "no-store")])
    }

    /// The original request's `Content-Length` (nginx passes it to the check as
    /// `X-Upload-Length`): required, so that no body is read before its size is known to fit
    /// (a chunked upload would be stored whole before the worker could refuse it).
    private func declared(_ request: HTTPRequest) throws -> Int64 {
        guard let text = request.header("x-upload-length") ?? request.header("content-length"), let length = Int64(text), length >= 0 else {
            throw AppError(status: 411, code: "length_required", detail: "Send the file with a Content-Length header (not chunked).")
        }
        return length
    }

    private func upload(_ request: HTTPRequest, _ conversationId: String, _ access: Access) throws -> HTTPResponse {
        let settings = try service.uploadPolicy(conversationId, by: access, declaredBytes: nil)
        guard let files else { throw Self.noFiles }
        let stored: StoredFile
        if let path = request.bodyFile {
            stored = try files.ingest(path: path, allowedTypes: settings.allowedTypes, maxBytes: settings.maxBytes)
        } else {
            stored = try files.ingest(bytes: request.body, allowedTypes: settings.allowedTypes, maxBytes: settings.maxBytes)
        }
        let uploaded = try service.recordUpload(conversationId, by: access, filename: request.query["filename"], file: stored)
        return try .json(uploaded, status: 201)
    }

    /// A signed link: the worker checks it, nginx sends the file.
    @Sendable func file(_ request: HTTPRequest) throws -> HTTPResponse {
        let (attachment, preview) = try service.linkedFile(id: request.parameter("id"), variant: request.query["variant"],
                                                           exp: request.query["exp"], sig: request.query["sig"])
        guard let files else { throw Self.noFiles }
        let type = preview ? "image/webp" : attachment.file.contentType
        let inline = preview || FileNames.inlineTypes.contains(type)
        let disposition = inline ? "inline" : "attachment; filename*=UTF-8''\(Self.percentEncoded(attachment.filename))"
        return HTTPResponse(status: 200, headers: [
            ("X-Accel-Redirect", Self.servedPrefix + files.relativePath(sha256: attachment.file.sha256, preview: preview)),
            ("Content-Type", type == "text/plain" ? "text/plain; charset=utf-8" : type),
            ("Content-Disposition", disposition),
            ("Cache-Control", "private, max-age=900"),
            ("X-Content-Type-Options", "nosniff"),
            ("Content-Security-Policy", "default-src 'none'; sandbox"),
        ])
    }

    static let noFiles = AppError(status: 503, code: "files_unavailable", detail: "This server keeps no files.")

    /// RFC 5987: every byte outside the unreserved set as %XX.
    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(Character(Unicode.Scalar(byte)))
            default:
                out += "%" + Hex.string([byte]).uppercased()
            }
        }
        return out
    }
}
