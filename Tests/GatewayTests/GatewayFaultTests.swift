import Foundation
import HTTPTypes
import Gateway
import HummingbirdTesting
import NIOFoundationCompat
import Testing
import VoiceCore
import VoiceTesting

/// Downstream faults become fast, named errors.
@Suite struct GatewayFaultTests {
    @Test func aHangingDownstreamGives504NamingTheStageAtItsTimeout() async throws {
        let hanging = try HangingServiceFault()
        defer { hanging.stop() }
        let gateway = try GatewayUnderTest(environment: ["VOICE_RAG_URL": hanging.url, "VOICE_RAG_STAGE_TIMEOUT_S": "1"])
        try await gateway.app().test(.router) { client in
            let clock = ContinuousClock()
            let start = clock.now
            let response = try await client.execute(uri: "/text/query", method: .post,
                                                    headers: [.contentType: "application/json"], body: textQuery("What is Docker?"))
            let elapsed = clock.now - start
            #expect(response.status == .gatewayTimeout)
            let error = try errorDetail(response)
            #expect(error.stage == "rag")
            #expect(error.code == "timeout")
            // At its 1 s deadline, not left hanging: the margin is for a loaded 2-core machine.
            #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(8), "\(elapsed)")
        }
    }

    @Test func aDownDownstreamGives503NamingTheStageQuicklyAndHealthNamesIt() async throws {
        let gateway = try GatewayUnderTest()
        try await gateway.app().test(.router) { client in
            let clock = ContinuousClock()
            let start = clock.now
            let response = try await client.execute(uri: "/text/query", method: .post,
                                                    headers: [.contentType: "application/json"], body: textQuery("What is Docker?"))
            #expect(response.status == .serviceUnavailable)
            #expect(try errorDetail(response).stage == "rag")
            #expect(clock.now - start < .seconds(8), "well before the 10 s retrieval deadline")

            let health = try await client.execute(uri: "/health", method: .get)
            #expect(health.status == .serviceUnavailable)
            let report = try JSONDecoder().decode(GatewayController.GatewayHealth.self, from: Data(buffer: health.body))
            #expect(report.failing == ["llm", "rag", "stt", "tts"])
            #expect(report.layout == "deployed")
        }
    }
}
