import SwitchboardCore

/// Who is reading or acting on a conversation.
public enum Access: Sendable {
    /// A customer proves ownership with the session id the conversation was started under.
    case customer(sessionId: String)
    /// Any authenticated agent may read every conversation (shared queue).
    case agent(Agent)
}

/// What `start` answers.
public struct StartResult: Sendable {
    public let conversation: Conversation
    public let sessionId: String
    public let messages: [Message]
    public let resumed: Bool
    public let lastEventId: Int64
    /// The signed-in customer's contact; nil for an anonymous chat.
    public var contact: Contact? = nil
}

/// What a customer send (text or quick reply) answers.
public struct CustomerSendResult: Sendable {
    public let conversation: Conversation
    public let customerMessage: Message
    public let botMessage: Message?
    /// True when the same `client_message_id` was sent before and this is the original.
    public let replayed: Bool
}

/// What `escalate` answers.
public struct EscalateResult: Sendable {
    public let conversation: Conversation
    /// The system message the escalation added (nil when it changed nothing).
    public let message: Message?
    /// Filed as an offline message: nobody was there.
    public let offline: Bool
    /// Offline and nobody to answer by e-mail yet: the widget asks for an address
    /// (`/contact`), and the shop's e-mail goes out once it has one.
    public var needsContact: Bool { offline && conversation.customerEmail == nil }
}

/// A messages page, with the event cursor of the same read.
public struct MessagesPage: Sendable {
    public let conversation: Conversation
    public let messages: [Message]
    /// The conversation's newest message (the agent view shows it whatever the page).
    public let lastMessage: Message?
    public let lastEventId: Int64
}

/// The widget's side: start or resume, read, send, tap a quick reply, ask for a person.
extension ChatService {
    /// Starts a conversation or resumes the session's open one. A signed-in session (from
    /// `login`) resumes its contact's open conversation, or starts one for the contact.
    public func start(sessionId: String?, forceNew: Bool, displayName: String?, email: String?) throws -> StartResult {
        let session = sessionId ?? Secrets.token(prefix: "cs_")
        let hash = Secrets.sha256(session)
        let settings = try shopSettings()
        return try write { tx in
            if sessionId != nil, let signedIn = try tx.rows.customerSession(tokenHash: hash) {
                guard signedIn.isLive(at: tx.now), var contact = try tx.rows.contact(id: signedIn.contactId) else { throw Self.invalidSession }
                contact.lastSeenAt = tx.now
                try tx.rows.updateContact(contact)
                if forceNew, let open = try tx.rows.openConversation(contactId: contact.id) {
                    // One open conversation per contact: a fresh start closes the old one.
                    try closeOnSignIn(open, BotText.closed, event: "closed", tx)
                }
                return try openOrStart(for: contact, sessionId: session, officer: nil, settings, tx)
            }
            if sessionId != nil, !forceNew, let open = try tx.rows.openConversation(sessionHash: hash) {
                let messages = try tx.rows.recentMessages(conversationId: open.id, limit: Self.messagesMaxPerStart)
                return StartResult(conversation: open, sessionId: session, messages: messages, resumed: true,
                                   lastEventId: try tx.rows.latestEventId())
            }
            let id = Identifiers.uuid()
            // Every anonymous chat has an anonymous contact of its own.
            let contact = Contact.anonymous(id: Identifiers.uuid(), name: displayName, email: email, at: tx.now)
            try tx.rows.insertContact(contact)
            try tx.contactCreated(contact.id)
            let new = Conversation(id: id, status: .automated, assignedAgentId: nil, assignedAgentName: nil, hasAgentReplied: false,
                                   requestedAgentAt: nil, closedAt: nil, createdAt: tx.now, updatedAt: tx.now,
                                   customerDisplayName: displayName ?? "Visitor \(id.prefix(4).uppercased())", customerEmail: email,
                                   contactSource: email == nil ? nil : .start, contactId: contact.id)
            try tx.rows.insertConversation(new, sessionHash: hash)
            try tx.conversationCreated(id)
            let welcome = try tx.insertMessage(id, sender: .bot, kind: .text, content: settings.welcomeMessage,
                                               metadata: MessageMetadata(event: "welcome"))
            let conversation = try tx.conversation(id)
            // Emitted after the message so the cursor below includes the welcome's event.
            try tx.emit(.conversationUpdated(conversation))
            return StartResult(conversation: conversation, sessionId: session, messages: [welcome], resumed: false,
                               lastEventId: try tx.rows.latestEventId())
        }
    }

