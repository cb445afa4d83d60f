import SwitchboardCore

/// What admins change: FAQs, settings, the team. Every change writes an audit entry in the
/// same transaction, so the log cannot miss one that happened or show one that did not.
extension ChatService {
    // MARK: FAQs

    /// Every FAQ, disabled ones included, in display order.
    public func adminFAQs() throws -> [FAQ] {
        try read { try $0.faqs(includeDisabled: true) }
    }

    /// Adds an FAQ. A slug derived from the question gets `-2`, `-3`… when taken; a slug the
    /// admin chose that is taken is a 409.
    public func createFAQ(_ input: FAQInput, by actor: AuditEntry.Actor) throws -> FAQ {
        let question = try FAQRules.question(input.question)
        let answer = try FAQRules.answer(input.answer)
        let chosen = try input.slug.map(FAQRules.slug)
        let keywords = try FAQRules.keywords(input.keywords ?? [])
        let position = try input.position.map(FAQRules.position)
        return try write { tx in
            let existing = try tx.rows.faqs(includeDisabled: true)
            guard existing.count < Limits.faqsMax else {
                throw AppError.conflict("A desk holds at most \(Limits.faqsMax) FAQs; delete one first.", code: "faq_limit")
            }
            let slug = try chosen.map { try Self.free($0, tx) } ?? Self.freeSlug(FAQ.slug(from: question), tx)
            let faq = FAQ(id: Identifiers.uuid(), slug: slug, question: question, answer: answer, keywords: keywords,
                          position: position ?? ((existing.map(\.position).max() ?? -1) + 1), enabled: input.enabled ?? true,
                          createdAt: tx.now, updatedAt: tx.now)
            try tx.rows.insertFAQ(faq)
            tx.faqsChanged = true
            try tx.audit(actor, "faq.created", faq.id, ["slug": faq.slug, "question": faq.question])
            return faq
        }
    }

    /// Changes some fields of an FAQ (404 unknown, 409 a slug another FAQ has).
    public func updateFAQ(id: String, _ patch: FAQPatch, by actor: AuditEntry.Actor) throws -> FAQ {
        try write { tx in
            let old = try Self.faq(id, tx)
            var faq = try patch.applied(to: old)
            if faq.slug != old.slug { _ = try Self.free(faq.slug, tx) }
            guard faq != old else { return old }
            faq.updatedAt = tx.now
            try tx.rows.updateFAQ(faq)
            tx.faqsChanged = true
            try tx.audit(actor, "faq.updated", faq.id, Self.changes(from: old, to: faq))
            return faq
        }
    }

    public func deleteFAQ(id: String, by actor: AuditEntry.Actor) throws {
        try write { tx in
            let faq = try Self.faq(id, tx)
            try tx.rows.deleteFAQ(id: id)
            tx.faqsChanged = true
            try tx.audit(actor, "faq.deleted", id, ["slug": faq.slug, "question": faq.question])
        }
    }

    static func faq(_ id: String, _ tx: Transaction) throws -> FAQ {
        guard let faq = try tx.rows.faq(id: id) else { throw AppError.notFound("No FAQ \(id).", code: "faq_not_found") }
        return faq
    }

    /// `slug` when no FAQ has it; 409 otherwise.
    static func free(_ slug: String, _ tx: Transaction) throws -> String {
        guard try tx.rows.faq(slug: slug) == nil else {
            throw AppError.conflict("Another FAQ has the slug \(slug).", code: "slug_taken")
        }
        return slug
    }

    /// `base`, or `base-2`, `base-3`… whichever is free first.
    static func freeSlug(_ base: String, _ tx: Transaction) throws -> String {
        var candidate = base
        var n = 2
        while try tx.rows.faq(slug: candidate) != nil {
            let suffix = "-\(n)"
            candidate = String(base.prefix(Limits.slugMaxLength - suffix.count)) + suffix
            n += 1
        }
        return candidate
    }

