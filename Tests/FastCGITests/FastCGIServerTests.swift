import Foundation
import POSIXSupport
import Testing
@testable import FastCGI
#if canImport(Glibc)
import Glibc
#endif

/// Talks the FastCGI protocol to a real `FastCGIServer` on a unix socket, as nginx would.
struct FastCGIServerTests {
    /// A minimal FastCGI client: one request per connection (nginx without keep-conn).
    /// `afterAnswer` runs with the socket once the server's answer ended (EOF), before close.
    static func send(_ socketPath: String, params: [String: String], body: [UInt8],
                     afterAnswer: (Int32) -> Void = { _ in }) throws -> String {
        try exchange(socketPath, params: params, body: body, afterAnswer: afterAnswer).stdout
    }

    /// `send`, also saying whether the server ended the request (an END_REQUEST record).
    static func exchange(_ socketPath: String, params: [String: String], body: [UInt8],
                         afterAnswer: (Int32) -> Void = { _ in }) throws -> (stdout: String, ended: Bool) {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        let connected = try UnixSocketAddress(path: socketPath).withSockaddr { connect(fd, $0, $1) }
        guard connected == 0 else { throw FastCGIError(call: "connect", code: errno) }

        func record(_ type: UInt8, _ content: [UInt8]) -> [UInt8] {
            [1, type, 0, 1, UInt8(content.count >> 8), UInt8(content.count & 0xFF), 0, 0] + content
        }
        func length(_ n: Int) -> [UInt8] {
            n < 128 ? [UInt8(n)] : [UInt8((n >> 24) | 0x80), UInt8((n >> 16) & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)]
        }
        var pairs: [UInt8] = []
        for (name, value) in params {
            pairs += length(name.utf8.count) + length(value.utf8.count) + Array(name.utf8) + Array(value.utf8)
        }
        var out = record(1, [0, 1, 0, 0, 0, 0, 0, 0]) + record(4, pairs) + record(4, [])
        var offset = 0
        while offset < body.count {
            let chunk = Array(body[offset..<min(body.count, offset + 65535)])
            out += record(5, chunk)
            offset += chunk.count
        }
        out += record(5, [])
        _ = out.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }

        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            received += buffer[0..<n]
        }
        afterAnswer(fd)
        var stdout: [UInt8] = []
        var ended = false
        var i = 0
        while i + 8 <= received.count {
            let type = received[i + 1]
            let contentLength = Int(received[i + 4]) << 8 | Int(received[i + 5])
            let padding = Int(received[i + 6])
            if type == 6, i + 8 + contentLength <= received.count { stdout += received[(i + 8)..<(i + 8 + contentLength)] }
            if type == 3 { ended = true }
            i += 8 + contentLength + padding
        }
        return (String(decoding: stdout, as: UTF8.self), ended)
    }

    /// A streamed body goes out in pieces with no Content-Length and ends the request; a
    /// stream that fails after its head is cut off with no end of request, so nginx fails
    /// the reply instead of passing on half a file as if it were whole.
    @Test func aStreamedBodyEndsTheRequestOnlyWhenItCompletes() throws {
        struct Broken: Error {}
        let path = Self.socketPath()
        let server = FastCGIServer(socketPath: path, threads: 1, maxBodyBytes: 1024) { input in
            guard case .request(let request) = input else { return FastCGIResponse(status: 500) }
            let fails = request.params["QUERY_STRING"] == "fail"
            return FastCGIResponse(status: 200, headers: [("Content-Type", "text/csv")], stream: { write in
                try write(Array("a,b\r\n".utf8))
                if fails { throw Broken() }
                try write(Array("1,2\r\n".utf8))
            })
        }
        try server.start()
        defer { server.shutdown(); server.wait() }
        let whole = try Self.exchange(path, params: ["REQUEST_METHOD": "GET"], body: [])
        #expect(whole.ended && whole.stdout.hasSuffix("\r\n\r\na,b\r\n1,2\r\n"))
        #expect(!whole.stdout.contains("Content-Length"))
        let cut = try Self.exchange(path, params: ["REQUEST_METHOD": "GET", "QUERY_STRING": "fail"], body: [])
        #expect(!cut.ended && !cut.stdout.contains("1,2"))
    }

    static func socketPath() -> String {
        "/tmp/sb-fcgi-\(UUID().uuidString.prefix(8)).sock"
    }

    @Test func answersWithStatusHeadersAndBodyAndSeesParamsAndBody() throws {
        let path = Self.socketPath()
        let server = FastCGIServer(socketPath: path, threads: 2, maxBodyBytes: 1024) { input in
            guard case .request(let request) = input else { return FastCGIResponse(status: 500) }
            let echo = "\(request.params["REQUEST_METHOD"] ?? "?") \(String(decoding: request.body, as: UTF8.self))"
            return FastCGIResponse(status: 201, headers: [("Content-Type", "text/plain"), ("X-Evil", "a\r\nSet-Cookie: x=1")],
                                   body: Array(echo.utf8))
        }
        try server.start()
        defer { server.shutdown(); server.wait() }
        let answer = try Self.send(path, params: ["REQUEST_METHOD": "POST", "CONTENT_LENGTH": "5"], body: Array("hello".utf8))
        #expect(answer.hasPrefix("Status: 201 Created\r\n"))
        #expect(answer.contains("Content-Length: 10\r\n"))
        #expect(answer.contains("X-Evil: aSet-Cookie: x=1\r\n"))
        #expect(answer.hasSuffix("\r\n\r\nPOST hello"))
    }

    /// The head is built byte by byte: CR and LF are dropped from names and values alike
    /// (multi-byte text around them untouched), and a handler's own Content-Length, in any
    /// letter case, is not written twice.
    @Test func theHeadCannotBeSplitAndCarriesOneContentLength() {
        let head = String(decoding: FastCGIResponse(status: 409, headers: [("X-A\r\nB", "é\r\n€"), ("content-LENGTH", "3")],
                                                    body: Array("abc".utf8)).head, as: UTF8.self)
        #expect(head == "Status: 409 Conflict\r\nX-AB: é€\r\ncontent-LENGTH: 3\r\n\r\n")
        let plain = String(decoding: FastCGIResponse(status: 204).head, as: UTF8.self)
        #expect(plain == "Status: 204 No Content\r\nContent-Length: 0\r\n\r\n")
        #expect(!FastCGIResponse.isContentLength("Content-Lengths") && FastCGIResponse.isContentLength("CONTENT-LENGTH"))
    }

    @Test func bodiesOverTheCapAreRefusedUnread() throws {
        let path = Self.socketPath()
        let server = FastCGIServer(socketPath: path, threads: 1, maxBodyBytes: 1024) { input in
            if case .bodyTooLarge(_, let declared) = input { return FastCGIResponse(status: 413, body: Array("\(declared)".utf8)) }
            return FastCGIResponse(status: 200)
        }
        try server.start()
        defer { server.shutdown(); server.wait() }
        let answer = try Self.send(path, params: ["CONTENT_LENGTH": "4096"], body: [UInt8](repeating: 65, count: 4096))
        #expect(answer.hasPrefix("Status: 413"))
        #expect(answer.hasSuffix("4096"))
        // Still serving afterwards.
        #expect(try Self.send(path, params: ["CONTENT_LENGTH": "0"], body: []).hasPrefix("Status: 200"))
    }

    /// A request read to its end is closed outright (FCGX_Detach): the accept thread does not
    /// wait for the client to close first. A refused body keeps libfcgi's graceful close
    /// (shutdown, then reading until the client closes), so the client is never cut off.
    @Test func aRequestReadToItsEndIsClosedAtOnceARefusedOneGracefully() throws {
        let path = Self.socketPath()
        let server = FastCGIServer(socketPath: path, threads: 1, maxBodyBytes: 8) { input in
            guard case .request = input else { return FastCGIResponse(status: 413) }
            return FastCGIResponse(status: 200)
        }
        try server.start()
        defer { server.shutdown(); server.wait() }
        // After the answer's EOF, a byte sent back fails (EPIPE) only if the server closed its end.
        func closedByServer(_ fd: Int32) -> Bool {
            var byte: UInt8 = 0
            return Glibc.send(fd, &byte, 1, Int32(MSG_NOSIGNAL)) < 0 && errno == EPIPE
        }
        var read = false, refused = true
        #expect(try Self.send(path, params: ["CONTENT_LENGTH": "5"], body: Array("hello".utf8)) { read = closedByServer($0) }
                .hasPrefix("Status: 200"))
        #expect(try Self.send(path, params: ["CONTENT_LENGTH": "64"], body: [UInt8](repeating: 65, count: 64)) {
            refused = closedByServer($0)
        }.hasPrefix("Status: 413"))
        #expect(read)
        #expect(!refused)
    }

    @Test func shutdownFinishesTheRequestInFlightThenStops() throws {
        let path = Self.socketPath()
        let started = DispatchSemaphore(value: 0)
        let shutdownCalled = DispatchSemaphore(value: 0)
        let server = FastCGIServer(socketPath: path, threads: 2, maxBodyBytes: 1024) { _ in
            // Held until shutdown() has been called, so the request is surely in flight when
            // the server stops accepting (the timeout only keeps a broken server from hanging the run).
            started.signal()
            _ = shutdownCalled.wait(timeout: .now() + 10)
            return FastCGIResponse(status: 200, body: Array("done".utf8))
        }
        try server.start()
        let result = Result<String, any Error>.Box()
        let client = try NativeThread.start { result.value = Result { try Self.send(path, params: [:], body: []) } }
        try #require(started.wait(timeout: .now() + 10) == .success)
        server.shutdown()
        shutdownCalled.signal()
        server.wait()
        client.join()
        #expect(try result.value?.get().hasSuffix("done") == true)
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}

extension Result {
    /// A mutable holder to hand a result across threads in a test.
    final class Box: @unchecked Sendable {
        var value: Result?
    }
}
