/// Full-text search over messages, notes and contacts (API.md "Search"). The user's text
/// becomes an FTS5 query here and nowhere else: every word and "quoted phrase" is quoted
/// (so no FTS5 syntax a user types — `"`, `*`, `NEAR(`, `)`, `-`, `AND` — is ever syntax),
/// words match as prefixes, and all of them must match.
public struct SearchQuery: Equatable, Sendable {
    /// One term: a word (matched as a prefix) or a phrase (matched exactly, in order).
    public enum Term: Equatable, Sendable {
        case word(String)
        case phrase(String)
    }

    public let terms: [Term]

    /// The terms of `text`; `"…"` is a phrase (an unclosed one runs to the end). Pieces with
    /// no letter or digit are dropped: they match nothing the tokenizer keeps.
    public init(_ text: String) {
        var terms: [Term] = []
        let parts = text.split(separator: "\"", omittingEmptySubsequences: false)
        for (index, part) in parts.enumerated() {
            if index % 2 == 1 {
                if Self.hasWordCharacter(part) { terms.append(.phrase(String(part))) }
            } else {
                for word in part.split(whereSeparator: \.isWhitespace) where Self.hasWordCharacter(word) {
                    terms.append(.word(String(word)))
                }
            }
        }
        self.terms = terms
    }

    /// FTS5 syntax: each term a quoted string (`"` doubled), words with `*` for prefixes,
    /// joined by spaces (AND). Nil when nothing is left to look for.
    public var fts5: String? {
        guard !terms.isEmpty else { return nil }
        return terms.map { term in
            switch term {
            case .word(let word): "\"\(Self.quoted(word))\"*"
            case .phrase(let phrase): "\"\(Self.quoted(phrase))\""
            }
        }.joined(separator: " ")
    }

    private static func quoted(_ text: String) -> String {
        text.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"")
    }

    private static func hasWordCharacter<S: StringProtocol>(_ text: S) -> Bool {
        text.contains { $0.isLetter || $0.isNumber }
    }
}

/// One place a search matched.
public struct SearchHit: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable {
        case message
        case note
        case contact
    }

    public var type: Kind
    public var id: String
    public var senderType: SenderType?
    public var createdAt: Timestamp
    /// Up to about 160 characters of the matched text around its first match.
    public var snippet: String
    /// Where the matches are in `snippet`: `[start, end)` offsets in Unicode scalars.
    public var highlights: [[Int]]

    public init(type: Kind, id: String, senderType: SenderType?, createdAt: Timestamp, snippet: String, highlights: [[Int]]) {
        self.type = type
        self.id = id
        self.senderType = senderType
        self.createdAt = createdAt
        self.snippet = snippet
        self.highlights = highlights
    }

    enum CodingKeys: String, CodingKey {
        case type, id, senderType = "sender_type", createdAt = "created_at", snippet, highlights
    }

    /// The match markers the store puts around each match (FTS5 `highlight()`).
    public static let open: Unicode.Scalar = "\u{1}"
    public static let close: Unicode.Scalar = "\u{2}"

    /// A snippet of `marked` (text with `open`/`close` around every match) about its first
    /// match, with the matches as scalar offsets and the markers gone.
    public static func snippet(_ marked: String, width: Int = 160) -> (String, [[Int]]) {
        var plain: [Unicode.Scalar] = []
        var ranges: [[Int]] = []
        var start: Int?
        for scalar in marked.unicodeScalars {
            switch scalar {
            case open: start = plain.count
            case close:
                if let begun = start { ranges.append([begun, plain.count]) }
                start = nil
            default: plain.append(scalar)
            }
        }
        // A window around the first match, a third of it before.
        let first = ranges.first?[0] ?? 0
        var lower = max(0, min(first - width / 3, plain.count - width))
        var upper = min(plain.count, lower + width)
        // Whole words at the cut edges.
        while lower > 0, lower < plain.count, !plain[lower - 1].properties.isWhitespace, lower < first { lower += 1 }
        while upper < plain.count, upper > lower, !plain[upper].properties.isWhitespace, upper > (ranges.first?[1] ?? 0) { upper -= 1 }
        var text = String(String.UnicodeScalarView(plain[lower..<upper]))
        var shift = -lower
        if lower > 0 { text = "…" + text; shift += 1 }
        if upper < plain.count { text += "…" }
        let visible = ranges.filter { $0[0] >= lower && $0[1] <= upper }.map { [$0[0] + shift, $0[1] + shift] }
        return (text, visible)
    }
}

/// Which conversations a search looks at.
public struct SearchFilter: Equatable, Sendable {
    public var status: ConversationStatus?
    /// Only conversations that are not closed.
    public var openOnly = false
    public var labelId: String?
    /// Hits at or after / before these times.
    public var from: Timestamp?
    public var to: Timestamp?
    /// Only hits older than this (the page before).
    public var before: Timestamp?

    public init(status: ConversationStatus? = nil, labelId: String? = nil, from: Timestamp? = nil, to: Timestamp? = nil,
                before: Timestamp? = nil) {
        self.status = status
        self.labelId = labelId
        self.from = from
        self.to = to
        self.before = before
    }
}

/// A hit as the store finds it: where, and its text with the match markers.
public struct StoredHit: Equatable, Sendable {
    public var type: SearchHit.Kind
    public var id: String
    public var conversationId: String
    public var senderType: SenderType?
    public var createdAt: Timestamp
    public var marked: String

    public init(type: SearchHit.Kind, id: String, conversationId: String, senderType: SenderType?, createdAt: Timestamp, marked: String) {
        self.type = type
        self.id = id
        self.conversationId = conversationId
        self.senderType = senderType
        self.createdAt = createdAt
        self.marked = marked
    }
}

public protocol SearchReader {
    /// Hits of `query` in messages, notes and contacts (a contact's hit belongs to its newest
    /// conversation), newest first, at most `limit` of each kind.
    func search(_ query: SearchQuery, _ filter: SearchFilter, limit: Int) throws -> [StoredHit]
}
