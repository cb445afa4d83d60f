import SwitchboardCore

/// The two JSON bodies the notifier writes itself (everything else it sends is outbox data
/// written by the worker). One place each, encoded by Core's JSON, so text is escaped.
enum NotifierJSON {
    /// The API's error shape, `{"detail":…,"code":…}`, for requests that get no stream.
    static func error(detail: String, code: String) -> String {
        JSON.object([("detail", .string(detail)), ("code", .string(code))]).text
    }

    /// The `reset` event's data: where the client's refetch leaves it.
    static func reset(lastEventId: Int64) -> String {
        JSON.object([("last_event_id", .int(lastEventId))]).text
    }
}
