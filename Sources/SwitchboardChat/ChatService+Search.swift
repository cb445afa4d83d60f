import Foundation
import SwitchboardCore

/// One conversation a search found, with where it matched (newest first).
public struct SearchResult: Codable, Equatable, Sendable {
    public var conversation: AgentConversation
    public var hits: [SearchHit]
}

/// Full-text search (API.md "Search"): words AND-ed, each a prefix, "quoted phrases",
/// accents and case ignored; over messages, private notes and contacts. Any text is a
/// valid query (the FTS5 syntax it would spell is quoted away: `SearchQuery`).
extension ChatService {
    /// At most this many hits shown per conversation.
    static let hitsPerConversation = 5

    public func search(_ text: String, _ filter: SearchFilter, limit: Int, by agent: Agent) throws -> [SearchResult] {
        let trimmed = text.trimmingSpaces
        guard (1...200).contains(trimmed.unicodeScalars.count) else {
            throw AppError.badRequest("q: 1–200 characters.", code: "invalid_query")
        }
        let query = SearchQuery(trimmed)
        return try read { rows in
            let hits = try rows.search(query, filter, limit: min(1000, limit * 20))
            var order: [String] = []
            var byConversation: [String: [SearchHit]] = [:]
            for hit in hits {
                if byConversation[hit.conversationId] == nil {
                    guard order.count < limit else { continue }
                    order.append(hit.conversationId)
                }
                guard (byConversation[hit.conversationId]?.count ?? 0) < Self.hitsPerConversation else { continue }
                let (snippet, highlights) = SearchHit.snippet(hit.marked)
                byConversation[hit.conversationId, default: []].append(SearchHit(
                    type: hit.type, id: hit.id, senderType: hit.senderType, createdAt: hit.createdAt, snippet: snippet,
                    highlights: highlights))
            }
            let pairs = try order.compactMap { id -> (Conversation, Message?)? in
                guard var conversation = try rows.conversation(id: id) else { return nil }
                conversation.unreadCount = try rows.unreadCount(conversationId: id, agentId: agent.id)
                return (conversation, try rows.lastMessage(conversationId: id))
            }
            return try Self.summaries(pairs, rows).map { SearchResult(conversation: $0, hits: byConversation[$0.id] ?? []) }
        }
    }

    /// The start of the local day `YYYY-MM-DD` in the shop's time zone (`nextDay`: of the day after).
    public func shopDay(_ text: String, nextDay: Bool = false) throws -> Timestamp {
        let settings = try shopSettings()
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: settings.availability.timezone) ?? TimeZone(identifier: "UTC")!
        let c = ShopClock.civil(try Self.dayNumber(text) + (nextDay ? 1 : 0))
        // From noon, which every day has: a zone whose clocks skip midnight starts its day at 01:00.
        guard let noon = calendar.date(from: DateComponents(year: c.year, month: c.month, day: c.day, hour: 12)) else {
            throw AppError.badRequest("\(String(text.prefix(40))): a date like 2026-12-01.", code: "invalid_date")
        }
        let date = calendar.startOfDay(for: noon)
        return Timestamp(milliseconds: Int64((date.timeIntervalSince1970 * 1000).rounded()))
    }
}
