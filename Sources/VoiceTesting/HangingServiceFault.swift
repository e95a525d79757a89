import Foundation
import VoiceCore

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
        (listener, port) = try LoopbackPort.bind(listening: 64)
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
