import CFastCGI
import POSIXSupport
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A C call that failed: which call, and errno.
public struct FastCGIError: Error, CustomStringConvertible, Sendable {
    public let call: String
    public let code: Int32
    public var description: String { "\(call) failed: \(String(cString: strerror(code))) (\(code))" }
}

/// libfcgi accept loops on their own threads (never Swift's cooperative pool, since
/// `FCGX_Accept_r` blocks). N threads accept on one listening socket with no accept mutex;
/// each copies its request into a `FastCGIRequest`, calls the handler, writes the answer
/// and finishes. `shutdown()` stops accepting; requests in flight complete.
public final class FastCGIServer: @unchecked Sendable {
    public typealias Handler = @Sendable (FastCGIInput) -> FastCGIResponse

    private let socketPath: String
    private let threadCount: Int
    private let maxBodyBytes: Int
    private let handler: Handler
    /// The listening socket (-1 before start and after wait). shutdown() runs on whatever
    /// thread delivers the signal and wait() closes the socket on the main thread, so both
    /// go through atomics (not a Mutex: ThreadSanitizer cannot see a contended
    /// Synchronization.Mutex hand-over on Linux, which happens in the kernel).
    private let listenFD = Atomic<Int32>(-1)
    private var threads: [NativeThread] = []
    // Set by the first of shutdown() and wait(); read by accept threads between requests.
    private let stopping = Atomic<Bool>(false)
    // Set by shutdown() once it is done with the socket: wait() closes it only after that.
    private let shutdownDone = Atomic<Bool>(false)

    public init(socketPath: String, threads: Int, maxBodyBytes: Int, handler: @escaping Handler) {
        self.socketPath = socketPath
        self.threadCount = threads
        self.maxBodyBytes = maxBodyBytes
        self.handler = handler
    }

    /// Creates the socket (mode 0600) and starts the accept threads.
    public func start() throws(FastCGIError) {
        guard FCGX_Init() == 0 else { throw FastCGIError(call: "FCGX_Init", code: errno) }
        unlink(socketPath)
        let listenFD = withFileCreationMask(0o077) { FCGX_OpenSocket(socketPath, 1024) }
        guard listenFD >= 0 else { throw FastCGIError(call: "FCGX_OpenSocket(\(socketPath))", code: errno) }
        self.listenFD.store(listenFD, ordering: .releasing)
        for _ in 0..<threadCount {
            do throws(SystemCallError) {
                threads.append(try NativeThread.start { self.acceptLoop(listenFD) })
            } catch {
                throw FastCGIError(call: error.call, code: error.code)
            }
        }
    }

