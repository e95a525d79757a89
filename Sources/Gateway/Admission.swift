import HTTPTypes
import Metrics
import Synchronization
public import VoiceCore

/// Admission by expected wait (docs/decisions.md, 45): each stage's recent pace as this gateway sees it, so that a
/// question that could not be answered in time is refused at once with 503 and an honest `Retry-After`, instead
/// of waiting half a minute in the services' queues.
///
/// A stage's pace is the time between answers coming out of it while it is busy (the service time divided by
/// however many it serves at once, which the gateway need not know), or one answer's latency when it is not; and
/// at least the time it has now been busy without an answer coming out, so that a stage that hangs is seen to.
/// A new question waits (requests in the stage or admitted on their way to it) × pace there, then takes one pace.
/// The stages work at once on different questions, so the whole answer expects the longest of those waits plus
/// every stage's own pace.
public final class Admission: Sendable {
    struct Load {
        var inFlight = 0
        /// Seconds between answers, smoothed; nil until the stage has answered once.
        var pace: Double?
        var lastExit: ContinuousClock.Instant?
        /// When the stage last went from idle to busy.
        var busySince: ContinuousClock.Instant?
        /// Questions admitted that have not reached the stage yet: a burst counts before it arrives.
        var claimed = 0
    }

    /// An admitted question's claims on the stages it will pass through. Each ends when the question enters that
    /// stage; any left (a question that failed or was answered from the cache) end with the ticket.
    public final class Ticket: Sendable {
        let admission: Admission
        private let claims: Mutex<Set<VoicePipeline.Stage>>

        init(admission: Admission, stages: Set<VoicePipeline.Stage>) {
            self.admission = admission
            claims = Mutex(stages)
        }

        func enter(_ stage: VoicePipeline.Stage) {
            if claims.withLock({ $0.remove(stage) }) != nil { admission.release(stage) }
        }

        deinit {
            for stage in claims.withLock({ $0 }) { admission.release(stage) }
        }
    }

    /// The ticket of the question the current task answers (set by the gateway's routes around the pipeline).
    @TaskLocal public static var ticket: Ticket?

    private let loads = Mutex([VoicePipeline.Stage: Load]())
    /// The longest expected wait accepted (`VOICE_MAX_WAIT_S`).
    public let maxWait: Duration
    /// Weight of the newest pace sample: about the last five answers count.
    static let smoothing = 0.3

    public init(maxWait: Duration) {
        self.maxWait = maxWait
    }

    /// Seconds a new question expects in `stage`: waiting behind the others, then its own turn.
    struct Expectation {
        var wait = 0.0
        var own = 0.0
        var total: Double { wait + own }
    }

    /// What a new question expects in `stage`; nothing in an idle one, whose pace may be from a slow spell long
    /// past (only an admitted question can bring it up to date).
    func expected(_ stage: VoicePipeline.Stage, at now: ContinuousClock.Instant = .now) -> Expectation {
        loads.withLock { loads in
            guard let load = loads[stage], load.inFlight + load.claimed > 0 else { return Expectation() }
            var pace = load.pace ?? 0
            if load.inFlight > 0, let busySince = load.busySince {
                let silentSince = max(busySince, load.lastExit ?? busySince)
                pace = max(pace, Self.seconds(now - silentSince))
            }
            return Expectation(wait: Double(load.inFlight + load.claimed) * pace, own: pace)
        }
    }

    static func seconds(_ duration: Duration) -> Double { duration.fractionalMilliseconds / 1000 }

    /// Whether `stage` is busy, and a new question would not be through it within `time`.
    func isBusy(_ stage: VoicePipeline.Stage, beyond time: Duration) -> Bool {
        let expected = expected(stage)
        return expected.wait > 0 && expected.total > Self.seconds(time)
    }

    /// Refuses a question whose stages are expected to take longer than `maxWait`, or than one stage's deadline;
    /// an admitted one claims its stages until it enters them.
    func admit(through stages: [VoicePipeline.Stage], deadlines: [VoicePipeline.Stage: Duration],
               at now: ContinuousClock.Instant = .now) throws(APIError) -> Ticket {
        let maxWait = Self.seconds(maxWait)
        let expectations = stages.map { ($0, expected($0, at: now)) }
        for (stage, expected) in expectations {
            if let deadline = deadlines[stage].map(Self.seconds), expected.total > deadline {
                throw Self.refusal("the \(stage.rawValue) stage is expected to take \(Self.format(expected.total)), past its \(Self.format(deadline)) deadline",
                                   stage: stage, excess: expected.total - deadline)
            }
        }
        let total = (expectations.map(\.1.wait).max() ?? 0) + expectations.reduce(0) { $0 + $1.1.own }
        if total > maxWait {
            let slowest = expectations.max { $0.1.wait < $1.1.wait }?.0
            throw Self.refusal("the answer is expected to take \(Self.format(total)), more than the \(Self.format(maxWait)) this gateway waits",
                               stage: slowest, excess: total - maxWait)
        }
        loads.withLock { loads in
            for stage in stages { loads[stage, default: Load()].claimed += 1 }
        }
        return Ticket(admission: self, stages: Set(stages))
    }

    func release(_ stage: VoicePipeline.Stage) {
        loads.withLock { $0[stage]?.claimed -= 1 }
    }

    /// The work in flight drains by the excess in about that many seconds: then a retry is likely admitted.
    static func refusal(_ message: String, stage: VoicePipeline.Stage?, excess: Double) -> APIError {
        Counter(label: "voice_admission_refusals_total", dimensions: [("stage", stage?.rawValue ?? "")]).increment()
        return APIError(.serviceUnavailable, code: "busy", message: message + "; retry shortly", stage: stage?.rawValue,
                        retryAfter: min(60, max(1, Int(excess.rounded(.up)))))
    }

    static func format(_ seconds: Double) -> String {
        seconds < 10 ? "\((seconds * 10).rounded() / 10) s" : "\(Int(seconds.rounded())) s"
    }

    func enter(_ stage: VoicePipeline.Stage, at now: ContinuousClock.Instant = .now) -> ContinuousClock.Instant {
        loads.withLock { loads in
            var load = loads[stage, default: Load()]
            if load.inFlight == 0 { load.busySince = now }
            load.inFlight += 1
            loads[stage] = load
        }
        return now
    }

    func exit(_ stage: VoicePipeline.Stage, entered: ContinuousClock.Instant, at now: ContinuousClock.Instant = .now) {
        loads.withLock { loads in
            var load = loads[stage, default: Load()]
            load.inFlight -= 1
            let latency = Self.seconds(now - entered)
            // Busy since the last answer came out (this one was already inside): the gap is the pace.
            let sample = load.lastExit.map { $0 > entered ? min(latency, Self.seconds(now - $0)) : latency } ?? latency
            load.pace = load.pace.map { $0 + Self.smoothing * (sample - $0) } ?? sample
            load.lastExit = now
            loads[stage] = load
        }
    }
}
