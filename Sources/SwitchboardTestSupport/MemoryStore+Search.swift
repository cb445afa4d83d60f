import Foundation
import SwitchboardCore

/// Search in memory, as the FTS5 tables answer it: words split on what is not a letter or
/// digit, case and accents folded, each word a prefix, each phrase consecutive words.
extension MemoryRows {
    func search(_ query: SearchQuery, _ filter: SearchFilter, limit: Int) throws -> [StoredHit] {
        guard !query.terms.isEmpty else { return [] }
        func passes(_ conversationId: String, _ time: Timestamp) -> Bool {
            guard let c = state.conversations[conversationId]?.conversation else { return false }
            if let status = filter.status, c.status != status { return false }
            if filter.openOnly, c.status == .closed { return false }
            if let label = filter.labelId, !(state.conversationLabels[c.id] ?? []).contains(label) { return false }
            if let from = filter.from, time < from { return false }
            if let to = filter.to, time >= to { return false }
            if let before = filter.before, time >= before { return false }
            return true
        }
        let messages = state.messages.reversed().map(\.message).filter { $0.kind != .event && passes($0.conversationId, $0.createdAt) }
            .compactMap { m in Self.marked(m.content, query).map {
                StoredHit(type: .message, id: m.id, conversationId: m.conversationId, senderType: m.senderType, createdAt: m.createdAt, marked: $0)
            } }.prefix(limit)
        let notes = state.notes.reversed().filter { passes($0.conversationId, $0.createdAt) }
            .compactMap { n in Self.marked(n.content, query).map {
                StoredHit(type: .note, id: n.id, conversationId: n.conversationId, senderType: nil, createdAt: n.createdAt, marked: $0)
            } }.prefix(limit)
        var contacts: [StoredHit] = []
        for contact in state.contacts.values {
            guard let newest = state.conversations.values.map(\.conversation).filter({ $0.contactId == contact.id })
                .max(by: { $0.createdAt < $1.createdAt }), passes(newest.id, newest.updatedAt) else { continue }
            // All terms in one of the fields, or spread over them, as FTS5 matches a row.
            let fields = [contact.name, contact.email, contact.externalId].compactMap { $0 }
            guard Self.marked(fields.joined(separator: " "), query) != nil else { continue }
            let marked = fields.lazy.compactMap { field in Self.marked(field, query, partial: true) }.first ?? fields.first ?? ""
            contacts.append(StoredHit(type: .contact, id: contact.id, conversationId: newest.id, senderType: nil,
                                      createdAt: newest.updatedAt, marked: marked))
        }
        contacts = Array(contacts.sorted { $0.createdAt > $1.createdAt }.prefix(limit))
        return (Array(messages) + Array(notes) + contacts).sorted { $0.createdAt > $1.createdAt }
    }

    /// `text` with every matching word between the markers, or nil when a term does not match
    /// (`partial`: when any term matches).
    static func marked(_ text: String, _ query: SearchQuery, partial: Bool = false) -> String? {
        let scalars = Array(text.unicodeScalars)
        var words: [(range: Range<Int>, folded: String)] = []
        var start: Int?
        for index in 0...scalars.count {
            let isWord = index < scalars.count && (scalars[index].properties.isAlphabetic || scalars[index].properties.numericType != nil)
            if isWord, start == nil { start = index }
            if !isWord, let begun = start {
                let word = String(String.UnicodeScalarView(scalars[begun..<index]))
                words.append((begun..<index, word.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)))
                start = nil
            }
        }
        var hits = Set<Int>()
        var matched = 0
        for term in query.terms {
            let pieces: [String]
            let prefix: Bool
            switch term {
            case .word(let w): (pieces, prefix) = (foldedWords(w), true)
            case .phrase(let p): (pieces, prefix) = (foldedWords(p), false)
            }
            guard !pieces.isEmpty else { continue }
            var found = false
            for first in words.indices where first + pieces.count <= words.count {
                let ok = pieces.enumerated().allSatisfy { offset, piece in
                    let word = words[first + offset].folded
                    return prefix && offset == pieces.count - 1 ? word.hasPrefix(piece) : word == piece
                }
                if ok {
                    found = true
                    for offset in 0..<pieces.count { hits.insert(first + offset) }
                }
            }
            if found { matched += 1 } else if !partial { return nil }
        }
        guard matched > 0 else { return nil }
        var result = String.UnicodeScalarView()
        var cursor = 0
        for (index, word) in words.enumerated() where hits.contains(index) {
            result.append(contentsOf: scalars[cursor..<word.range.lowerBound])
            result.append(SearchHit.open)
            result.append(contentsOf: scalars[word.range])
            result.append(SearchHit.close)
            cursor = word.range.upperBound
        }
        result.append(contentsOf: scalars[cursor...])
        return String(result)
    }

    private static func foldedWords(_ text: String) -> [String] {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
            .split { !$0.isLetter && !$0.isNumber }.map(String.init)
    }
}