    /// A conversation the caller may see (404 unknown, 403 someone else's).
    public func conversation(_ id: String, access: Access) throws -> Conversation {
        try read { try Self.authorized(id, access, $0) }
    }

    /// Whether `access` may show a typing indicator in `conversation`, as its route's caller
    /// read it: the lifecycle decides (closed is 409; an agent typing in a chat someone else
    /// holds is 403). Typing is never stored, so nothing is read again.
    public func checkTyping(in conversation: Conversation, access: Access) throws {
        let command: ConversationCommand = switch access {
        case .customer: .customerTyping
        case .agent(let agent): .agentTyping(agent.actor)
        }
        _ = try ConversationLifecycle.decide(conversation.state, command).get()
    }

    static func authorized(_ id: String, _ access: Access, _ rows: any StoreReader) throws -> Conversation {
        guard case .customer(let sessionId) = access else {
            guard let conversation = try rows.conversation(id: id) else { throw AppError.conversationNotFound }
            return conversation
        }
        return try authorizedCustomer(id, sessionId: sessionId, rows).conversation
    }

    /// A customer's conversation: the anonymous session it was started under, or a sign-in
    /// (`login`) of the contact it belongs to (which reaches every conversation of the
    /// contact; closed ones are read-only by the lifecycle). The sign-in is returned too (its
    /// streams are tagged with it). An ended sign-in is 401 `invalid_session`; another's
    /// conversation 403. The anonymous case, every widget request's, costs one read.
    static func authorizedCustomer(_ id: String, sessionId: String,
                                   _ rows: any StoreReader) throws -> (conversation: Conversation, session: CustomerSession?) {
        guard let (conversation, stored) = try rows.conversationWithSessionHash(id: id) else { throw AppError.conversationNotFound }
        let hash = Secrets.sha256(sessionId)
        if Secrets.constantTimeEqual(stored, hash) { return (conversation, nil) }
        if let session = try rows.customerSession(tokenHash: hash) {
            guard session.isLive(at: .now()) else { throw invalidSession }
            if session.contactId == conversation.contactId { return (conversation, session) }
        }
        throw AppError.forbidden("This conversation belongs to another session.", code: "not_your_conversation")
    }

    /// Messages oldest first, after the message with id `after` (exclusive).
    public func messages(_ conversationId: String, access: Access, after: String?, limit: Int) throws -> MessagesPage {
        try read { rows in
            var conversation = try Self.authorized(conversationId, access, rows)
            if case .agent(let agent) = access {
                // The console's view: the caller's unread count and the team's labels.
                conversation.unreadCount = try rows.unreadCount(conversationId: conversationId, agentId: agent.id)
                conversation.labels = try rows.labels(conversationIds: [conversationId])[conversationId] ?? []
            }
            var afterSeq: Int64 = 0
            if let after {
                guard let message = try rows.message(id: after, conversationId: conversationId) else {
                    throw AppError.badRequest("after: no message \(after) in this conversation.", code: "invalid_cursor")
                }
                afterSeq = message.seq
            }
            return MessagesPage(conversation: conversation,
                                messages: try rows.messages(conversationId: conversationId, afterSeq: afterSeq, limit: limit),
                                lastMessage: try rows.lastMessage(conversationId: conversationId),
                                lastEventId: try rows.latestEventId())
        }
    }

    /// The FAQs the widget offers and the bot matches (enabled ones), in display order; from
    /// memory (ReadCache: a change here is seen at once, one by another process within a second).
    public func faqs() throws -> [FAQ] {
        try caches.faqs.get { try read { try $0.faqs(includeDisabled: false) } }
    }

