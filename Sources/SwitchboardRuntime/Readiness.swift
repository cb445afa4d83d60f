import POSIXSupport
#if canImport(Glibc)
import Glibc
#endif

/// systemd's readiness protocol (`sd_notify(3)`, `Type=notify`): one datagram with
/// `READY=1` once the process serves, `STOPPING=1` when it begins to stop. The development
/// supervisor (scripts/units.py) runs the same unit files and listens the same way. Without
/// `NOTIFY_SOCKET` nothing is sent.
public enum Readiness {
    public static func ready() { notify("READY=1") }
    public static func stopping() { notify("STOPPING=1") }

    static func notify(_ state: String) {
        guard let raw = getenv("NOTIFY_SOCKET"), let address = try? UnixSocketAddress(path: String(cString: raw)) else { return }
        UnixDatagramSender(to: address).send(Array(state.utf8))
    }
}
