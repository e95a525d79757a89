import Dispatch
import Synchronization

/// Set once to ask a running engine call to stop at its next check (whisper.cpp and llama.cpp abort callbacks).
public final class AbortFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    public init() {}
    public var isSet: Bool { flag.load(ordering: .relaxed) }
    public func set() { flag.store(true, ordering: .relaxed) }
}

/// A fixed set of engine workers (whisper states, llama contexts), each on its own thread outside Swift's
/// cooperative pool, with a bounded wait queue and a per-call deadline.
///
/// Full queue → ``APIError/busy(_:retryAfter:)`` (503 + Retry-After); deadline passed → the call's abort flag is
/// set, the engine stops at its next check, and the caller gets a 504.
public actor WorkerPool<Worker: Sendable> {
    private let workers: [Worker]
    private let queues: [DispatchQueue]
    private var idle: [Int]
    private var waiters: [(id: Int, continuation: CheckedContinuation<Int, any Error>)] = []
    private var nextWaiterID = 0
    public let maxQueue: Int
    private let name: String

    public init(name: String, workers: [Worker], maxQueue: Int) {
        precondition(!workers.isEmpty, "a pool needs at least one worker")
        self.name = name
        self.workers = workers
        self.queues = workers.indices.map { DispatchQueue(label: "\(name)-worker-\($0)") }
        self.idle = Array(workers.indices)
        self.maxQueue = maxQueue
    }

    public var queueDepth: Int { waiters.count }
    public var busyWorkers: Int { workers.count - idle.count }
    public var workerCount: Int { workers.count }

    /// Runs `body` on a free worker's thread. `body` should poll the flag (through the engine's abort callback).
    public func run<R: Sendable>(timeout: Duration,
                                 _ body: @escaping @Sendable (Worker, AbortFlag) throws -> R) async throws -> R {
        let flag = AbortFlag()
        let index = try await acquire(timeout: timeout)
        defer { release(index) }
        let worker = workers[index]
        let queue = queues[index]
        let deadline = Task {
            try await Task.sleep(for: timeout)
            flag.set()
        }
        defer { deadline.cancel() }
        let result: Result<R, any Error> = await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: Result { try body(worker, flag) }) }
        }
        if flag.isSet { throw APIError.timeout(stage: name, "\(name) did not finish within \(timeout)") }
        return try result.get()
    }

    private func acquire(timeout: Duration) async throws -> Int {
        if let index = idle.popLast() { return index }
        guard waiters.count < maxQueue else {
            throw APIError.busy("\(name) queue is full (\(maxQueue) waiting); retry shortly")
        }
        nextWaiterID += 1
        let id = nextWaiterID
        let expiry = Task { [weak self] in
            try await Task.sleep(for: timeout)
            await self?.expire(id, timeout: timeout)
        }
        defer { expiry.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiters.append((id, continuation))
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    private func release(_ index: Int) {
        if waiters.isEmpty {
            idle.append(index)
        } else {
            waiters.removeFirst().continuation.resume(returning: index)
        }
    }

    private func expire(_ id: Int, timeout: Duration) {
        guard let position = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: position).continuation.resume(
            throwing: APIError.timeout(stage: name, "\(name) was busy for longer than \(timeout)"))
    }

    private func cancelWaiter(_ id: Int) {
        guard let position = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: position).continuation.resume(throwing: CancellationError())
    }
}
