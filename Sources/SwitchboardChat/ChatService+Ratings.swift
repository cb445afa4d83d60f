import SwitchboardCore

/// Ratings after a chat a person answered (API.md "Ratings").
extension ChatService {
    /// The customer's rating of the conversation's current closing. Agents hear
    /// `conversation.rated`; the customer's stream does not.
    public func rate(_ conversationId: String, sessionId: String, score: Int, comment: String?) throws -> Rating {
        guard try shopSettings().csat.enabled else {
            throw AppError.forbidden("This shop does not ask for ratings.", code: "ratings_disabled")
        }
        return try write { tx in
            let conversation = try Self.authorized(conversationId, .customer(sessionId: sessionId), tx.rows)
            guard conversation.status == .closed, let closedAt = conversation.closedAt else {
                throw AppError.conflict("A conversation is rated once it has closed.", code: "not_closed")
            }
            guard conversation.hasAgentReplied else {
                throw AppError.conflict("Only conversations a person answered are rated.", code: "not_rateable")
            }
            let rating = try Rating.checked(score: score, comment: comment, at: tx.now)
            guard conversation.rating == nil, try tx.rows.insertRating(conversationId: conversationId, closedAt: closedAt, rating) else {
                throw AppError.conflict("This conversation has been rated already.", code: "already_rated")
            }
            try tx.emit(.conversationRated(conversationId: conversationId, rating: rating))
            return rating
        }
    }
}