    static func changes(from old: FAQ, to new: FAQ) -> [String: String] {
        var changes: [String: String] = [:]
        if old.slug != new.slug { changes["slug"] = new.slug }
        if old.question != new.question { changes["question"] = new.question }
        if old.answer != new.answer { changes["answer"] = new.answer }
        if old.keywords != new.keywords { changes["keywords"] = new.keywords.joined(separator: ", ") }
        if old.position != new.position { changes["position"] = String(new.position) }
        if old.enabled != new.enabled { changes["enabled"] = String(new.enabled) }
        return changes
    }

    // MARK: Settings and the widget

    public func settings() throws -> Settings {
        resolved(try read { try $0.settings() ?? .defaults })
    }

    /// The settings as the hot paths read them: from memory (ReadCache), like the FAQs.
    func shopSettings() throws -> Settings {
        try caches.settings.get { resolved(try read { try $0.settings() ?? .defaults }) }
    }

    /// Stored settings with what the configuration supplies until an admin saves their own:
    /// the sites that may show the chat (`SWITCHBOARD_WIDGET_ORIGINS`).
    func resolved(_ settings: Settings) -> Settings {
        var s = settings
        if s.widget.allowedOrigins == nil { s.widget.allowedOrigins = policy.widgetOrigins }
        return s
    }

    /// Applies a patch (nested objects merge) and returns the settings as saved.
    public func updateSettings(_ patch: SettingsPatch, by actor: AuditEntry.Actor) throws -> Settings {
        try write { tx in
            let old = try tx.rows.settings() ?? .defaults
            let new = try patch.applied(to: old)
            guard BusinessHours(new.availability) != nil else {
                throw AppError.badRequest("availability.timezone: an IANA time zone such as Europe/Berlin.", code: "invalid_settings")
            }
            guard new != old else { return resolved(old) }
            try tx.rows.saveSettings(new, at: tx.now)
            tx.settingsChanged = true
            try tx.audit(actor, "settings.updated", "settings", Self.changes(from: resolved(old), to: resolved(new)))
            return resolved(new)
        }
    }

    /// The members whose JSON differs, by dotted name (`widget.color`), with their new values.
    static func changes(from old: Settings, to new: Settings) -> [String: String] {
        var changes: [String: String] = [:]
        func note(_ name: String, _ a: String, _ b: String) { if a != b { changes[name] = b } }
        note("brand_name", old.brandName, new.brandName)
        note("bot_name", old.botName, new.botName)
        note("welcome_message", old.welcomeMessage, new.welcomeMessage)
        note("fallback_message", old.fallbackMessage, new.fallbackMessage)
        note("away_fallback_message", old.awayFallbackMessage, new.awayFallbackMessage)
        note("closed_fallback_message", old.closedFallbackMessage, new.closedFallbackMessage)
        note("human_phrases", old.humanPhrases.joined(separator: ", "), new.humanPhrases.joined(separator: ", "))
        note("routing.return_after_minutes", String(old.routing.returnAfterMinutes), String(new.routing.returnAfterMinutes))
        note("csat.enabled", String(old.csat.enabled), String(new.csat.enabled))
        note("csat.question", old.csat.question, new.csat.question)
        note("widget.title", old.widget.title, new.widget.title)
        note("widget.subtitle", old.widget.subtitle, new.widget.subtitle)
        note("widget.greeting", old.widget.greeting, new.widget.greeting)
        note("widget.color", old.widget.color, new.widget.color)
        note("widget.position", old.widget.position.rawValue, new.widget.position.rawValue)
        note("widget.allowed_origins", old.widget.allowedOrigins?.joined(separator: " ") ?? "",
             new.widget.allowedOrigins?.joined(separator: " ") ?? "")
        note("notify_email", old.notifyEmail ?? "", new.notifyEmail ?? "")
        note("identity.allow_unverified_ids", String(old.identity.allowUnverifiedIds), String(new.identity.allowUnverifiedIds))
        if old.availability != new.availability {
            changes["availability"] = (try? WireJSON.string(new.availability)) ?? ""
        }
        return changes
    }

    /// What the widget needs before the shopper types: names, look, quick questions.
    public func widgetConfig(at now: Timestamp = .now()) throws -> WidgetConfig {
        let settings = try shopSettings()
        return try read { rows in
            WidgetConfig(settings: settings, quickQuestions: try faqs().map(QuickQuestion.init),
                                availability: try Self.availability(settings: settings, rows, now, mailEnabled: policy.mailEnabled))
        }
    }

