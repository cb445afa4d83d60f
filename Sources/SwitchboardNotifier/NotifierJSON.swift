import SwitchboardCore

/// The two JSON bodies the notifier writes itself (everything else it sends is outbox data
/// written by the worker). One place each, written by Core's one encoder, so text is escaped.
enum NotifierJSON {
    /// The API's error shape, `{"detail":…,"code":…}`, for requests that get no stream.
    static func error(detail: String, code: String) -> String {
        (try? WireJSON.string(ErrorBody(detail: detail, code: code))) ?? #"{"detail":"","code":"internal_error"}"#
    }

    /// The `reset` event's data: where the client's refetch leaves it.
    static func reset(lastEventId: Int64) -> String {
        (try? WireJSON.string(EventPayload.Reset(lastEventId: lastEventId))) ?? #"{"last_event_id":0}"#
    }
}
