import Foundation
import SwitchboardCore

/// What a transcript request answers: sent now (closed) or when the conversation closes.
public struct TranscriptRequest: Sendable {
    public enum When: String, Sendable {
        case queued
        case onClose = "on_close"
    }

    public let when: When
    public let email: String
}

/// E-mail, as rules: which change queues which e-mail (in the same transaction as the
/// change), what it says, and the sender's bookkeeping. Nothing is queued unless SMTP is
/// configured; the sending itself happens outside any request (SwitchboardMail).
extension ChatService {
    // MARK: Out of office

    /// The away message as a system reply to a customer writing outside the opening hours:
    /// at most once a day per conversation, and never within 5 minutes of an agent's reply.
    func autoReplyIfClosed(_ conversationId: String, _ settings: Settings, _ tx: Transaction) throws {
        // No hours and no closed dates: always open (and no calendar to build for every message).
        guard settings.availability.hasSchedule,
              let hours = BusinessHours(settings.availability), !hours.isOpen(at: tx.now.date) else { return }
        if let last = try tx.rows.lastMessage(conversationId: conversationId, sender: .system, event: "auto_reply"),
           tx.now.milliseconds - last.createdAt.milliseconds < 86_400_000 { return }
        if let reply = try tx.rows.lastMessage(conversationId: conversationId, sender: .agent, event: nil),
           tx.now.milliseconds - reply.createdAt.milliseconds < 300_000 { return }
        _ = try tx.insertMessage(conversationId, sender: .system, kind: .event, content: settings.availability.awayMessage,
                                 metadata: MessageMetadata(event: "auto_reply"))
    }

    // MARK: Queueing

    /// The shop's notify address and every agent who asked for offline messages: once per
    /// conversation, when it is both filed offline and has the customer's e-mail (whichever
    /// came second queues it).
    func queueOfflineMessageMail(_ conversation: Conversation, _ settings: Settings, _ tx: Transaction) throws {
        guard policy.mailEnabled, conversation.offline, conversation.customerEmail != nil,
              try !tx.rows.emails(conversationId: conversation.id).contains(where: { $0.kind == .offlineMessage }) else { return }
        var recipients: [String] = settings.notifyEmail.map { [$0] } ?? []
        for member in try tx.rows.team() where !member.agent.disabled && member.agent.emailNotifications {
            if let email = member.agent.email, !recipients.contains(email) { recipients.append(email) }
        }
        guard !recipients.isEmpty else { return }
        let body = try offlineMessageBody(conversation, settings, tx.rows)
        for recipient in recipients {
            _ = try tx.rows.insertEmail(OutgoingEmail(
                kind: .offlineMessage, conversationId: conversation.id, recipient: recipient, replyTo: conversation.customerEmail,
                subject: "Offline message from \(conversation.customerDisplayName)", body: body, state: .pending,
                notBefore: tx.now.adding(seconds: policy.offlineMailDelaySeconds), createdAt: tx.now))
        }
    }

    /// What the shop reads: who, and the conversation so far. Written when queued and again
    /// when the sender first takes it (`claimEmails`), so the words the shopper sends just
    /// after asking (the widget's form posts them after the escalation) are in it.
    func offlineMessageBody(_ conversation: Conversation, _ settings: Settings, _ rows: any StoreReader) throws -> String {
        let who = conversation.customerEmail.map { "\(conversation.customerDisplayName) <\($0)>" } ?? conversation.customerDisplayName
        return """
            \(who) left a message for \(settings.brandName) while nobody was online.

            \(try transcript(conversation, settings, rows, shopper: false))

            Answer in the console: \(policy.publicURL)/agent/
            (Replying to this e-mail writes to the customer directly, outside the chat.)
            """
    }

    /// An agent's reply: the shopper gets it by e-mail if they have not seen it after
    /// `unseenReplySeconds` (decided then, by `decideUnseenReplies`). One waiting e-mail per
    /// conversation carries every reply from the first unseen one on.
    func queueUnseenReplyMail(_ conversation: Conversation, reply: Message, _ tx: Transaction) throws {
        guard policy.mailEnabled, let email = conversation.customerEmail else { return }
        if try tx.rows.emails(conversationId: conversation.id).contains(where: { $0.kind == .unseenReply && $0.state == .waiting }) {
            return
        }
        _ = try tx.rows.insertEmail(OutgoingEmail(
            kind: .unseenReply, conversationId: conversation.id, recipient: email, subject: "", body: "", state: .waiting,
            notBefore: tx.now.adding(seconds: policy.unseenReplySeconds), anchorSeq: reply.seq, createdAt: tx.now))
    }

