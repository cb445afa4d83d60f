import Logging
import SwitchboardCore
#if canImport(Glibc)
import Glibc
#endif

/// What every long-running executable does first: log lines to stderr, read the
/// configuration (exit 2 with the reason when it is malformed), create the run directory,
/// ignore SIGPIPE (a client that hangs up must not kill the process).
public func startProcess(label: String) -> (Logger, Config) {
    LoggingSystem.bootstrap(StreamLogHandler.standardError)
    let logger = Logger(label: label)
    let config: Config
    do {
        config = try Config.fromEnvironment()
    } catch {
        logger.critical("configuration error: \(error)")
        exit(2)
    }
    mkdir(config.runDir, 0o700)
    signal(SIGPIPE, SIG_IGN)
    return (logger, config)
}
