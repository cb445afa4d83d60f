import Foundation
import SwitchboardCore

/// An outgoing e-mail as RFC 5322 bytes: plain text in UTF-8 (base64, so no line is too
/// long and no byte is misread), headers encoded as RFC 2047 words where they are not
/// plain ASCII, CRLF line ends, and a Message-ID fixed per queued e-mail (a retry after an
/// uncertain failure carries the same id, so a receiving system can tell a duplicate).
public enum MailMessage {
    public static func render(_ email: OutgoingEmail, from: String, fromName: String, date: Date = Date()) -> [UInt8] {
        let domain = from.split(separator: "@").last.map(String.init) ?? "localhost"
        var headers = [
            ("Date", rfc5322Date(date)),
            ("From", "\(encodedWord(fromName)) <\(from)>"),
            ("To", "<\(email.recipient)>"),
        ]
        if let replyTo = email.replyTo { headers.append(("Reply-To", "<\(replyTo)>")) }
        headers += [
            ("Subject", encodedWord(email.subject)),
            ("Message-ID", "<switchboard.\(email.id).\(email.createdAt.milliseconds)@\(domain)>"),
            ("Auto-Submitted", "auto-generated"),
            ("MIME-Version", "1.0"),
            ("Content-Type", "text/plain; charset=UTF-8"),
            ("Content-Transfer-Encoding", "base64"),
        ]
        let body = Data(email.body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8)
            .base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        let text = headers.map { "\($0.0): \($0.1)" }.joined(separator: "\r\n") + "\r\n\r\n" + body + "\r\n"
        return Array(text.utf8)
    }

    /// `text` as is when it is short printable ASCII, else as `=?UTF-8?B?…?=` words of at
    /// most 75 characters each (split between characters, never inside one).
    static func encodedWord(_ text: String) -> String {
        let plain = text.unicodeScalars.allSatisfy { (0x20..<0x7F).contains($0.value) } && !text.contains("=?") && text.utf8.count <= 60
        if plain { return text.contains(where: { "\"(),:;<>@[\\]".contains($0) }) ? quoted(text) : text }
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45, !chunk.isEmpty {
                words.append(word(chunk))
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append(word(chunk)) }
        return words.joined(separator: "\r\n ")
    }

    private static func word(_ bytes: [UInt8]) -> String { "=?UTF-8?B?\(Data(bytes).base64EncodedString())?=" }

    private static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
