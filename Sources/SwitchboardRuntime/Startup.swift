import Logging
import SwitchboardCore
import SwitchboardStore
#if canImport(Glibc)
import Glibc
#endif

/// The log buffer of this process (flushed at exit).
let processLogSink = LogSink()

/// What every long-running executable does first: log lines to stderr (buffered), read the
/// configuration (exit 2 with the reason when it is malformed), create the run directory,
/// ignore SIGPIPE (a client that hangs up must not kill the process).
public func startProcess(label: String) -> (Logger, Config) {
    // Buffered: a request's log line costs no syscall and no long lock (BufferedLog.swift).
    LoggingSystem.bootstrap { label in BufferedLogHandler(label: label, sink: processLogSink) }
    atexit { processLogSink.flush() }
    let logger = Logger(label: label)
    let config: Config
    do {
        config = try Config.fromEnvironment()
    } catch {
        logger.critical("configuration error: \(error)")
        exit(2)
    }
    // Everything this process creates (database files, sockets, logs) is its user's alone.
    umask(0o077)
    mkdir(config.runDir, 0o700)
    signal(SIGPIPE, SIG_IGN)
    return (logger, config)
}

/// The exit status of a program refused by its database's schema (`EX_CONFIG`): the units
/// list it in `RestartPreventExitStatus=`, so no supervisor restarts it in a loop.
public let schemaMismatchExitStatus: Int32 = 78

/// Opens the configured database, or logs why not and exits 1 (a supervisor restarts the
/// process; nothing can be served without the database). It never migrates: `switchboard
/// migrate` does, once, before the services start. A schema other than this build's is one
/// line on stderr and exit 78.
public func openDatabase(_ config: Config, _ logger: Logger, program: String,
                         onEventsCommitted: @escaping @Sendable () -> Void = {},
                         commitObserver: (@Sendable (Int, Duration) -> Void)? = nil) -> SQLiteStore {
    let store: SQLiteStore
    let schema: SchemaVersion
    do {
        store = try SQLiteStore(config: config, onEventsCommitted: onEventsCommitted, commitObserver: commitObserver)
        schema = try store.schema()
    } catch {
        logger.critical("cannot open the database at \(config.databasePath): \(error)")
        exit(1)
    }
    if let refusal = schema.refusal(program: program, path: config.databasePath) {
        processLogSink.flush()
        let line = Array((refusal + "\n").utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        exit(schemaMismatchExitStatus)
    }
    return store
}
