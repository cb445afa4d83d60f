import SwitchboardCore

/// A month of believable history for the demo shop (`switchboard seed --history`), so the
/// Reports page has something to show on a fresh `make run`. Deterministic: the same day
/// gives the same history.
public enum DemoHistory {
    public static let labels = [("Shipping", "#1a56db"), ("Returns", "#b45309"), ("Sizing", "#6d28d9")]

    /// Conversations created over the `days` days before `now` (none after it), answered by
    /// `agents` (usernames; the first answers most).
    public static func conversations(days: Int = 30, now: Timestamp, agents: [String]) -> [(number: Int, item: ImportedConversation)] {
        var rng = SplitMix64(seed: 23)
        var result: [(Int, ImportedConversation)] = []
        let today = now.milliseconds / 86_400_000
        for day in (today - Int64(days))...today {
            let count = ShopClock.weekday(ofDay: day) >= 6 ? 3 + rng.below(4) : 8 + rng.below(8)
            for _ in 0..<count {
                // Busiest around midday and early evening (UTC, the demo shop's zone).
                let hour = [8, 9, 10, 11, 11, 12, 12, 13, 14, 15, 16, 17, 18, 18, 19, 20, 21][rng.below(17)]
                let created = day * 86_400_000 + Int64(hour * 3600 + rng.below(3600)) * 1000
                guard let item = conversation(created, now: now.milliseconds, agents: agents, &rng) else { continue }
                result.append((result.count + 1, item))
            }
        }
        return result
    }

    private static let questions = [
        ("Where is my order? It was due yesterday.", "Shipping"), ("Can I change the delivery address?", "Shipping"),
        ("How do I return a jacket that doesn't fit?", "Returns"), ("My refund hasn't arrived yet.", "Returns"),
        ("Which size should I take in the trail boots?", "Sizing"), ("Do the rain pants run small?", "Sizing"),
        ("Is the down parka warm enough for -20°C?", nil), ("Can I pick up in store?", "Shipping"),
    ]
    private static let replies = ["Let me check that for you.", "Thanks for waiting — I've looked into it.",
                                  "I can help with that.", "Good question!"]
    private static let closings = ["All sorted, have a great day!", "Done — you'll get an e-mail shortly.",
                                   "Happy to help. Enjoy the trails!"]
    private static let comments = ["", "", "", "Quick and friendly, thanks!", "Solved my problem.", "Took a while.",
                                   "Great help with the sizing."]

    private static func iso(_ ms: Int64) -> String { Timestamp(milliseconds: ms).iso8601 }

    private static func conversation(_ created: Int64, now: Int64, agents: [String],
                                     _ rng: inout SplitMix64) -> ImportedConversation? {
        let (question, label) = questions[rng.below(questions.count)]
        var t = created
        var lines = [ImportedConversation.Line(sender: "bot", content: "Hi! How can we help?", at: iso(t))]
        t += Int64(10 + rng.below(50)) * 1000
        lines.append(.init(sender: "customer", content: question, at: iso(t)))
        var item = ImportedConversation(createdAt: iso(created))
        item.contact = .init(name: ["Mia", "Noah", "Lena", "Ben", "Sofia", "Jonas", "Ava", "Liam"][rng.below(8)], email: nil, externalId: nil)
        if rng.below(100) < 40 {
            // The bot's FAQ answer was enough.
            t += 2000
            lines.append(.init(sender: "bot", content: "Here's what our FAQ says about that.", at: iso(t)))
            t += Int64(60 + rng.below(240)) * 1000
        } else {
            t += Int64(20 + rng.below(90)) * 1000
            item.requestedAgentAt = iso(t)
            let offline = created % 86_400_000 >= 20 * 3_600_000 && rng.below(2) == 0
            let agent = agents[rng.below(100) < 65 || agents.count == 1 ? 0 : 1 + rng.below(agents.count - 1)]
            // Most are answered in a few minutes, some wait long, offline ones until morning.
            let wait = offline ? 36_000 + rng.below(3600) : [30, 60, 90, 120, 180, 240, 300, 420, 600, 900, 1800][rng.below(11)] + rng.below(30)
            t += Int64(wait) * 1000
            item.offline = offline
            item.agent = agent
            lines.append(.init(sender: "agent", agent: agent, content: replies[rng.below(replies.count)], at: iso(t)))
            t += Int64(60 + rng.below(600)) * 1000
            lines.append(.init(sender: "customer", content: "Thank you!", at: iso(t)))
            t += Int64(30 + rng.below(300)) * 1000
            lines.append(.init(sender: "agent", agent: agent, content: closings[rng.below(closings.count)], at: iso(t)))
            t += 5000
            if rng.below(100) < 65 {
                let score = [5, 5, 5, 4, 4, 4, 3, 2, 1, 5][rng.below(10)]
                item.rating = .init(score: score, comment: comments[rng.below(comments.count)], at: iso(t + 30_000))
            }
        }
        guard t + 60_000 <= now else { return nil }
        item.messages = lines
        item.closedAt = iso(t)
        if let label, rng.below(100) < 50 { item.labels = [label] }
        return item
    }
}

/// A small seeded generator (SplitMix64): the same history every time.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
