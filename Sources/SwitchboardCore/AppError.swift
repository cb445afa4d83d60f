/// An error a client may see: it knows its HTTP status, a stable machine code and a
/// human sentence that is safe to show. Anything that is not an `AppError` becomes a
/// logged 500 whose body says nothing about internals.
public struct AppError: Error, Equatable, Sendable, CustomStringConvertible {
    public let status: Int
    public let code: String
    public let detail: String

    public init(status: Int, code: String, detail: String) {
        self.status = status
        self.code = code
        self.detail = detail
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
}
