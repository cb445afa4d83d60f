import Dispatch
import FastCGI
import Foundation
import Logging
import SwitchboardAPI
import SwitchboardChat
import SwitchboardCore
import SwitchboardFiles
import SwitchboardMail
import SwitchboardMetrics
import SwitchboardRuntime
import SwitchboardStore
#if canImport(Glibc)
import Glibc
#endif

// switchboard-worker: the FastCGI worker behind nginx. See docs/CONTRACTS.md.
let (logger, config) = startProcess(label: "switchboard.worker")
let link: NotifierLink
do {
    link = try NotifierLink(wakeupPath: config.wakeupSocketPath, notifierSocketPath: config.notifierSocketPath)
} catch {
    logger.critical("cannot address the notifier: \(error)")
    exit(1)
}
// What /metrics/worker tells (API.md "Metrics").
let metrics = WorkerMetrics()
// Once per group commit that appended events: a hint, never waited on.
let store = openDatabase(config, logger, program: "switchboard-worker", onEventsCommitted: { link.wake() },
                         commitObserver: { batch, took in metrics.committed(batch: batch, took: took) })

// Uploaded files: judged by libmagic, cleaned by libvips, kept under the data directory.
let files: FileStore
do {
    files = try FileStore(directory: config.filesDir)
    try FileManager.default.createDirectory(atPath: config.uploadTempDir, withIntermediateDirectories: true,
                                            attributes: [.posixPermissions: 0o700])
} catch {
    logger.critical("cannot keep files in \(config.filesDir): \(error)")
    exit(1)
}
var configured = ChatService(store: store, config: config)
configured.files = files
let service = configured
let app = SwitchboardApp(service: service, realtime: link, notifier: { link.notifierReachable() ? "ok" : "unavailable" },
                         requestLog: processRequestLog(), metrics: metrics, metricsToken: config.metricsToken, files: files)

let server = FastCGIServer(socketPath: config.workerSocketPath, threads: config.workerThreads,
                           maxBodyBytes: config.maxBodyBytes) { input in
    let response: HTTPResponse
    switch input {
    case .request(let request):
        response = app.handle(HTTPRequest(cgi: request.params, body: request.body))
    case .bodyTooLarge(let params, _):
        response = app.respond(HTTPRequest(cgi: params, body: []), with: SwitchboardApp.bodyTooLarge(limit: config.maxBodyBytes))
    case .badBody(let params):
        response = app.respond(HTTPRequest(cgi: params, body: []), with: SwitchboardApp.badBody())
    }
    return FastCGIResponse(status: response.status, headers: response.headers, body: response.body, stream: response.stream)
}

// Presence from streams, unseen replies, the e-mail outbox: off the request threads.
let chores = Chores(service: service, config: config, logger: Logger(label: "switchboard.chores"), onMailOutcome: { outcome in
    WorkerMetrics.EmailResult(rawValue: outcome).map(metrics.email)
})

// Webhook deliveries: their own threads, so a receiver that times out holds up no e-mail.
let webhooks = WebhookSender(service: service, logger: Logger(label: "switchboard.webhooks"), onOutcome: { outcome in
    WorkerMetrics.WebhookResult(rawValue: outcome).map(metrics.webhookDelivery)
})

let signalSources = onTerminationSignals { sig in
    logger.info("shutting down: finishing requests in flight", metadata: ["signal": "\(sig)"])
    Readiness.stopping()
    server.shutdown()
}

do {
    try server.start()
} catch {
    logger.critical("cannot listen: \(error)")
    exit(1)
}
logger.info("listening", metadata: [
    "socket": "\(config.workerSocketPath)", "threads": "\(config.workerThreads)",
    "database": "\(config.databasePath)", "routing": "\(config.routing.rawValue)", "smtp": "\(config.smtpServerForLogs)",
])
do {
    try chores.start()
    try webhooks.start()
} catch {
    logger.critical("cannot start the background chores: \(error)")
    exit(1)
}
// Serving: the supervisor (systemd's Type=notify, or scripts/units.py) may start what comes after.
Readiness.ready()
server.wait()
chores.stop()
webhooks.stop()
logger.info("stopped")
exit(0)
