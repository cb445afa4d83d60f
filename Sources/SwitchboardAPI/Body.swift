import Foundation
import SwitchboardCore

/// Request bodies: JSON only, decoded into the route's nested `Decodable` type (its
/// `CodingKeys` spell the snake_case names). Unknown fields are ignored; a wrong type or a
/// missing field is a 400 that names the field.
enum Body {
    static func decode<T: Decodable>(_ type: T.Type, from request: HTTPRequest, emptyAllowed: Bool = false) throws -> T {
        var bytes = request.body
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            guard emptyAllowed else { throw AppError.badRequest("A JSON body is required.", code: "invalid_json") }
            bytes = Array("{}".utf8)
        } else if !isJSON(request.header("content-type")) {
            // No type is not "probably JSON": a form post from another site must never be parsed.
            throw AppError(status: 415, code: "unsupported_media_type", detail: "Send the body as application/json.")
        }
        do {
            return try WireJSON.decode(T.self, from: bytes)
        } catch let error as DecodingError {
            throw AppError.badRequest(describe(error), code: "invalid_json")
        } catch let error as AppError {
            // A body type's own check while decoding (AgentPatch's role): its 400 as it is.
            throw error
        } catch {
            throw AppError.badRequest("The body is not valid JSON.", code: "invalid_json")
        }
    }

    /// `application/json`, with or without parameters (`; charset=utf-8`).
    static func isJSON(_ contentType: String?) -> Bool {
        guard let type = contentType?.split(separator: ";", maxSplits: 1).first else { return false }
        return type.trimmingCharacters(in: .whitespaces).lowercased() == "application/json"
    }

    private static func describe(_ error: DecodingError) -> String {
        func field(_ path: [any CodingKey]) -> String {
            let names = path.map { key in key.intValue.map { "[\($0)]" } ?? key.stringValue }
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
}

extension Validate {
    /// `?limit=`: a whole number from 1 to `max`, `fallback` when absent.
    static func limit(_ request: HTTPRequest, default fallback: Int, max: Int) throws -> Int {
        guard let text = request.query["limit"], !text.isEmpty else { return fallback }
        guard let value = Int(text), (1...max).contains(value) else {
            throw AppError.badRequest("limit: a whole number from 1 to \(max).", code: "invalid_limit")
        }
        return value
    }
}
