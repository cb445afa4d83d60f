/// Checks on user input, shared by the API and the CLI. Each returns the value to store
/// or throws the 400 that names the field.
public enum Validate {
    /// Message text: 1...4000 characters, not only white space.
    public static func content(_ text: String) throws -> String {
        if text.trimmingSpaces.isEmpty {
            throw AppError.badRequest("content: a message cannot be empty.", code: "empty_content")
        }
        if text.count > Limits.messageMaxCharacters {
            throw AppError.badRequest("content: at most \(Limits.messageMaxCharacters) characters.", code: "content_too_long")
        }
        return text
    }

    public static func clientMessageId(_ id: String?) throws -> String? {
        guard let id else { return nil }
        guard !id.isEmpty, id.count <= Limits.clientMessageIdMaxLength,
              id.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw AppError.badRequest("client_message_id: 1–\(Limits.clientMessageIdMaxLength) printable ASCII characters.",
                                      code: "invalid_client_message_id")
        }
        return id
    }

    /// Session ids are credentials: at least 128 bits' worth of URL-safe characters.
    public static func isSessionId(_ id: String) -> Bool {
        (22...128).contains(id.utf8.count)
            && id.unicodeScalars.allSatisfy { $0.properties.isASCIIHexDigit || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || $0 == "-" || $0 == "_" }
    }

    public static func displayName(_ name: String) throws -> String {
        let trimmed = name.trimmingSpaces
        guard !trimmed.isEmpty, trimmed.count <= Limits.displayNameMaxLength else {
            throw AppError.badRequest("display_name: 1–\(Limits.displayNameMaxLength) characters.", code: "invalid_display_name")
        }
        return trimmed
    }

    /// 2–32 characters of a–z, 0–9, '.', '_' or '-', starting with a letter or digit.
    public static func username(_ name: String) throws -> String {
        let scalars = Array(name.unicodeScalars)
        func allowed(_ c: Unicode.Scalar, first: Bool) -> Bool {
            ("a"..."z").contains(c) || ("0"..."9").contains(c) || (!first && (c == "." || c == "_" || c == "-"))
        }
        guard (2...32).contains(scalars.count), allowed(scalars[0], first: true),
              scalars.dropFirst().allSatisfy({ allowed($0, first: false) }) else {
            throw AppError.badRequest("username: 2–32 characters of a–z, 0–9, '.', '_' or '-', starting with a letter or digit.",
                                      code: "invalid_username")
        }
        return name
    }

    public static func password(_ password: String) throws -> String {
        guard (Limits.passwordMinLength...Limits.passwordMaxLength).contains(password.count) else {
            throw AppError.badRequest("password: \(Limits.passwordMinLength)–\(Limits.passwordMaxLength) characters.",
                                      code: "invalid_password")
        }
        return password
    }

    /// How many chats routing gives an agent at once.
    public static func maxActiveChats(_ value: Int) throws -> Int {
        guard Limits.maxActiveChatsRange.contains(value) else {
            throw AppError.badRequest("max_active_chats: a whole number from \(Limits.maxActiveChatsRange.lowerBound) to \(Limits.maxActiveChatsRange.upperBound).",
                                      code: "invalid_max_active_chats")
        }
        return value
    }

    /// A customer's e-mail address as given at start (a light check: it is shown, not mailed).
    public static func email(_ email: String) throws -> String {
        guard email.count <= 254, email.contains("@") else {
            throw AppError.badRequest("email: not an e-mail address.", code: "invalid_email")
        }
        return email
    }
}
