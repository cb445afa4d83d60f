import Foundation
import Testing
import SwitchboardChat
import SwitchboardCore
import SwitchboardFiles

/// Files in conversations as rules (API.md "Files and images"): who may upload where, which
/// uploads a message may carry, the signed links, and what is swept. On every engine.
struct AttachmentRuleTests {
    static let png = StoredFile(sha256: String(repeating: "a", count: 64), size: 120, contentType: "image/png", width: 4, height: 3,
                                hasPreview: true)
    static let pdf = StoredFile(sha256: String(repeating: "b", count: 64), size: 900, contentType: "application/pdf")

    static func upload(_ desk: Desk, _ conversation: String, _ access: Access, _ file: StoredFile = png,
                       name: String? = "photo.png") throws -> AttachmentRef {
        _ = try desk.service.uploadPolicy(conversation, by: access, declaredBytes: file.size)
        return try desk.service.recordUpload(conversation, by: access, filename: name, file: file)
    }

    @Test(arguments: Engine.allCases)
    func aMessageCarriesOnlyItsSidesUnusedUploadsToTheSameConversation(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let agent = try desk.agent()
        let (chat, session) = try desk.start()
        let (other, otherSession) = try desk.start()
        let mine = try Self.upload(desk, chat.id, .customer(sessionId: session))
        let theirs = try Self.upload(desk, other.id, .customer(sessionId: otherSession))
        let agents = try Self.upload(desk, chat.id, .agent(agent), Self.pdf, name: "label.pdf")

        refused("invalid_attachment") {   // another conversation's upload
            _ = try desk.service.customerSend(chat.id, sessionId: session, content: "look", quickReply: nil, clientMessageId: nil,
                                              attachmentIds: [theirs.id])
        }
        refused("invalid_attachment") {   // the other side's upload
            _ = try desk.service.customerSend(chat.id, sessionId: session, content: "look", quickReply: nil, clientMessageId: nil,
                                              attachmentIds: [agents.id])
        }
        refused("invalid_attachment") {   // an id twice
            _ = try desk.service.customerSend(chat.id, sessionId: session, content: "look", quickReply: nil, clientMessageId: nil,
                                              attachmentIds: [mine.id, mine.id])
        }
        let sent = try desk.service.customerSend(chat.id, sessionId: session, content: "", quickReply: nil, clientMessageId: nil,
                                                 attachmentIds: [mine.id])
        #expect(sent.customerMessage.attachments.map(\.id) == [mine.id])
        #expect(sent.botMessage == nil)   // only a photo: nothing for the bot to answer
        refused("invalid_attachment") {   // used already
            _ = try desk.service.customerSend(chat.id, sessionId: session, content: "again", quickReply: nil, clientMessageId: nil,
                                              attachmentIds: [mine.id])
        }
        // The message lists carry it, as stored.
        let page = try desk.service.messages(chat.id, access: .customer(sessionId: session), after: nil, limit: 50)
        #expect(page.messages.last?.attachments == [mine])
        // The agent's file goes with the agent's message.
        let (_, reply) = try desk.service.agentSend(chat.id, by: agent, content: "Your label", clientMessageId: nil, attachmentIds: [agents.id])
        #expect(reply.attachments.first?.contentType == "application/pdf" && reply.attachments.first?.inline == false)
    }

