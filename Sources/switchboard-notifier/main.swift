import Dispatch
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import POSIXSupport
import SwitchboardChat
import SwitchboardCore
import SwitchboardMetrics
import SwitchboardNotifier
import SwitchboardRuntime
import SwitchboardStore
#if canImport(Glibc)
import Glibc
#endif

// switchboard-notifier: SSE streams behind nginx, fed by the events outbox. See DESIGN.md.
let (logger, config) = startProcess(label: "switchboard.notifier")

// Many idle streams: raise the open-file limit to what the system allows.
var limit = rlimit()
if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max {
    limit.rlim_cur = limit.rlim_max
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}

let store = openDatabase(config, logger, program: "switchboard-notifier")

// One loop holds every stream and the hub (no locks); SQLite reads (the outbox, each
// connecting stream's credential check) go to the thread pool.
let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let threadPool = NIOThreadPool(numberOfThreads: 2)
threadPool.start()
// Connecting streams' credential checks: a thread of their own (see Hub.checks).
let checkPool = NIOThreadPool(numberOfThreads: 1)
checkPool.start()
let loop = group.next()
// Streams of a previous notifier are gone: everyone counts as disconnected since now (the
// grace period gives consoles time to reconnect before anyone is marked away).
do {
    try store.write { try $0.closeAllStreams(at: .now()) }
} catch {
    logger.error("cannot reset stream presence: \(error)")
}
let recorder = StreamRecorder(write: { changes in
    try store.write { rows in
        for change in changes { try rows.setStreamPresence(change.subject, open: change.open, at: change.at) }
    }
}, failed: { error in logger.error("cannot record stream presence: \(error)") })
// Who may listen: the chat service's own credential check, over this process's connections.
let listeners = ChatService(store: store, config: config)
let hub = Hub(loop: loop, outbox: store, reads: threadPool, checks: checkPool, config: config, logger: logger, recorder: recorder,
              metrics: NotifierMetrics())

do {
    try loop.submit { try hub.start() }.wait()
} catch {
    logger.critical("cannot read the outbox: \(error)")
    exit(1)
}

let wakeups = WakeupListener(path: config.wakeupSocketPath, hub: hub, logger: logger)
do {
    try wakeups.start()
} catch {
    logger.critical("\(error)")
    exit(1)
}

let bootstrap = ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 1024)
    .childChannelOption(ChannelOptions.writeBufferWaterMark, value: .init(low: 1 << 20, high: 4 << 20))
    // A stream reads one request head (a few hundred bytes) and then nothing: NIO keeps a
    // channel's last receive buffer for reuse, and its default first size (2 KiB) stayed
    // with every idle stream (bench memory part: 6.1 -> 4.5 KiB per stream at 2,000).
    .childChannelOption(ChannelOptions.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 8192))
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            // Requests decoded by NIO; answers written as bytes by the handler (no encoder).
            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
            try channel.pipeline.syncOperations.addHandler(SSEHandler(hub: hub, authorizer: listeners, metricsToken: config.metricsToken))
        }
    }

let server: any Channel
do {
    server = try withFileCreationMask(0o077) {
        try bootstrap.bind(unixDomainSocketPath: config.notifierSocketPath, cleanupExistingSocketFile: true).wait()
    }
} catch {
    logger.critical("cannot listen on \(config.notifierSocketPath): \(error)")
    exit(1)
}
logger.info("listening", metadata: ["socket": "\(config.notifierSocketPath)", "wakeups": "\(config.wakeupSocketPath)",
                                    "database": "\(config.databasePath)"])

let signalSources = onTerminationSignals { sig in
    logger.info("shutting down", metadata: ["signal": "\(sig)"])
    Readiness.stopping()
    server.close(promise: nil)
}
// Serving: the supervisor (systemd's Type=notify, or scripts/units.py) may start what comes after.
Readiness.ready()

try? server.closeFuture.wait()
// End every stream (what is queued, then the close that ends its body), so clients see a clean end and reconnect (with
// Last-Event-ID) to the next notifier instead of reporting a network error.
_ = try? loop.flatSubmit { hub.endAll() }.wait()
recorder.drain()
try? group.syncShutdownGracefully()
try? threadPool.syncShutdownGracefully()
try? checkPool.syncShutdownGracefully()
wakeups.stop()
unlink(config.notifierSocketPath)
logger.info("stopped")
exit(0)
