/// An error a client may see: it knows its HTTP status, a stable machine code and a
/// human sentence that is safe to show. Anything that is not an `AppError` becomes a
/// logged 500 whose body says nothing about internals.
public struct AppError: Error, Equatable, Sendable, CustomStringConvertible {
    public static func == (a: AppError, b: AppError) -> Bool {
        a.status == b.status && a.code == b.code && a.detail == b.detail && a.retryAfter == b.retryAfter && a.reason == b.reason
    }

    public let status: Int
    public let code: String
    public let detail: String
    /// Seconds after which a retry may succeed (429 and 503 answers carry it as `Retry-After`).
    public let retryAfter: Int?
    /// For the log only, never the client: what went wrong underneath (a 503's cause).
    public let cause: String?
    /// A finer machine reason within `code` (an identity token's `reason`), sent as `reason`.
    public let reason: String?

    public init(status: Int, code: String, detail: String, retryAfter: Int? = nil, cause: String? = nil, reason: String? = nil) {
        self.status = status
        self.code = code
        self.detail = detail
        self.retryAfter = retryAfter
        self.cause = cause
        self.reason = reason
    }

    public var description: String { "\(status) \(code): \(detail)" }

    public static func badRequest(_ detail: String, code: String = "invalid_request") -> AppError {
        AppError(status: 400, code: code, detail: detail)
    }
    public static func unauthorized(_ detail: String, code: String = "unauthorized") -> AppError {
        AppError(status: 401, code: code, detail: detail)
    }
    public static func forbidden(_ detail: String, code: String = "forbidden") -> AppError {
        AppError(status: 403, code: code, detail: detail)
    }
    public static func notFound(_ detail: String, code: String = "not_found") -> AppError {
        AppError(status: 404, code: code, detail: detail)
    }
    public static func conflict(_ detail: String, code: String) -> AppError {
        AppError(status: 409, code: code, detail: detail)
    }

    public static let conversationNotFound = AppError.notFound("Conversation not found.", code: "conversation_not_found")
    public static let conversationClosed = AppError.conflict("This conversation is closed.", code: "conversation_closed")
    public static let assignedToOther = AppError.forbidden("This conversation is assigned to another agent.", code: "assigned_to_other")
    /// Something only a person does (log out, go online, hold a chat), asked with an API key.
    public static let personRequired = AppError.forbidden("An API key acts as the shop, not as a person: only a person can do this.",
                                                          code: "person_required")

    /// The database cannot take writes (disk full, read-only, I/O error): nothing was
    /// stored, and retrying later is right.
    public static func storageUnavailable(cause: String) -> AppError {
        AppError(status: 503, code: "storage_unavailable", detail: "The desk cannot save anything right now; try again in a moment.",
                 retryAfter: 5, cause: cause)
    }
}