    @Test(arguments: Engine.allCases)
    func whoMayUploadWhere(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let agent = try desk.agent()
        let (chat, session) = try desk.start()
        let (_, stranger) = try desk.start()
        refused("not_your_conversation") { _ = try desk.service.uploadPolicy(chat.id, by: .customer(sessionId: stranger), declaredBytes: 10) }
        refused("file_too_large") { _ = try desk.service.uploadPolicy(chat.id, by: .customer(sessionId: session), declaredBytes: 11 << 20) }
        var patch = SettingsPatch()
        patch.attachments = try JSONDecoder().decode(AttachmentPatch.self, from: Data(#"{"customer_uploads": false}"#.utf8))
        _ = try desk.service.updateSettings(patch, by: .cli)
        refused("attachments_disabled") { _ = try desk.service.uploadPolicy(chat.id, by: .customer(sessionId: session), declaredBytes: 10) }
        _ = try desk.service.uploadPolicy(chat.id, by: .agent(agent), declaredBytes: 10)
        patch.attachments = try JSONDecoder().decode(AttachmentPatch.self, from: Data(#"{"enabled": false}"#.utf8))
        _ = try desk.service.updateSettings(patch, by: .cli)
        refused("attachments_disabled") { _ = try desk.service.uploadPolicy(chat.id, by: .agent(agent), declaredBytes: 10) }
        // Settings are checked: limits and types.
        patch.attachments = try JSONDecoder().decode(AttachmentPatch.self, from: Data(#"{"max_bytes": 104857601}"#.utf8))
        refused("invalid_settings") { _ = try desk.service.updateSettings(patch, by: .cli) }
        patch.attachments = try JSONDecoder().decode(AttachmentPatch.self, from: Data(#"{"allowed_types": ["not a type"]}"#.utf8))
        refused("invalid_settings") { _ = try desk.service.updateSettings(patch, by: .cli) }
    }

    @Test(arguments: Engine.allCases)
    func aClosedConversationTakesNoUploads(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let agent = try desk.agent()
        let (chat, session) = try desk.queued()
        _ = try desk.service.claim(chat.id, by: agent)
        _ = try desk.service.close(chat.id, by: agent)
        refused("conversation_closed") { _ = try desk.service.uploadPolicy(chat.id, by: .customer(sessionId: session), declaredBytes: 10) }
        refused("conversation_closed") { _ = try desk.service.recordUpload(chat.id, by: .customer(sessionId: session), filename: "x", file: Self.png) }
    }

    @Test(arguments: Engine.allCases)
    func linksAreSignedForAnIdAVariantAndAnExpiry(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let (chat, session) = try desk.start()
        let file = try Self.upload(desk, chat.id, .customer(sessionId: session))
        let signer = try desk.service.fileLinkSigner()
        let link = signer.link(id: file.id, variant: nil)
        let query = Dictionary(uniqueKeysWithValues: try #require(link.url.split(separator: "?").last).split(separator: "&").map {
            let pair = $0.split(separator: "=", maxSplits: 1)
            return (String(pair[0]), String(pair[1]))
        })
        let (found, preview) = try desk.service.linkedFile(id: file.id, variant: nil, exp: query["exp"], sig: query["sig"])
        #expect(found.id == file.id && !preview)
        refused("invalid_link") { _ = try desk.service.linkedFile(id: file.id, variant: "preview", exp: query["exp"], sig: query["sig"]) }
        refused("invalid_link") { _ = try desk.service.linkedFile(id: file.id, variant: nil, exp: String(Int64(query["exp"]!)! + 60), sig: query["sig"]) }
        refused("invalid_link") { _ = try desk.service.linkedFile(id: "other", variant: nil, exp: query["exp"], sig: query["sig"]) }
        // Past its expiry, the same link is refused.
        let later = Timestamp.now().adding(seconds: 2 * FileLinkSigner.lifetimeSeconds)
        refused("invalid_link") { _ = try desk.service.linkedFile(id: file.id, variant: nil, exp: query["exp"], sig: query["sig"], now: later) }
        // Written out inside a request, an attachment carries fresh links.
        let encoded = try FileLinks.$signer.withValue(signer) { String(decoding: try WireJSON.encode(file), as: UTF8.self) }
        #expect(encoded.contains(#""url":"/api/v1/files/\#(file.id)?exp="#) && encoded.contains("variant=preview"))
        #expect(encoded.contains(#""inline":true"#) && !encoded.contains("has_preview"))
    }

    @Test(arguments: Engine.allCases)
    func unusedUploadsAndUnkeptFilesAreSwept(_ engine: Engine) throws {
        let desk = try Desk(engine)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sb-sweep-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let files = try FileStore(directory: dir)
        let bytes = Array("Order 1234: the zip is broken.\n".utf8)
        let stored = try files.ingest(bytes: bytes, allowedTypes: ["text/plain"], maxBytes: 1000)
        let (chat, session) = try desk.start()
        _ = try desk.service.recordUpload(chat.id, by: .customer(sessionId: session), filename: "note.txt", file: stored)
        // Young: nothing goes.
        #expect(try desk.service.pruneFiles(files) == (0, 0))
        // A day later the unused upload goes, and then its file (an hour old at least).
        let later = Timestamp.now().adding(seconds: ChatService.unusedUploadSeconds + 1)
        let swept = try desk.service.pruneFiles(files, now: later)
        #expect(swept.uploads == 1)
        // The file is younger than an hour on disk here: it stays until the next sweep finds it old.
        #expect(try files.storedFiles().map(\.sha256) == [stored.sha256])
    }
}
