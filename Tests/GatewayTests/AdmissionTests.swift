import Foundation
@testable import Gateway
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import Testing
import VoiceCore
import VoiceTesting

/// Admission by expected wait: a question that would wait past its deadline is refused at once, and honestly.
@Suite struct AdmissionTests {
    let start = ContinuousClock.now

    func at(_ seconds: Double) -> ContinuousClock.Instant { start + .milliseconds(Int(seconds * 1000)) }

    @Test func aBusyStageRefusesWithARetryAfterItCanDrainByAndAnIdleOneAdmits() throws {
        let admission = Admission(maxWait: .seconds(4))
        // Speech recognition answers one question a second while busy, and six are inside it.
        var entered: [ContinuousClock.Instant] = []
        for _ in 0..<8 { entered.append(admission.enter(.stt, at: at(0))) }
        admission.exit(.stt, entered: entered.removeLast(), at: at(1))
        admission.exit(.stt, entered: entered.removeLast(), at: at(2))
        #expect(abs(admission.expected(.stt, at: at(2)).total - 7) < 0.01)
        do {
            _ = try admission.admit(through: [.stt, .rag, .tts], deadlines: [:], at: at(2))
            Issue.record("a recording was admitted behind seven seconds of speech recognition")
        } catch {
            #expect(error.status == .serviceUnavailable && error.code == "busy" && error.stage == "stt")
            #expect(error.retryAfter == 3)
        }
        // A typed question does not join that queue.
        _ = try admission.admit(through: [.rag, .tts], deadlines: [:], at: at(2))
        // A stage's own deadline refuses before the overall wait does.
        #expect(throws: APIError.self) { _ = try admission.admit(through: [.stt], deadlines: [.stt: .seconds(5)], at: at(2)) }
        // Drained, the stage admits again at once, however slow it was.
        for instant in entered { admission.exit(.stt, entered: instant, at: at(3)) }
        _ = try admission.admit(through: [.stt, .rag, .tts], deadlines: [:], at: at(3))
    }

    /// A burst is counted from admission: the questions admitted before it reach the stage count against it,
    /// each claim ending when its question enters the stage, or when the question ends without reaching it.
    @Test func admittedQuestionsCountAgainstTheStagesTheyAreOnTheirWayTo() throws {
        let admission = Admission(maxWait: .milliseconds(3500))
        // Retrieval has answered at a pace of one a second.
        admission.exit(.rag, entered: admission.enter(.rag, at: at(0)), at: at(1))
        var tickets: [Admission.Ticket] = []
        for _ in 0..<3 { tickets.append(try admission.admit(through: [.rag], deadlines: [:], at: at(1))) }
        #expect(abs(admission.expected(.rag, at: at(1)).total - 4) < 0.01)
        #expect(throws: APIError.self) { _ = try admission.admit(through: [.rag], deadlines: [:], at: at(1)) }
        // One enters the stage (its claim becomes a request inside it); one ends without reaching it.
        tickets[0].enter(.rag)
        _ = admission.enter(.rag, at: at(1))
        tickets.removeLast()
        #expect(abs(admission.expected(.rag, at: at(1)).total - 3) < 0.01)
    }

    @Test func aStageThatHangsIsSeenToFromHowLongNothingCameOut() throws {
        let admission = Admission(maxWait: .seconds(4))
        _ = admission.enter(.rag, at: at(0))
        _ = try admission.admit(through: [.rag], deadlines: [:], at: at(1))
        #expect(throws: APIError.self) { _ = try admission.admit(through: [.rag], deadlines: [:], at: at(2.5)) }
    }

    /// Through the HTTP API, with speech recognition hanging: the second recording is refused within a moment,
    /// naming the stage, while a typed question still goes through to retrieval.
    @Test func aRecordingBehindAHungRecognizerIsRefusedAtOnceAndATypedQuestionIsNot() async throws {
        let hanging = try HangingServiceFault()
        defer { hanging.stop() }
        let gateway = try GatewayUnderTest(environment: ["VOICE_STT_URL": hanging.url, "VOICE_STT_STAGE_TIMEOUT_S": "30",
                                                         "VOICE_MAX_WAIT_S": "2"])
        let wav = WAVFile.encode([Int16](repeating: 1000, count: 16_000), sampleRate: 16_000)
        try await gateway.app().test(.router) { client in
            let first = Task {
                try? await client.execute(uri: "/voice/query", method: .post, headers: [.contentType: "audio/wav"],
                                          body: ByteBuffer(data: wav))
            }
            defer { first.cancel() }
            try await Task.sleep(for: .milliseconds(1500))
            let clock = ContinuousClock()
            let asked = clock.now
            let second = try await client.execute(uri: "/voice/query", method: .post, headers: [.contentType: "audio/wav"],
                                                  body: ByteBuffer(data: wav))
            #expect(second.status == .serviceUnavailable)
            #expect(second.headers[.retryAfter] != nil)
            let error = try errorDetail(second)
            #expect(error.code == "busy" && error.stage == "stt", "\(error)")
            #expect(clock.now - asked < .seconds(5), "refused at once, not after the 30 s deadline")
            let typed = try await client.execute(uri: "/text/query", method: .post, headers: [.contentType: "application/json"],
                                                 body: textQuery("What is Docker?"))
            #expect(try errorDetail(typed).stage == "rag", "the typed question reached retrieval (down in this test)")
        }
    }
}
