import Logging
import POSIXSupport
#if canImport(Glibc)
import Glibc
#endif

/// Log lines to standard error without a syscall or a long lock per line: a line is
/// formatted by its own thread and appended to a shared buffer under a short lock; a
/// background thread writes the buffer out every `interval` (and a full buffer or a
/// warning-or-worse line is written at once, so what matters in a crash is on disk).
/// The format is swift-log's `StreamLogHandler`'s, so operators' greps keep working.
public final class LogSink: @unchecked Sendable {
    private let lock = PlainLock()
    /// Guarded by `lock`.
    private var buffer: [UInt8] = []
    private var stampSecond = -1
    private var stampText = ""
    private let limit = 64 * 1024
    private let fd: Int32

    public init(fd: Int32 = STDERR_FILENO, interval: Duration = .milliseconds(100)) {
        self.fd = fd
        let milliseconds = Int64(interval.components.seconds * 1000 + interval.components.attoseconds / 1_000_000_000_000_000)
        try? NativeThread.detach { [self] in
            while true {
                usleep(useconds_t(max(1, milliseconds) * 1000))
                flush()
            }
        }
    }

    func append(_ line: [UInt8], urgent: Bool) {
        let full = lock.withLock { () -> Bool in
            buffer.append(contentsOf: line)
            return buffer.count >= limit
        }
        if full || urgent { flush() }
    }

    /// `2026-11-30T08:33:19+0000`, local time like StreamLogHandler; formatted once a second,
    /// not once a line.
    func timestamp() -> String {
        let now = time(nil)
        if let cached = lock.withLock({ stampSecond == now ? stampText : nil }) { return cached }
        var seconds = now
        var parts = tm()
        localtime_r(&seconds, &parts)
        var text = [CChar](repeating: 0, count: 32)
        let count = strftime(&text, text.count, "%Y-%m-%dT%H:%M:%S%z", &parts)
        let stamp = String(decoding: text.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        lock.withLock {
            stampSecond = now
            stampText = stamp
        }
        return stamp
    }

    /// Writes out what is buffered (called by the timer, on a full buffer, on urgent lines, at exit).
    public func flush() {
        let bytes = lock.withLock { () -> [UInt8] in
            defer { buffer.removeAll(keepingCapacity: true) }
            return buffer
        }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            offset += n
        }
    }
}

/// A `LogHandler` writing into a `LogSink`.
public struct BufferedLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String
    private let sink: LogSink

    public init(label: String, sink: LogSink) {
        self.label = label
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?,
                    source: String, file: String, function: String, line: UInt) {
        // The merge skipped when the handler has no metadata of its own (the common case).
        let all: Logger.Metadata
        if metadata.isEmpty {
            all = explicit ?? [:]
        } else {
            all = explicit.map { metadata.merging($0) { $1 } } ?? metadata
        }
        sink.line(level: level, label: label, fields: all.sorted { $0.key < $1.key }.map { ($0.key, $0.value.description) },
                  source: source, message: message.description)
    }
}

extension LogSink {
    /// One line in StreamLogHandler's format, `fields` already in name order, appended as
    /// bytes (the one formatter: BufferedLogHandler and the worker's request line use it).
    public func line(level: Logger.Level, label: String, fields: [(String, String)], source: String, message: String) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(200)
        bytes.append(contentsOf: timestamp().utf8)
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: level.rawValue.utf8)
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: label.utf8)
        bytes.append(UInt8(ascii: ":"))
        for (key, value) in fields {
            bytes.append(UInt8(ascii: " "))
            bytes.append(contentsOf: key.utf8)
            bytes.append(UInt8(ascii: "="))
            bytes.append(contentsOf: value.utf8)
        }
        bytes.append(contentsOf: " [".utf8)
        bytes.append(contentsOf: source.utf8)
        bytes.append(contentsOf: "] ".utf8)
        bytes.append(contentsOf: message.utf8)
        bytes.append(UInt8(ascii: "\n"))
        append(bytes, urgent: level >= .warning)
    }
}

/// The worker's request lines, written like `Logger(label: "switchboard.api").info("request",
/// metadata: ...)` from SwitchboardAPI would be, without the metadata dictionary.
public func processRequestLog(label: String = "switchboard.api") -> @Sendable ([(String, String)]) -> Void {
    { fields in processLogSink.line(level: .info, label: label, fields: fields, source: "SwitchboardAPI", message: "request") }
}
