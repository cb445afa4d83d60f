import SwitchboardCore

/// Who may read `/metrics/...` (API.md "Metrics"), the same rule in the worker and the
/// notifier: with `SWITCHBOARD_METRICS_TOKEN`, its bearer only, compared in constant time;
/// without it, a client on this host (the address nginx saw).
public enum MetricsAccess {
    public static func check(authorization: String?, remoteAddress: String, token: String?) throws {
        if let token {
            let header = authorization ?? ""
            let given = header.hasPrefix("Bearer ") ? String(header.dropFirst(7)) : ""
            guard !given.isEmpty, ConstantTime.equal(Array(given.utf8), Array(token.utf8)) else {
                throw AppError.unauthorized("Send Authorization: Bearer <SWITCHBOARD_METRICS_TOKEN>.", code: "invalid_token")
            }
            return
        }
        guard isLoopback(remoteAddress) else {
            throw AppError.forbidden("Metrics are for this host only (set SWITCHBOARD_METRICS_TOKEN to read them from elsewhere).",
                                     code: "metrics_forbidden")
        }
    }

    /// 127.0.0.0/8, ::1 and ::ffff:127.x.
    public static func isLoopback(_ address: String) -> Bool {
        let v4 = address.hasPrefix("::ffff:") ? String(address.dropFirst(7)) : address
        let parts = v4.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 4, parts.allSatisfy({ UInt8($0) != nil }), parts[0] == "127" { return true }
        return address == "::1"
    }
}
