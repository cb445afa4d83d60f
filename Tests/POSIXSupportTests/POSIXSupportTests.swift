import Foundation
import POSIXSupport
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The hand-written socket and thread calls, exercised for real on this machine.
struct UnixSocketTests {
    static func path(_ suffix: String) -> String { "/tmp/sb-posix-\(UUID().uuidString.prefix(8)).\(suffix)" }

    @Test func aPathTooLongForSunPathIsRefusedNotTruncated() {
        #expect(throws: SystemCallError.self) { try UnixSocketAddress(path: "/tmp/" + String(repeating: "x", count: 200)) }
        #expect(throws: SystemCallError.self) { try UnixSocketAddress(path: "") }
        #expect(throws: Never.self) { try UnixSocketAddress(path: "/tmp/" + String(repeating: "x", count: 100)) }
    }

    @Test func aBoundDatagramSocketIsPrivateAndReceivesWhatIsSent() throws {
        let path = Self.path("dgram")
        let fd = try UnixSocket.bindDatagram(path: path)
        defer { close(fd); unlink(path) }
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o077 == 0)  // nobody but this user can send to it

        let sender = UnixDatagramSender(to: try UnixSocketAddress(path: path))
        #expect(sender.send(Array("hello".utf8)))
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = recv(fd, &buffer, buffer.count, 0)
        #expect(n == 5 && String(decoding: buffer[0..<5], as: UTF8.self) == "hello")
    }

    @Test func sendingToNobodyFailsWithoutBlocking() throws {
        let sender = UnixDatagramSender(to: try UnixSocketAddress(path: Self.path("missing")))
        #expect(!sender.send([1]))
    }

    @Test func theProbeTellsWhetherSomethingListens() throws {
        let path = Self.path("sock")
        let address = try UnixSocketAddress(path: path)
        #expect(!UnixSocket.canConnect(to: address))
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener); unlink(path) }
        #expect(address.withSockaddr { bind(listener, $0, $1) } == 0)
        #expect(listen(listener, 1) == 0)
        #expect(UnixSocket.canConnect(to: address))
    }
}

/// Closures on pthreads: joined ones have finished, detached ones run.
struct NativeThreadTests {
    @Test func joinWaitsForTheClosure() throws {
        // Relaxed on purpose: join() itself must order the thread's write before the read.
        let box = Box()
        let thread = try NativeThread.start { box.value.store(42, ordering: .relaxed) }
        thread.join()
        #expect(box.value.load(ordering: .relaxed) == 42)
    }

    @Test func aDetachedThreadRuns() throws {
        let ran = DispatchSemaphore(value: 0)
        try NativeThread.detach { ran.signal() }
        #expect(ran.wait(timeout: .now() + 10) == .success)
    }
}

/// Holds an atomic across the thread boundary (an `Atomic` itself cannot be captured).
final class Box: Sendable {
    let value = Atomic<Int>(0)
}