    /// The transcript to the shopper, once per conversation.
    func queueTranscriptMail(_ conversation: Conversation, _ tx: Transaction) throws {
        guard policy.mailEnabled, let email = conversation.customerEmail else { return }
        let queued = try tx.rows.emails(conversationId: conversation.id)
        if queued.contains(where: { $0.kind == .transcript && $0.state != .failed }) { return }
        // The transcript carries every reply: an unseen-reply e-mail still waiting is not needed.
        for var waiting in queued where waiting.kind == .unseenReply && waiting.state == .waiting {
            waiting.state = .cancelled
            try tx.rows.updateEmail(waiting)
        }
        let settings = try tx.rows.settings() ?? .defaults
        let body = """
            Here is your conversation with \(settings.brandName), as you asked.

            \(try transcript(conversation, settings, tx.rows, shopper: true))

            Thank you for getting in touch.
            """
        _ = try tx.rows.insertEmail(OutgoingEmail(
            kind: .transcript, conversationId: conversation.id, recipient: email, replyTo: settings.notifyEmail,
            subject: "Your conversation with \(settings.brandName)", body: body, state: .pending, notBefore: tx.now, createdAt: tx.now))
    }

    /// The shopper asks for the transcript: now when the conversation is closed, else when it closes.
    public func requestTranscript(_ conversationId: String, sessionId: String, email given: String?) throws -> TranscriptRequest {
        let given = try given.map { try Validate.email($0) }
        return try write { tx in
            var conversation = try Self.authorized(conversationId, .customer(sessionId: sessionId), tx.rows)
            guard policy.mailEnabled else {
                throw AppError.conflict("This shop does not send e-mail.", code: "email_unavailable")
            }
            if let given, given != conversation.customerEmail {
                try tx.rows.setContact(conversationId: conversationId, displayName: nil, email: given,
                                       source: conversation.contactSource ?? .prechat, at: tx.now)
                conversation = try tx.conversation(conversationId)
                try tx.emit(.conversationUpdated(conversation))
            }
            guard let email = conversation.customerEmail else {
                throw AppError.conflict("Give the e-mail address the transcript should go to.", code: "contact_required")
            }
            if conversation.status == .closed {
                try queueTranscriptMail(conversation, tx)
                return TranscriptRequest(when: .queued, email: email)
            }
            if !conversation.transcriptRequested { try tx.rows.setTranscriptRequested(conversationId: conversationId) }
            return TranscriptRequest(when: .onClose, email: email)
        }
    }

    // MARK: Rendering

    /// The conversation as plain text, in the shop's time zone.
    func transcript(_ conversation: Conversation, _ settings: Settings, _ rows: any StoreReader, shopper: Bool) throws -> String {
        let messages = try rows.messages(conversationId: conversation.id, afterSeq: 0, limit: 2000)
        return try lines(messages, settings, rows, customer: shopper ? "You" : conversation.customerDisplayName)
    }

    /// `[2026-11-30 14:02] Name: text`, one line a message (continuation lines indented).
    private func lines(_ messages: [Message], _ settings: Settings, _ rows: any StoreReader, customer: String) throws -> String {
        let formatter = Self.shopClock(settings)
        return try messages.map { message in
            let who: String = switch message.senderType {
            case .customer: customer
            case .bot: settings.botName
            case .agent: try message.senderAgentId.flatMap { try rows.agent(id: $0)?.displayName } ?? "Support"
            case .system: settings.brandName
            }
            // Files are named, not linked: an e-mail outlives a link's 15 minutes.
            let files = message.attachments.map { "[file: \($0.filename), \(ByteCount.words($0.size))]" }
            let words = message.content.isEmpty ? [] : [message.content]
            let text = (words + files).joined(separator: "\n").split(separator: "\n", omittingEmptySubsequences: false)
                .joined(separator: "\n    ")
            return "[\(formatter.string(from: message.createdAt.date))] \(who): \(text)"
        }.joined(separator: "\n")
    }

