public import Logging
public import ServiceLifecycle

/// Deletes expired audio and keeps the folder within its byte budget, once a minute, until shutdown.
public struct AudioRetentionService: Service {
    public var store: AudioStore
    public var interval: Duration
    public var logger: Logger

    public init(store: AudioStore, interval: Duration = .seconds(60), logger: Logger) {
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let deleted = store.sweep()
                if !deleted.isEmpty { logger.debug("audio retention", metadata: ["deleted": "\(deleted.count)"]) }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
