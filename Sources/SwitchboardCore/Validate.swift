/// Checks on user input, shared by the API and the CLI. Each returns the value to store
/// or throws the 400 that names the field.
///
/// Lengths count Unicode scalars (code points), not grapheme clusters: "a" followed by
/// 15,000 combining accents is one grapheme but 15,001 scalars, so it cannot pass as one
/// "character". A scalar is at most 4 UTF-8 bytes, so every limit is also a byte limit
/// (4 × the number). And no base character may carry more than
/// `Limits.combiningMarksPerCharacter` combining marks ("Zalgo" text).
public enum Validate {
    /// Message text: 1...4000 characters, not only white space.
    public static func content(_ text: String) throws -> String {
        if text.trimmingSpaces.isEmpty {
            throw AppError.badRequest("content: a message cannot be empty.", code: "empty_content")
        }
        if text.unicodeScalars.count > Limits.messageMaxCharacters {
            throw AppError.badRequest("content: at most \(Limits.messageMaxCharacters) characters.", code: "content_too_long")
        }
        try checkScalars(text, "content", code: "content_too_long")
        return text
    }

    /// Trimmed text of `range` characters (scalars) with sane combining marks.
    public static func text(_ value: String, _ field: String, _ range: ClosedRange<Int>, code: String) throws -> String {
        let trimmed = value.trimmingSpaces
        guard range.contains(trimmed.unicodeScalars.count) else {
            let what = range.lowerBound == 0 ? "at most \(range.upperBound) characters" : "\(range.lowerBound)–\(range.upperBound) characters"
            throw AppError.badRequest("\(field): \(what).", code: code)
        }
        try checkScalars(trimmed, field, code: code)
        return trimmed
    }

    /// Refuses control characters other than tab and line breaks (a NUL would cut the text
    /// short where the database reads it back) and a base character carrying more combining
    /// marks than a real script needs.
    static func checkScalars(_ text: String, _ field: String, code: String) throws {
        var run = 0
        for scalar in text.unicodeScalars {
            if (scalar.value < 0x20 && scalar != "\t" && scalar != "\n" && scalar != "\r") || scalar.value == 0x7F {
                throw AppError.badRequest("\(field): control characters (U+\(String(scalar.value, radix: 16, uppercase: true))) are not allowed.",
                                          code: code)
            }
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .enclosingMark:
                run += 1
                if run > Limits.combiningMarksPerCharacter {
                    throw AppError.badRequest("\(field): at most \(Limits.combiningMarksPerCharacter) accents or marks on one character.",
                                              code: code)
                }
            default:
                run = 0
            }
        }
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
        Limits.sessionIdLength.contains(id.utf8.count)
            && id.unicodeScalars.allSatisfy { $0.properties.isASCIIHexDigit || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || $0 == "-" || $0 == "_" }
    }

    public static func displayName(_ name: String) throws -> String {
        try text(name, "display_name", 1...Limits.displayNameMaxLength, code: "invalid_display_name")
    }

    /// 2–32 characters of a–z, 0–9, '.', '_' or '-', starting with a letter or digit.
    public static func username(_ name: String) throws -> String {
        let scalars = Array(name.unicodeScalars)
        func allowed(_ c: Unicode.Scalar, first: Bool) -> Bool {
            ("a"..."z").contains(c) || ("0"..."9").contains(c) || (!first && (c == "." || c == "_" || c == "-"))
        }
        guard Limits.usernameLength.contains(scalars.count), allowed(scalars[0], first: true),
              scalars.dropFirst().allSatisfy({ allowed($0, first: false) }) else {
            throw AppError.badRequest("username: 2–32 characters of a–z, 0–9, '.', '_' or '-', starting with a letter or digit.",
                                      code: "invalid_username")
        }
        return name
    }

    /// At least 10 characters; at most 256 UTF-8 bytes, refused (never truncated) above.
    public static func password(_ password: String) throws -> String {
        guard password.unicodeScalars.count >= Limits.passwordMinLength, password.utf8.count <= Limits.passwordMaxBytes else {
            throw AppError.badRequest("password: at least \(Limits.passwordMinLength) characters and at most \(Limits.passwordMaxBytes) bytes.",
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

    /// An e-mail address we may send to: one `@`, a dotted domain, and none of the characters
    /// that would let it smuggle a second recipient or header (spaces, controls, `<>(),;:"[]\`).
    /// `#rrggbb` (any case in, lower-case out).
    public static func color(_ value: String, _ field: String, code: String) throws -> String {
        let lower = value.lowercased()
        let digits = lower.unicodeScalars.dropFirst()
        guard lower.hasPrefix("#"), digits.count == 6, digits.allSatisfy({ $0.properties.isASCIIHexDigit }) else {
            throw AppError.badRequest("\(field): a colour like #1a56db.", code: code)
        }
        return lower
    }

    public static func email(_ email: String, field: String = "email") throws -> String {
        guard isEmail(email) else {
            throw AppError.badRequest("\(field): not an e-mail address.", code: field == "email" ? "invalid_email" : "invalid_settings")
        }
        return email
    }

    public static func isEmail(_ email: String) -> Bool {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        let forbidden: Set<Unicode.Scalar> = ["<", ">", "(", ")", ",", ";", ":", "\"", "[", "]", "\\"]
        return email.utf8.count <= Limits.emailMaxLength && parts.count == 2 && !parts[0].isEmpty
            && parts[0].utf8.count <= Limits.emailLocalPartMaxLength
            && parts[1].contains(".") && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".")
            && email.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F && !(0x80...0x9F).contains($0.value) && !forbidden.contains($0) })
    }
}
