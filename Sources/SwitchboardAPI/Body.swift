import Foundation
import SwitchboardCore

/// Request bodies: JSON only, decoded into the route's nested `Decodable` type. Unknown
/// fields are ignored; a wrong type or a missing field is a 400 that names the field.
enum Body {
    static func decode<T: Decodable>(_ type: T.Type, from request: HTTPRequest, emptyAllowed: Bool = false) throws -> T {
        var bytes = request.body
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            guard emptyAllowed else { throw AppError.badRequest("A JSON body is required.", code: "invalid_json") }
            bytes = Array("{}".utf8)
        } else if let type = request.header("content-type"),
                  !type.lowercased().hasPrefix("application/json") {
            throw AppError(status: 415, code: "unsupported_media_type", detail: "Send the body as application/json.")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(T.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw AppError.badRequest(describe(error), code: "invalid_json")
        } catch {
            throw AppError.badRequest("The body is not valid JSON.", code: "invalid_json")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func field(_ path: [any CodingKey]) -> String {
            let names = path.map { key in key.intValue.map { "[\($0)]" } ?? snake(key.stringValue) }
            return names.isEmpty ? "body" : names.joined(separator: ".")
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "\(field(context.codingPath)): expected \(describeType(type))."
        case .valueNotFound(let type, let context):
            return "\(field(context.codingPath)): expected \(describeType(type)), got null."
        case .keyNotFound(let key, let context):
            return "\(field(context.codingPath + [key])): this field is required."
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "The body is not valid JSON." : "\(field(context.codingPath)): invalid value."
        @unknown default:
            return "The body is not valid JSON."
        }
    }

    private static func describeType(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type: "a whole number"
        case is [String: Any].Type: "an object"
        default: "a value of another type"
        }
    }

    static func snake(_ camel: String) -> String {
        var out = ""
        for ch in camel {
            if ch.isUppercase { out += "_" + ch.lowercased() } else { out.append(ch) }
        }
        return out
    }
}

/// Checks on user input shared by the route groups.
enum Validate {
    /// Message text: 1...4000 characters, not only white space.
    static func content(_ text: String) throws -> String {
        if text.trimmingSpaces.isEmpty {
            throw AppError.badRequest("content: a message cannot be empty.", code: "empty_content")
        }
        if text.count > Limits.messageMaxCharacters {
            throw AppError.badRequest("content: at most \(Limits.messageMaxCharacters) characters.", code: "content_too_long")
        }
        return text
    }

    static func clientMessageId(_ id: String?) throws -> String? {
        guard let id else { return nil }
        guard !id.isEmpty, id.count <= Limits.clientMessageIdMaxLength,
              id.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw AppError.badRequest("client_message_id: 1–\(Limits.clientMessageIdMaxLength) printable ASCII characters.",
                                      code: "invalid_client_message_id")
        }
        return id
    }

    /// Session ids are credentials: at least 128 bits' worth of URL-safe characters.
    static func isSessionId(_ id: String) -> Bool {
        (22...128).contains(id.utf8.count)
            && id.unicodeScalars.allSatisfy { $0.properties.isASCIIHexDigit || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || $0 == "-" || $0 == "_" }
    }

    static func limit(_ request: HTTPRequest, default fallback: Int, max: Int) throws -> Int {
        guard let text = request.query["limit"] else { return fallback }
        guard let value = Int(text), (1...max).contains(value) else {
            throw AppError.badRequest("limit: a whole number from 1 to \(max).", code: "invalid_limit")
        }
        return value
    }

    static func displayName(_ name: String) throws -> String {
        let trimmed = name.trimmingSpaces
        guard !trimmed.isEmpty, trimmed.count <= Limits.displayNameMaxLength else {
            throw AppError.badRequest("display_name: 1–\(Limits.displayNameMaxLength) characters.", code: "invalid_display_name")
        }
        return trimmed
    }

    static func username(_ name: String) throws -> String {
        guard name.range(of: Limits.usernamePattern, options: .regularExpression) != nil else {
            throw AppError.badRequest("username: 2–32 characters of a–z, 0–9, '.', '_' or '-', starting with a letter or digit.",
                                      code: "invalid_username")
        }
        return name
    }

    static func password(_ password: String) throws -> String {
        guard (Limits.passwordMinLength...Limits.passwordMaxLength).contains(password.count) else {
            throw AppError.badRequest("password: \(Limits.passwordMinLength)–\(Limits.passwordMaxLength) characters.",
                                      code: "invalid_password")
        }
        return password
    }
}