    /// Audit entries newest first, before entry `beforeId` when given.
    public func audit(limit: Int, beforeId: Int64?) throws -> [AuditEntry] {
        try read { try $0.audit(limit: limit, beforeId: beforeId) }
    }
}

extension Transaction {
    /// Records an admin change in this transaction.
    func audit(_ actor: AuditEntry.Actor, _ action: String, _ target: String, _ changes: [String: String] = [:]) throws {
        try rows.appendAudit(actor: actor, action: action, target: target, data: AuditData(changes), at: now)
    }
}

extension Agent {
    /// This agent as the author of an audit entry.
    public var auditActor: AuditEntry.Actor { AuditEntry.Actor(id: id, username: username, integration: integration ? displayName : nil) }
}

/// What an FAQ import did.
public struct FAQImportReport: Equatable, Sendable {
    public var created: [String] = []
    public var updated: [String] = []
    public var unchanged: [String] = []
}

extension ChatService {
    /// Upserts FAQs by slug (derived from the question when absent), in one transaction: a
    /// bad entry changes nothing and the error names it (`entry 3 (slug "x"): answer: …`).
    public func importFAQs(_ entries: [FAQInput], by actor: AuditEntry.Actor) throws -> FAQImportReport {
        var checked: [FAQ] = []
        var slugs = Set<String>()
        for (index, entry) in entries.enumerated() {
            do {
                let question = try FAQRules.question(entry.question)
                let slug = try entry.slug.map(FAQRules.slug) ?? FAQ.slug(from: question)
                guard slugs.insert(slug).inserted else {
                    throw AppError.badRequest("slug: \(slug) appears twice in the file.", code: "invalid_faq")
                }
                checked.append(FAQ(slug: slug, question: question, answer: try FAQRules.answer(entry.answer),
                                   keywords: try FAQRules.keywords(entry.keywords ?? []),
                                   position: try FAQRules.position(entry.position ?? index), enabled: entry.enabled ?? true))
            } catch let error as AppError {
                throw AppError.badRequest("entry \(index + 1) (\(entry.slug.map { "slug \"\($0)\"" } ?? "question \"\(entry.question.prefix(40))\"")): \(error.detail)",
                                          code: error.code)
            }
        }
        return try write { tx in
            tx.faqsChanged = true
            var report = FAQImportReport()
            for var faq in checked {
                if let old = try tx.rows.faq(slug: faq.slug) {
                    faq.id = old.id
                    faq.createdAt = old.createdAt
                    faq.updatedAt = old.updatedAt
                    if faq == old {
                        report.unchanged.append(faq.slug)
                        continue
                    }
                    faq.updatedAt = tx.now
                    try tx.rows.updateFAQ(faq)
                    try tx.audit(actor, "faq.updated", faq.id, Self.changes(from: old, to: faq))
                    report.updated.append(faq.slug)
                } else {
                    faq.id = Identifiers.uuid()
                    faq.createdAt = tx.now
                    faq.updatedAt = tx.now
                    try tx.rows.insertFAQ(faq)
                    try tx.audit(actor, "faq.created", faq.id, ["slug": faq.slug, "question": faq.question])
                    report.created.append(faq.slug)
                }
            }
            guard try tx.rows.faqs(includeDisabled: true).count <= Limits.faqsMax else {
                throw AppError.conflict("A desk holds at most \(Limits.faqsMax) FAQs.", code: "faq_limit")
            }
            return report
        }
    }
}

extension FAQInput {
    /// The entry an export writes for `faq`: everything an import needs to recreate it.
    public init(_ faq: FAQ) {
        self.init(question: faq.question, answer: faq.answer, slug: faq.slug, keywords: faq.keywords,
                  position: faq.position, enabled: faq.enabled)
    }
}

extension ChatService {
    /// Whether anyone ever saved settings (the demo seed leaves a shop's own alone).
    public func hasSavedSettings() throws -> Bool {
        try read { try $0.settings() != nil }
    }
}