    /// Stops accepting: wakes every thread blocked in accept() by shutting the listening
    /// socket down. Threads busy with a request finish it first.
    public func shutdown() {
        guard stopping.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        defer { shutdownDone.store(true, ordering: .releasing) }
        // accept() on a shut-down listening socket fails with EINVAL, which libfcgi does not retry,
        // so every blocked FCGX_Accept_r returns. (FCGX_ShutdownPending is process-global: not used.)
        let fd = listenFD.load(ordering: .acquiring)
        if fd >= 0 { Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
    }

    /// Waits for every accept thread to end, then removes the socket file.
    public func wait() {
        for thread in threads { thread.join() }
        threads.removeAll()
        // A shutdown() that has begun finishes with the socket before it is closed (a few
        // microseconds); one that has not begun never will (it finds `stopping` set), so a
        // late signal cannot shut down a descriptor that is closed or already reused.
        if !stopping.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged {
            while !shutdownDone.load(ordering: .acquiring) { sched_yield() }
        }
        let fd = listenFD.exchange(-1, ordering: .acquiringAndReleasing)
        if fd >= 0 { close(fd) }
        unlink(socketPath)
    }

    private func acceptLoop(_ listenFD: Int32) {
        let request = UnsafeMutablePointer<FCGX_Request>.allocate(capacity: 1)
        defer { request.deallocate() }
        guard FCGX_InitRequest(request, listenFD, 0) == 0 else { return }
        while !stopping.load(ordering: .acquiring), FCGX_Accept_r(request) >= 0 {
            let input = readInput(request)
            let response = handler(input)
            write(response, request)
            // A request read to its end (the empty STDIN record) leaves nothing unread on
            // the connection, so it may simply be closed: FCGX_Detach makes FCGX_Finish_r
            // close without libfcgi's graceful close (shutdown, then sleep in poll until
            // nginx has closed its end), which was ~20 % of the worker's CPU on a cheap
            // read (perf, DWARF stacks: OS_Close under FCGX_Free). A request whose body was
            // refused unread keeps the graceful close, so nginx is never cut off mid-send.
            if case .request = input, FCGX_GetChar(request.pointee.in) == -1 {
                _ = FCGX_Detach(request)
            }
            FCGX_Finish_r(request)
        }
        FCGX_Free(request, 1)
    }

    private func readInput(_ request: UnsafeMutablePointer<FCGX_Request>) -> FastCGIInput {
        var params: [String: String] = [:]
        params.reserveCapacity(32)
        if var cursor = request.pointee.envp {
            // `KEY=VALUE` C strings, split on the first "=" byte by byte: no Character
            // iteration and one String per side (perf: ~4 % of a cheap read went to
            // String.firstIndex(of:) here).
            while let entry = cursor.pointee {
                let bytes = UnsafeRawBufferPointer(start: entry, count: strlen(entry))
                if let eq = bytes.firstIndex(of: UInt8(ascii: "=")) {
                    params[String(decoding: UnsafeRawBufferPointer(rebasing: bytes[..<eq]), as: UTF8.self)] =
                        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(eq + 1)...]), as: UTF8.self)
                }
                cursor += 1
            }
        }
        let declared = params["CONTENT_LENGTH"].flatMap { $0.isEmpty ? 0 : Int($0) } ?? 0
        if params["CONTENT_LENGTH"].map({ !$0.isEmpty && Int($0) == nil }) == true || declared < 0 {
            return .badBody(params: params)
        }
        if declared > maxBodyBytes { return .bodyTooLarge(params: params, declared: declared) }
        var body = [UInt8](repeating: 0, count: declared)
        var got = 0
        while got < declared {
            let n = body.withUnsafeMutableBufferPointer { buffer in
                buffer.baseAddress!.advanced(by: got).withMemoryRebound(to: CChar.self, capacity: declared - got) {
                    FCGX_GetStr($0, Int32(declared - got), request.pointee.in)
                }
            }
            if n <= 0 { return .badBody(params: params) }
            got += Int(n)
        }
        return .request(FastCGIRequest(params: params, body: body))
    }

    private func write(_ response: FastCGIResponse, _ request: UnsafeMutablePointer<FCGX_Request>) {
        var bytes = response.head
        bytes.append(contentsOf: response.body)
        let out = request.pointee.out
        guard put(bytes, out), let stream = response.stream else { return }
        do {
            try stream { piece in
                guard put(piece, out) else { throw FastCGIError(call: "FCGX_PutStr", code: EPIPE) }
            }
        } catch {
            // The producer logs its own errors; here the body must not look whole. Shutting
            // the connection before FCGX_Finish_r writes the end of the request makes nginx
            // see the upstream close early and cut the reply without its last chunk, so the
            // client's download fails instead of keeping half a file as if it were all.
            Glibc.shutdown(request.pointee.ipcFd, Int32(SHUT_RDWR))
        }
    }

    /// False when libfcgi could not write (the connection is gone).
    @discardableResult
    private func put(_ bytes: [UInt8], _ stream: UnsafeMutablePointer<FCGX_Stream>?) -> Bool {
        guard !bytes.isEmpty else { return true }
        return bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                FCGX_PutStr($0, Int32(buffer.count), stream) == Int32(buffer.count)
            }
        }
    }
}
