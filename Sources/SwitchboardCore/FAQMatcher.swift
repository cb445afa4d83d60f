/// Finds the FAQ a free-text message is about: case- and punctuation-insensitive,
/// scored by how many meaningful words the message shares with the question and
/// keywords. Ties go to the earlier FAQ; no shared word means no match.
public struct FAQMatcher: Sendable {
    private let entries: [(faq: FAQ, words: Set<String>)]

    public init(_ faqs: [FAQ]) {
        entries = faqs.map { faq in
            (faq, Set(Self.words(faq.question) + faq.keywords.flatMap(Self.words)))
        }
    }

    public func match(_ text: String) -> FAQ? {
        let said = Set(Self.words(text))
        guard !said.isEmpty else { return nil }
        var best: (faq: FAQ, score: Int)?
        for entry in entries {
            let score = entry.words.intersection(said).count
            if score > 0, score > (best?.score ?? 0) { best = (entry.faq, score) }
        }
        return best?.faq
    }

    /// Lower-cased words without punctuation, minus words that say nothing on their own,
    /// with a crude plural/verb suffix folding so "returns" meets "return".
    public static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        func flush() {
            if !current.isEmpty {
                let word = fold(current)
                if !stopWords.contains(word), word.count > 1 { words.append(word) }
                current = ""
            }
        }
        for scalar in text.lowercased().unicodeScalars {
            if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                current.unicodeScalars.append(scalar)
            } else if scalar == "'" || scalar == "’" {
                continue // "what's" → "whats"
            } else {
                flush()
            }
        }
        flush()
        return words
    }

    private static func fold(_ word: String) -> String {
        for suffix in ["ing", "es", "s"] where word.count > suffix.count + 2 && word.hasSuffix(suffix) {
            return String(word.dropLast(suffix.count))
        }
        return word
    }

    private static let stopWords: Set<String> = [
        "a", "an", "and", "are", "be", "can", "could", "do", "doe", "for", "from", "have", "hello", "hi",
        "how", "i", "if", "in", "is", "it", "me", "my", "of", "on", "or", "our", "please", "so", "that",
        "the", "their", "there", "thi", "this", "to", "wa", "was", "we", "what", "whats", "when", "where",
        "which", "who", "why", "will", "with", "would", "you", "your", "hey", "thank", "thanks", "get", "am",
    ]
}

/// What the system says when a conversation changes hands (the bot's welcome and fallback
/// are shop settings).
/// Phrases that ask for a person ("talk to a human"), matched as whole words in any case.
public enum HumanPhrases {
    /// Whether `text` contains one of `phrases` as a run of whole words.
    public static func matches(_ text: String, _ phrases: [String]) -> Bool {
        let words = Self.words(text)
        guard !words.isEmpty else { return false }
        return phrases.contains { phrase in
            let needle = Self.words(phrase)
            guard !needle.isEmpty, needle.count <= words.count else { return false }
            return (0...(words.count - needle.count)).contains { start in Array(words[start..<(start + needle.count)]) == needle }
        }
    }

    static func words(_ text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }
}

public enum BotText {
    public static let queued = "You're in the queue. A support agent will be with you shortly."
    /// An anonymous chat closed because the customer signed in and had a conversation open.
    public static let merged = "You signed in; this chat continues in your open conversation."
    public static func assigned(_ agentName: String) -> String { "\(agentName) has joined the chat." }
    /// A colleague took the chat over (a transfer).
    public static func transferred(_ agentName: String) -> String { "You're now chatting with \(agentName)." }
    /// The holder signed out or has been gone too long; someone else will take over.
    public static func returned(_ agentName: String) -> String { "\(agentName) had to leave — we're finding someone else." }
    public static let released = "Your agent stepped away; you're back in the queue and the next available agent will join."
    public static let closed = "This conversation has been closed. Thanks for chatting with us!"
    /// Filed while nobody was there (`email` nil: the shopper has not left one yet).
    public static func offline(email: String?, byMail: Bool) -> String {
        guard let email else {
            return byMail ? "Nobody is here right now. Leave your e-mail address and we'll answer there; you stay in the queue either way."
                : "Nobody is here right now; you're in the queue and we'll answer here as soon as someone is back."
        }
        return byMail ? "Thanks, we have your message. Nobody is here right now; we'll answer by e-mail at \(email), and here if you come back."
            : "Thanks, we have your message. Nobody is here right now; we'll answer here as soon as someone is back."
    }
}