    /// `2026-11-30 14:02` in the shop's time zone, as e-mails write times.
    static func shopClock(_ settings: Settings) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: settings.availability.timezone) ?? TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter
    }

    /// A time as e-mails write it: the shop's clock and its zone's name.
    static func shopTime(_ time: Timestamp, _ settings: Settings) -> String {
        let clock = shopClock(settings)
        return "\(clock.string(from: time.date)) (\(clock.timeZone.identifier))"
    }

    // MARK: The sender's side

    /// Unseen-reply e-mails whose wait is over: cancelled when the shopper saw the replies
    /// (a widget stream of theirs was open since the first one, or they wrote since), else
    /// written out and handed to the sender. Returns how many became sendable.
    public func decideUnseenReplies(now: Timestamp = .now(), limit: Int = 50) throws -> Int {
        guard try read({ try !$0.emails(state: .waiting, dueBy: now, limit: 1).isEmpty }) else { return 0 }
        return try write { tx in
            var ready = 0
            let settings = try tx.rows.settings() ?? .defaults
            for var email in try tx.rows.emails(state: .waiting, dueBy: now, limit: limit) {
                guard let conversationId = email.conversationId, try tx.rows.conversation(id: conversationId) != nil else {
                    email.state = .cancelled
                    try tx.rows.updateEmail(email)
                    continue
                }
                let since = try tx.rows.messages(conversationId: conversationId, afterSeq: (email.anchorSeq ?? 1) - 1, limit: 500)
                let stream = try tx.rows.streamPresence(.conversation(conversationId))
                // What the shopper has seen: everything while a widget is open; else every reply
                // before their last widget closed or before they last wrote. Only the replies
                // after that are unseen (a reply seen earlier must not cancel a later one).
                let seenUntil = [stream.map(\.changedAt), since.last { $0.senderType == .customer }?.createdAt].compactMap { $0 }.max()
                let replies = stream?.open == true ? []
                    : since.filter { reply in reply.senderType == .agent && seenUntil.map { reply.createdAt > $0 } ?? true }
                if let first = replies.first, first.createdAt.adding(seconds: policy.unseenReplySeconds) > now {
                    // The first unseen reply is younger than the wait: decide again when it is due.
                    email.anchorSeq = first.seq
                    email.notBefore = first.createdAt.adding(seconds: policy.unseenReplySeconds)
                } else if replies.isEmpty {
                    email.state = .cancelled
                } else {
                    let text = try lines(replies, settings, tx.rows, customer: "You")
                    email.subject = replies.count == 1 ? "\(settings.brandName) answered your message"
                        : "\(settings.brandName) answered your message (\(replies.count) replies)"
                    email.body = """
                        You have \(replies.count == 1 ? "a reply" : "replies") from \(settings.brandName) that you haven't seen yet:

                        \(text)

                        Continue the conversation: \(policy.publicURL)/widget/
                        (Or simply reply to this e-mail.)
                        """
                    email.replyTo = settings.notifyEmail
                    email.state = .pending
                    email.notBefore = now
                    ready += 1
                }
                try tx.rows.updateEmail(email)
            }
            return ready
        }
    }

    /// Takes up to `limit` e-mails to send now (pending and due, or left `sending` by a
    /// sender that died before its lease ran out) and leases them for `leaseSeconds`.
    public func claimEmails(now: Timestamp = .now(), limit: Int = 10, leaseSeconds: Int64 = 120) throws -> [OutgoingEmail] {
        let due = try read { rows in
            try rows.emails(state: .pending, dueBy: now, limit: 1).count + rows.emails(state: .sending, dueBy: now, limit: 1).count
        }
        guard due > 0 else { return [] }
        return try write { tx in
            let candidates = try tx.rows.emails(state: .pending, dueBy: now, limit: limit)
                + tx.rows.emails(state: .sending, dueBy: now, limit: limit)
            let settings = try tx.rows.settings() ?? .defaults
            return try candidates.prefix(limit).map { email in
                var email = email
                // The conversation as it stands now, on the first attempt (a retry sends what the first tried).
                if email.kind == .offlineMessage, email.attempts == 0, let id = email.conversationId,
                   let conversation = try tx.rows.conversation(id: id) {
                    email.body = try offlineMessageBody(conversation, settings, tx.rows)
                }
                email.state = .sending
                email.attempts += 1
                email.notBefore = now.adding(seconds: leaseSeconds)
                try tx.rows.updateEmail(email)
                return email
            }
        }
    }

    /// The SMTP server accepted it: never sent again.
    public func emailSent(_ email: OutgoingEmail) throws {
        try write { tx in
            var email = email
            email.state = .sent
            email.sentAt = tx.now
            email.lastError = nil
            email.body = email.bodyWithoutLink
            try tx.rows.updateEmail(email)
        }
    }

    /// The server did not take it: retried later with backoff, or given up when `permanent`
    /// (the server refused the recipient) or after too many attempts. Returns the new state.
    @discardableResult
    public func emailFailed(_ email: OutgoingEmail, error: String, permanent: Bool, now: Timestamp = .now()) throws -> OutgoingEmail.State {
        try write { tx in
            var email = email
            email.lastError = String(error.prefix(500))
            if permanent || email.attempts >= policy.mailMaxAttempts {
                email.state = .failed
                email.body = email.bodyWithoutLink
            } else {
                email.state = .pending
                email.notBefore = now.adding(seconds: policy.mailBackoffSeconds(afterAttempts: email.attempts))
            }
            try tx.rows.updateEmail(email)
            return email.state
        }
    }

    /// The name e-mails come from: the shop's brand.
    public func mailSenderName() throws -> String {
        try shopSettings().brandName
    }

    /// Every e-mail about a conversation (tests, and an operator's look).
    public func emails(conversationId: String) throws -> [OutgoingEmail] {
        try read { try $0.emails(conversationId: conversationId) }
    }
}