    /// The bot's matcher over those FAQs, built once per change of them (it tokenizes every
    /// question and keyword).
    func faqMatcher() throws -> FAQMatcher {
        try caches.matcher.get { FAQMatcher(try faqs()) }
    }

    /// A customer's free text (`quickReply == nil`) or tapped FAQ. While the bot has the
    /// conversation it answers in the same transaction. A repeated `clientMessageId`
    /// returns the original message and its answer instead of writing anything.
    public func customerSend(_ conversationId: String, sessionId: String, content: String?, quickReply: String?,
                             clientMessageId: String?, client: String = "", attachmentIds: [String] = []) throws -> CustomerSendResult {
        // Read before the write: the bot's knowledge and the shop's texts need not hold up the
        // one writer, and neither need its pick for free text (used only if the bot has the
        // conversation; perf: tokenizing every FAQ per message was the writer's largest
        // share of a bot answer).
        let all = try faqs()
        let settings = try shopSettings()
        let matched = quickReply == nil ? try faqMatcher().match(content ?? "") : nil
        let asksForPerson = quickReply == nil && HumanPhrases.matches(content ?? "", settings.humanPhrases)
        return try write { tx in
            let conversation = try Self.authorized(conversationId, .customer(sessionId: sessionId), tx.rows)
            if let original = try tx.original(clientMessageId, in: conversationId) {
                return CustomerSendResult(conversation: conversation, customerMessage: original,
                                          botMessage: try tx.rows.reply(toSeq: original.seq), replayed: true)
            }
            var faq: FAQ?
            if let quickReply {
                guard let found = all.first(where: { $0.slug == quickReply }) else {
                    throw AppError.notFound("No quick question \(quickReply).", code: "faq_not_found")
                }
                faq = found
            }
            let decision = try ConversationLifecycle.decide(conversation.state, .customerMessage).get()
            let files = try tx.attachments(attachmentIds, in: conversationId, from: .customer)
            let sent = try tx.insertMessage(conversationId, sender: .customer, kind: faq == nil ? .text : .quickReply,
                                            content: faq?.question ?? content ?? "",
                                            metadata: faq.map { MessageMetadata(faqSlug: $0.slug) }, clientMessageId: clientMessageId,
                                            attachments: files)
            var bot: Message?
            // Files without words: nothing for the bot to answer.
            let wordless = !files.isEmpty && faq == nil && (content ?? "").trimmingSpaces.isEmpty
            if wordless {
                if conversation.status == .agent { try autoReplyIfClosed(conversationId, settings, tx) }
            } else if decision.botAnswers && asksForPerson {
                // "I want to talk to a human": the way to a person at once, never the FAQ fallback.
                let status = try Self.status(settings, tx.rows, tx.now)
                if status == .online, let escalated = try escalateFromMessage(conversation, client, settings, tx) {
                    return CustomerSendResult(conversation: escalated, customerMessage: sent, botMessage: nil, replayed: false)
                }
                // Nobody there (or over the open-chat limit): the away message, which invites a
                // message, not the "I don't have an answer" fallback.
                let away = status != .online
                bot = try tx.insertMessage(conversationId, sender: .bot, kind: .text,
                                           content: away ? settings.availability.awayMessage : settings.fallbackMessage,
                                           metadata: away ? MessageMetadata(event: "leave_message") : MessageMetadata(fallback: "true"),
                                           replyToSeq: sent.seq)
            } else if decision.botAnswers {
                let answer = faq ?? matched
                let fallback = answer == nil ? settings.fallback(for: try Self.status(settings, tx.rows, tx.now)) : ""
                bot = try tx.insertMessage(conversationId, sender: .bot, kind: .text, content: answer?.answer ?? fallback,
                                           metadata: answer.map { MessageMetadata(faqSlug: $0.slug) } ?? MessageMetadata(fallback: "true"),
                                           replyToSeq: sent.seq)
            } else if conversation.status == .agent {
                try autoReplyIfClosed(conversationId, settings, tx)
            }
            // A customer message changes nothing of the conversation but `updated_at` and the
            // start of the customer's wait (the decision's effect is always `.none`): no
            // second read in the one writer.
            var updated = conversation
            updated.updatedAt = tx.now
            updated.awaitingSince = updated.awaitingSince ?? tx.now
            assert(decision.effect == .none && (try? tx.conversation(conversationId)) == updated,
                   "customerSend: the conversation changed beyond updated_at")
            return CustomerSendResult(conversation: updated, customerMessage: sent, botMessage: bot, replayed: false)
        }
    }

