import Dispatch
import Logging
import POSIXSupport
import SwitchboardChat
import SwitchboardCore
import Synchronization

/// The worker's background work, once a second on a thread of its own (never inside a
/// request): presence that follows the agents' streams, unseen replies decided, and the
/// e-mail outbox sent with retry and backoff. Every step is a short transaction, so several
/// worker processes may run it side by side (e-mails are leased before they are sent).
public final class Chores: Sendable {
    private let service: ChatService
    private let smtp: SMTPClient?
    private let mailFrom: String
    private let logger: Logger
    /// Told of each SMTP attempt's outcome: "sent", "retry" or "failed" (the worker's metrics).
    private let onMailOutcome: @Sendable (String) -> Void
    private let wake = DispatchSemaphore(value: 0)
    private let stopping = Mutex(false)
    private let thread = Mutex<NativeThread?>(nil)
    /// When the uploaded files were last swept (monotonic nanoseconds; 0: not yet).
    private let lastFileSweep = Mutex<UInt64>(0)

    public init(service: ChatService, config: Config, logger: Logger, onMailOutcome: @escaping @Sendable (String) -> Void = { _ in }) {
        self.service = service
        self.onMailOutcome = onMailOutcome
        smtp = config.smtpURL.map { SMTPClient(url: $0, caFile: config.smtpCAFile) }
        mailFrom = config.mailFrom
        self.logger = logger
    }

    public func start() throws {
        let started = try NativeThread.start { [self] in run() }
        thread.withLock { $0 = started }
    }

    /// Finishes the pass in progress (an e-mail being sent completes) and returns.
    public func stop() {
        stopping.withLock { $0 = true }
        wake.signal()
        thread.withLock { $0 }?.join()
    }

    private func run() {
        while !stopping.withLock({ $0 }) {
            pass()
            _ = wake.wait(timeout: .now() + .seconds(1))
        }
    }

    /// One round of everything; a failure is logged and tried again next second.
    public func pass() {
        do {
            for agent in try service.sweepPresence() {
                logger.info("presence follows streams", metadata: ["agent": "\(agent.username)", "presence": "\(agent.presence.rawValue)"])
            }
        } catch {
            logger.error("presence sweep failed: \(error)")
        }
        do {
            if let availability = try service.announceAvailability() {
                logger.info("availability changed", metadata: ["status": "\(availability.status.rawValue)"])
            }
        } catch {
            logger.error("announcing availability failed: \(error)")
        }
        do {
            let returned = try service.returnStrandedChats()
            if returned > 0 { logger.info("returned the chats of agents gone too long", metadata: ["chats": "\(returned)"]) }
        } catch {
            logger.error("returning stranded chats failed: \(error)")
        }
        sweepFiles()
        guard let smtp else { return }
        do {
            _ = try service.decideUnseenReplies()
            let batch = try service.claimEmails()
            guard !batch.isEmpty else { return }
            let fromName = (try? service.mailSenderName()) ?? "Switchboard"
            for email in batch { send(email, smtp, fromName) }
        } catch {
            logger.error("e-mail outbox failed: \(error)")
        }
    }

    /// Every ten minutes: uploads no message used within a day, and files no row keeps.
    private func sweepFiles() {
        guard let files = service.files else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        let due = lastFileSweep.withLock { last -> Bool in
            guard last == 0 || (now > last && now - last > 600_000_000_000) else { return false }
            last = now
            return true
        }
        guard due else { return }
        do {
            let (uploads, removed) = try service.pruneFiles(files)
            if uploads + removed > 0 {
                logger.info("files swept", metadata: ["unused_uploads": "\(uploads)", "files_removed": "\(removed)"])
            }
        } catch {
            logger.error("sweeping files failed: \(error)")
        }
    }

    private func send(_ email: OutgoingEmail, _ smtp: SMTPClient, _ fromName: String) {
        let message = MailMessage.render(email, from: mailFrom, fromName: fromName)
        let about: Logger.Metadata = ["email": "\(email.id)", "kind": "\(email.kind.rawValue)", "attempt": "\(email.attempts)"]
        do {
            try smtp.send(from: mailFrom, to: email.recipient, message: message)
            onMailOutcome("sent")
            try service.emailSent(email)
            logger.info("e-mail sent", metadata: about)
        } catch let error as SMTPError {
            let state = try? service.emailFailed(email, error: error.description, permanent: error.permanent)
            onMailOutcome(state == .failed ? "failed" : "retry")
            logger.warning("e-mail not sent: \(error)", metadata: about.merging(["now": "\(state?.rawValue ?? "unknown")"]) { $1 })
        } catch {
            // Sent, but not recorded: the lease runs out and it is sent again (same Message-ID).
            logger.error("e-mail sent but not recorded: \(error)", metadata: about)
        }
    }
}
