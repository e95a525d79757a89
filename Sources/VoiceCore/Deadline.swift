public struct DeadlineExceeded: Error {
    public init() {}
}

/// Runs `body`, cancelling it and throwing ``DeadlineExceeded`` when `timeout` passes first.
public func withDeadline<R: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> R) async throws -> R {
    try await withThrowingTaskGroup(of: R.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw DeadlineExceeded()
        }
        defer { group.cancelAll() }
        // The first child to finish decides: a result, the body's error, or the deadline.
        return try await group.next()!
    }
}
