import SwitchboardCore

/// The demo shop's FAQs and accounts, written by `switchboard seed` (idempotent).
public enum DemoData {
    public static let faqs: [FAQ] = [
        FAQ(slug: "delivery-date", question: "When will my order arrive?",
            answer: "Orders ship within 1 business day. Standard delivery takes 2–4 business days; express arrives the next business day. Your shipping email has a tracking link with the exact date.",
            keywords: ["delivery", "arrive", "shipping", "ship", "when", "late", "tracking"]),
        FAQ(slug: "return-policy", question: "What is your return policy?",
            answer: "You can return unused items within 30 days of delivery for a full refund. Start a return from Orders → Return item; the label is free.",
            keywords: ["return", "refund", "exchange", "send back", "money back"]),
        FAQ(slug: "order-status", question: "Where is my order?",
            answer: "Open Orders in your account to see its status. \"Packed\" means it leaves today; \"Shipped\" shows a tracking link. No update for 5 days? Ask for a person and we'll chase it.",
            keywords: ["order", "status", "where", "track", "package", "parcel"]),
        FAQ(slug: "payment-methods", question: "Which payment methods do you accept?",
            answer: "We accept Visa, Mastercard, American Express, PayPal and bank transfer. You're only charged when your order ships.",
            keywords: ["payment", "pay", "card", "paypal", "credit", "charged", "invoice"]),
        FAQ(slug: "change-address", question: "Can I change my delivery address?",
            answer: "Yes, until the order ships: open Orders → Change address. After it ships, ask for a person and we'll contact the carrier.",
            keywords: ["address", "change", "wrong", "move", "update"]),
        FAQ(slug: "cancel-order", question: "How do I cancel my order?",
            answer: "Orders that have not shipped can be cancelled from Orders → Cancel. You get the refund within 3–5 business days.",
            keywords: ["cancel", "cancellation", "stop", "mistake"]),
    ]

    /// Writes the FAQs (updating existing ones by slug).
    public static func seedFAQs(_ service: ChatService) throws {
        for (position, faq) in faqs.enumerated() { try service.upsertFAQ(faq, position: position) }
    }

    /// What seeding did to one account.
    public enum AccountOutcome: Equatable, Sendable {
        case created(password: String)
        case passwordReset(password: String)
        case unchanged
    }

    /// Creates the account if missing; with `password` given, also resets an existing one.
    public static func seedAccount(_ service: ChatService, username: String, displayName: String, role: AgentRole,
                                   password: String?) throws -> AccountOutcome {
        if try service.agent(username: username) != nil {
            guard let password else { return .unchanged }
            try service.setPassword(username: username, password: password)
            return .passwordReset(password: password)
        }
        let chosen = password ?? Secrets.password()
        _ = try service.createAgent(username: username, password: chosen, displayName: displayName, role: role)
        return .created(password: chosen)
    }
}