    /// Asks for a human. Idempotent: a second escalation changes nothing and adds no message
    /// (nor stores `message` again). It always queues the chat, as the replaced system did;
    /// while nobody is there (availability `away` or `closed`) the chat is filed as an offline
    /// message: queued marked offline without routing (it is assigned or claimed when someone
    /// comes online), and announced to the shop by e-mail once the conversation has a contact
    /// e-mail (now, or when `/contact` gives one later). One client address may have at most
    /// `policy.maxOpenChatsPerAddress` escalated chats open at once (429
    /// `too_many_open_chats`), so a script cannot fill the queue.
    public func escalate(_ conversationId: String, sessionId: String, message: String? = nil,
                         client: String = "") throws -> EscalateResult {
        let settings = try shopSettings()
        return try write { tx in
            let conversation = try Self.authorized(conversationId, .customer(sessionId: sessionId), tx.rows)
            let decision = try ConversationLifecycle.decide(conversation.state, .escalate).get()
            guard decision.effect == .queued else {
                return EscalateResult(conversation: conversation, message: nil, offline: conversation.offline)
            }
            let offline = try Self.status(settings, tx.rows, tx.now) != .online
            let key = try clientKey(client, tx.rows)
            let limit = policy.maxOpenChatsPerAddress
            if limit > 0, try tx.rows.openEscalations(clientKey: key) >= limit {
                throw AppError(status: 429, code: "too_many_open_chats",
                               detail: "There are already \(limit) open conversations with a person from your network; please continue in one of them.",
                               retryAfter: 60)
            }
            try tx.rows.setClientKey(conversationId: conversationId, key)
            if let message {
                _ = try tx.insertMessage(conversationId, sender: .customer, kind: .text, content: message)
            }
            let (updated, system) = try apply(decision, to: conversation, tx, offline: offline)
            if offline { try queueOfflineMessageMail(updated, settings, tx) }
            return EscalateResult(conversation: updated, message: system, offline: offline)
        }
    }

    /// The escalation a message that asks for a person makes while someone is online, as
    /// `escalate` would; nil when this client address is at its open-chat limit (the bot's
    /// fallback answers instead: a message is never refused for asking).
    private func escalateFromMessage(_ conversation: Conversation, _ client: String, _ settings: Settings,
                                     _ tx: Transaction) throws -> Conversation? {
        let decision = try ConversationLifecycle.decide(try tx.conversation(conversation.id).state, .escalate).get()
        guard decision.effect == .queued else { return nil }
        let key = try clientKey(client, tx.rows)
        let limit = policy.maxOpenChatsPerAddress
        if limit > 0, try tx.rows.openEscalations(clientKey: key) >= limit { return nil }
        try tx.rows.setClientKey(conversationId: conversation.id, key)
        return try apply(decision, to: try tx.conversation(conversation.id), tx).0
    }

    /// Sets the customer's contact (the pre-chat or the offline form, or any time).
    public func setContact(_ conversationId: String, sessionId: String, email: String, name: String?,
                           source: ContactSource) throws -> Conversation {
        let settings = try shopSettings()
        return try write { tx in
            let conversation = try Self.authorized(conversationId, .customer(sessionId: sessionId), tx.rows)
            guard conversation.status != .closed else { throw AppError.conversationClosed }
            try tx.rows.setContact(conversationId: conversationId, displayName: name, email: email, source: source, at: tx.now)
            try updateContactDetails(conversation.contactId, name: name, email: email, tx)
            let updated = try tx.conversation(conversationId)
            try tx.emit(.conversationUpdated(updated))
            // An offline message filed before the shopper gave an address is announced now.
            if updated.offline { try queueOfflineMessageMail(updated, settings, tx) }
            return updated
        }
    }
}
