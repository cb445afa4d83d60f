import Crypto
import Foundation
import SwitchboardCore

/// What an upload answers: the attachment, with its links.
public typealias UploadedFile = AttachmentRef

/// Files in conversations (API.md "Files and images") as rules: who may upload where, which
/// uploads a message may carry, the signed links, and what is deleted when. Judging and
/// keeping the bytes is `FileIngest`'s (SwitchboardFiles).
extension ChatService {
    static let maxAttachmentsPerMessage = 10

    /// The shop's attachment settings, from memory (read on hot paths: `GET /agent/me`).
    public func attachmentSettings() throws -> AttachmentSettings { try shopSettings().attachments }
    /// Uploads no message used are deleted after this long.
    public static let unusedUploadSeconds: Int64 = 86400
    /// Files no row keeps are deleted once this old (an upload between its file and its row is younger).
    public static let orphanFileSeconds: Int64 = 3600

    /// May `access` upload into the conversation, and what may it upload? Checked before nginx
    /// reads the body (with the declared length) and again before the bytes are judged.
    public func uploadPolicy(_ conversationId: String, by access: Access, declaredBytes: Int64?) throws -> AttachmentSettings {
        let settings = try shopSettings().attachments
        let side: AttachmentSide = if case .customer = access { .customer } else { .agent }
        let conversation = try read { try Self.authorized(conversationId, access, $0) }
        guard settings.allows(side) else {
            throw AppError.forbidden(settings.enabled ? "Customers cannot send files here." : "Files cannot be sent here.",
                                     code: "attachments_disabled")
        }
        guard conversation.status != .closed else { throw AppError.conversationClosed }
        if let declaredBytes, declaredBytes > settings.maxBytes { throw Self.fileTooLarge(declaredBytes, settings.maxBytes) }
        return settings
    }

    /// Records a judged and stored file as an upload of `access` to the conversation.
    public func recordUpload(_ conversationId: String, by access: Access, filename: String?, file: StoredFile) throws -> AttachmentRef {
        let side: AttachmentSide = if case .customer = access { .customer } else { .agent }
        return try write { tx in
            let conversation = try Self.authorized(conversationId, access, tx.rows)
            guard conversation.status != .closed else { throw AppError.conversationClosed }
            let attachment = Attachment(id: Identifiers.uuid(), conversationId: conversationId, side: side,
                                        filename: FileNames.clean(filename), file: file, createdAt: tx.now)
            try tx.rows.insertAttachment(attachment)
            return attachment.ref
        }
    }

    static func fileTooLarge(_ size: Int64, _ limit: Int64) -> AppError {
        AppError(status: 413, code: "file_too_large",
                 detail: "That file is \(ByteCount.words(size)); the limit is \(ByteCount.words(limit)).")
    }

    // MARK: Links

    /// The signer of this desk's file links (keyed from the installation's secret).
    public func fileLinkSigner() throws -> FileLinkSigner {
        FileLinkSigner(key: try caches.fileLinkKey.get {
            let secret = try read { try $0.installationSecret() }
            return Array(HMAC<SHA256>.authenticationCode(for: Array("switchboard file links".utf8), using: SymmetricKey(data: secret)))
        })
    }

    /// The attachment a link names, when its signature holds and it has not expired: 403
    /// `invalid_link` otherwise, 404 `file_not_found` for one that is gone.
    public func linkedFile(id: String, variant: String?, exp: String?, sig: String?, now: Timestamp = .now()) throws -> (Attachment, preview: Bool) {
        let refused = AppError.forbidden("This link is not valid (expired or changed); reload the conversation for a fresh one.",
                                         code: "invalid_link")
        guard variant == nil || variant == "preview", let exp, let expires = Int64(exp), let sig,
              try fileLinkSigner().verify(id: id, variant: variant, expires: expires, signature: sig) else { throw refused }
        let seconds = now.milliseconds / 1000
        guard expires >= seconds, expires <= seconds + FileLinkSigner.lifetimeSeconds + 60 else { throw refused }
        guard let attachment = try read({ try $0.attachment(id: id) }), variant == nil || attachment.file.hasPreview else {
            throw AppError.notFound("This file is gone.", code: "file_not_found")
        }
        return (attachment, variant == "preview")
    }

    // MARK: Chores

    /// Deletes uploads no message used within a day, then files no row keeps (an hour old at
    /// least: a file is stored before its row commits). Returns how many of each.
    public func pruneFiles(_ files: any FileIngest, now: Timestamp = .now()) throws -> (uploads: Int, files: Int) {
        let unused = try read { try $0.unusedAttachments(before: now.adding(seconds: -Self.unusedUploadSeconds), limit: 500) }
        if !unused.isEmpty {
            try write { tx in for attachment in unused { try tx.rows.deleteUnusedAttachment(id: attachment.id) } }
        }
        var removed = 0
        for (sha256, age) in try files.storedFiles() where age >= Self.orphanFileSeconds {
            let kept = sha256.hasPrefix("tmp-") ? false : try read { try $0.fileInUse(sha256: sha256) }
            guard !kept else { continue }
            try files.remove(sha256: sha256, olderThan: Self.orphanFileSeconds)
            removed += 1
        }
        return (unused.count, removed)
    }
}

extension Transaction {
    /// The uploads a message of `side` may carry: each an upload by that side to this
    /// conversation that no message carries yet (400 `invalid_attachment` otherwise).
    func attachments(_ ids: [String], in conversationId: String, from side: AttachmentSide) throws -> [AttachmentRef] {
        guard !ids.isEmpty else { return [] }
        guard ids.count <= ChatService.maxAttachmentsPerMessage, Set(ids).count == ids.count else {
            throw AppError.badRequest("attachment_ids: at most \(ChatService.maxAttachmentsPerMessage) different uploads.",
                                      code: "invalid_attachment")
        }
        return try ids.map { id in
            guard let attachment = try rows.attachment(id: id), attachment.conversationId == conversationId, attachment.side == side,
                  attachment.messageId == nil else {
                throw AppError.badRequest("attachment_ids: \(String(id.prefix(64))) is not a file uploaded to this conversation for this message.",
                                          code: "invalid_attachment")
            }
            return attachment.ref
        }
    }
}

/// Signs and checks file links: HMAC-SHA256 over the id, the variant and the expiry.
public struct FileLinkSigner: FileLinkSigning {
    public static let lifetimeSeconds: Int64 = 900
    let key: [UInt8]

    public func link(id: String, variant: String?) -> (url: String, expiresAt: Timestamp) {
        // Whole minutes: links handed out within the same minute are the same (caches, tests).
        let now = Timestamp.now().milliseconds / 1000
        let expires = (now + Self.lifetimeSeconds + 59) / 60 * 60
        var url = "/api/v1/files/\(id)?exp=\(expires)&sig=\(signature(id: id, variant: variant, expires: expires))"
        if let variant { url += "&variant=\(variant)" }
        return (url, Timestamp(milliseconds: expires * 1000))
    }

    func signature(id: String, variant: String?, expires: Int64) -> String {
        let message = Array("\(id)\n\(variant ?? "")\n\(expires)".utf8)
        return Hex.string(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    func verify(id: String, variant: String?, expires: Int64, signature given: String) -> Bool {
        Secrets.constantTimeEqual(Array(signature(id: id, variant: variant, expires: expires).utf8), Array(given.lowercased().utf8))
    }
}
