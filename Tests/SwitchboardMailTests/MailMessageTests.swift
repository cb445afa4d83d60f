import Foundation
import SwitchboardCore
import Testing
@testable import SwitchboardMail
import CCurl

/// The message format: what an SMTP server and a mail client will read.
struct MailMessageTests {
    func email(subject: String = "Offline message from Jamie", body: String = "Hello\nsecond line") -> OutgoingEmail {
        OutgoingEmail(id: 42, kind: .offlineMessage, conversationId: "c1", recipient: "shop@example.com", replyTo: "jamie@example.com",
                      subject: subject, body: body, state: .sending, notBefore: Timestamp(milliseconds: 0),
                      createdAt: Timestamp(milliseconds: 1_700_000_000_000))
    }

    func parts(_ bytes: [UInt8]) -> (headers: [String: String], body: String) {
        let text = String(decoding: bytes, as: UTF8.self)
        let split = text.range(of: "\r\n\r\n")!
        var headers: [String: String] = [:]
        var last = ""
        for line in text[..<split.lowerBound].components(separatedBy: "\r\n") {
            if line.hasPrefix(" ") { headers[last, default: ""] += line; continue }
            let colon = line.firstIndex(of: ":")!
            last = String(line[..<colon])
            headers[last] = String(line[line.index(colon, offsetBy: 2)...])
        }
        return (headers, String(text[split.upperBound...]))
    }

    @Test func headersAndBodyAreWhatAClientReads() throws {
        let message = MailMessage.render(email(), from: "desk@shop.example", fromName: "Northwind Outfitters",
                                         date: Date(timeIntervalSince1970: 1_700_000_000))
        let (headers, body) = parts(message)
        #expect(headers["From"] == "Northwind Outfitters <desk@shop.example>")
        #expect(headers["To"] == "<shop@example.com>")
        #expect(headers["Reply-To"] == "<jamie@example.com>")
        #expect(headers["Subject"] == "Offline message from Jamie")
        #expect(headers["Date"] == "Tue, 14 Nov 2023 22:13:20 +0000")
        #expect(headers["Message-ID"] == "<switchboard.42.1700000000000@shop.example>")
        #expect(headers["Content-Type"] == "text/plain; charset=UTF-8")
        let decoded = Data(base64Encoded: body.replacingOccurrences(of: "\r\n", with: ""))!
        #expect(String(decoding: decoded, as: UTF8.self) == "Hello\r\nsecond line")
        // Every line ends in CRLF and none is longer than 78 characters.
        let text = String(decoding: message, as: UTF8.self)
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(text.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 78 })
    }

    @Test func unicodeAndLineBreaksInASubjectBecomeEncodedWords() throws {
        let subject = "Réponse de l'équipe 🙂\r\nBcc: victim@example.com " + String(repeating: "ü", count: 40)
        let (headers, _) = parts(MailMessage.render(email(subject: subject), from: "d@s.example", fromName: "Café"))
        let value = try #require(headers["Subject"])
        #expect(!value.contains("Bcc:"))
        #expect(headers["Bcc"] == nil)
        let words = value.split(separator: " ").map(String.init)
        #expect(words.allSatisfy { $0.hasPrefix("=?UTF-8?B?") && $0.hasSuffix("?=") && $0.utf8.count <= 75 })
        let decoded = words.map { word -> String in
            let payload = word.dropFirst(10).dropLast(2)
            return String(decoding: Data(base64Encoded: String(payload))!, as: UTF8.self)
        }.joined()
        #expect(decoded == subject)
        #expect(headers["From"]?.hasPrefix("=?UTF-8?B?") == true)
    }

    @Test func aRetryCarriesTheSameMessageId() {
        let first = parts(MailMessage.render(email(), from: "d@s.example", fromName: "S", date: Date(timeIntervalSince1970: 0)))
        let again = parts(MailMessage.render(email(), from: "d@s.example", fromName: "S", date: Date(timeIntervalSince1970: 60)))
        #expect(first.headers["Message-ID"] == again.headers["Message-ID"])
    }

    @Test func theSMTPPasswordNeverReachesTheLogs() throws {
        var config = Config()
        config.smtpURL = "smtp://desk:s3cret@mail.example:587"
        #expect(config.smtpServerForLogs == "smtp://mail.example:587")
        #expect(!config.smtpServerForLogs.contains("s3cret"))
    }
}

/// Which SMTP URLs carry a password (and so require TLS for the whole dialogue).
struct SMTPPolicyTests {
    @Test func credentialsInTheURLRequireTLS() {
        #expect(SMTPClient.hasCredentials("smtp://desk:pw@mail.example:587"))
        #expect(SMTPClient.hasCredentials("smtps://desk@mail.example"))
        #expect(!SMTPClient.hasCredentials("smtp://mail.example:25"))
        #expect(!SMTPClient.hasCredentials("smtp://mail.example:25/a@b"))
        #expect(SMTPClient(url: "smtp://desk:pw@mail.example:587").tlsPolicy == CURLUSESSL_ALL)
        #expect(SMTPClient(url: "smtp://mail.example:25").tlsPolicy == CURLUSESSL_TRY)
    }
}
