import Foundation

/// Fault injection: a "service" that accepts TCP connections and reads requests but never answers, like a
/// downstream stuck in a deadlock. Only for tests of deadlines.
public final class HangingServiceFault: @unchecked Sendable {
    public let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var connections: [Int32] = []
    private var stopped = false

    public var url: String { "http://127.0.0.1:\(port)" }

    public init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listener, pointer, length) == 0 && listen(listener, 64) == 0 && getsockname(listener, pointer, &length) == 0
            }
        }
        guard bound else { throw ServiceProcessError(description: "HangingServiceFault could not listen") }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [self] in acceptForever() }.start()
    }

    private func acceptForever() {
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            lock.withLock {
                if stopped { close(connection) } else { connections.append(connection) }
            }
        }
    }

    public func stop() {
        lock.withLock {
            guard !stopped else { return }
            stopped = true
            shutdown(listener, Int32(SHUT_RDWR))
            close(listener)
            connections.forEach { close($0) }
            connections = []
        }
    }

    deinit { stop() }
}
