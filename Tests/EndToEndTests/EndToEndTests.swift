import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import SpeechToText
import Testing
import VoiceCore
import VoiceTesting

/// The gateway's answer as a browser sees it.
struct Answer: Decodable {
    struct Source: Decodable { let source: String; let text: String; let score: Double }
    struct Citation: Decodable { let text: String; let source: String }
    struct Timings: Decodable { let stt_ms: Double; let retrieve_ms: Double; let llm_ms: Double; let tts_ms: Double; let total_ms: Double }
    let transcript: String
    let response_text: String
    let audio_url: String
    let sources: [Source]
    let citations: [Citation]
    let answer_kind: String
    let timings: Timings
}

struct Reply {
    let status: Int
    let body: Data
    let headers: [(String, String)]

    func json<T: Decodable>(_ type: T.Type) throws -> T { try JSONDecoder().decode(type, from: body) }
    var errorStage: String? {
        struct Envelope: Decodable { struct Detail: Decodable { let stage: String? }; let error: Detail }
        return (try? json(Envelope.self))?.error.stage
    }
}

enum HTTP {
    static let client = HTTPClient(eventLoopGroupProvider: .singleton)

    static func send(_ url: String, method: HTTPMethod = .GET, body: Data? = nil, contentType: String? = nil,
                     accept: String? = nil, timeout: Duration = .seconds(300)) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        if let accept { request.headers.add(name: "Accept", value: accept) }
        if let body { request.body = .bytes(ByteBuffer(data: body)) }
        let response = try await client.execute(request, timeout: .seconds(Int64(timeout.components.seconds)))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return Reply(status: Int(response.status.code), body: Data(buffer: bytes), headers: response.headers.map { ($0.name, $0.value) })
    }

    static func ask(_ gateway: String, audio: Data, contentType: String = "audio/wav", accept: String? = nil) async throws -> Reply {
        var form = MultipartBody()
        form.addFile("audio", filename: "question", contentType: contentType, audio)
        form.addField("session_id", "e2e")
        return try await send("\(gateway)/voice/query", method: .POST, body: form.finished, contentType: form.contentType,
                              accept: accept)
    }

    /// Checks a streamed answer asked with `?audio=pcm`: the first samples come before the first sentence event,
    /// and each sentence's samples, joined, are exactly its file's. Returns the `audio` events per sentence.
    static func expectSamplesAreTheSentenceFiles(_ reply: Reply, gateway: String) async throws -> [Int: Int] {
        struct Audio: Decodable { let index: Int; let sample_rate: Int; let pcm: String }
        struct Sentence: Decodable { let index: Int; let audio_url: String }
        let events = events(reply)
        let firstAudio = try #require(events.firstIndex { $0.name == "audio" }, "no audio events: \(events.map(\.name))")
        #expect(firstAudio < (events.firstIndex { $0.name == "sentence" } ?? -1), "\(events.map(\.name))")
        var samples: [Int: Data] = [:]
        var pieces: [Int: Int] = [:]
        for event in events where event.name == "audio" {
            let audio = try JSONDecoder().decode(Audio.self, from: event.data)
            #expect(audio.sample_rate == 22_050)
            samples[audio.index, default: Data()] += try #require(Data(base64Encoded: audio.pcm))
            pieces[audio.index, default: 0] += 1
        }
        let sentences = try events.filter { $0.name == "sentence" }.map { try JSONDecoder().decode(Sentence.self, from: $0.data) }
        #expect(Set(sentences.map(\.index)) == Set(samples.keys))
        for sentence in sentences {
            let file = try await send(gateway + sentence.audio_url).body
            #expect(file.dropFirst(44) == samples[sentence.index], "sentence \(sentence.index)")
        }
        return pieces
    }

    /// A `text/event-stream` body as (event, data) pairs, in order.
    static func events(_ reply: Reply) -> [(name: String, data: Data)] {
        String(decoding: reply.body, as: UTF8.self).components(separatedBy: "\n\n").compactMap { block in
            let lines = block.split(separator: "\n")
            guard let name = lines.first(where: { $0.hasPrefix("event: ") })?.dropFirst(7),
                  let data = lines.first(where: { $0.hasPrefix("data: ") })?.dropFirst(6) else { return nil }
            return (String(name), Data(data.utf8))
        }
    }
}

/// A fresh data folder per stack, so the sample knowledge base is ingested by the first run.
func freshEnvironment() -> [String: String] {
    let data = FileManager.default.temporaryDirectory.appendingPathComponent("voice-e2e-\(UUID().uuidString)")
    return ["VOICE_DATA_DIR": data.path, "VOICE_MODELS_DIR": Fixtures.settings.modelsDirectory.path]
}

/// `voice up` on free ports with a fresh data folder.
func oneProcessStack() async throws -> ServiceProcess {
    let ports = try (0..<5).map { _ in try LoopbackPort.free() }
    return try await ServiceProcess(
        ["up", "--stt-port", "\(ports[1])", "--rag-port", "\(ports[2])", "--llm-port", "\(ports[3])", "--tts-port", "\(ports[4])"],
        port: ports[0], environment: freshEnvironment(), readyTimeout: .seconds(300))
}

/// The whole assistant by voice, as users run it.
@Suite(.serialized, .timeLimit(.minutes(10))) struct EndToEndTests {
    @Test func oneProcessStackAnswersASpokenQuestionFromTheKnowledgeBaseWithPlayableAudio() async throws {
        let stack = try await oneProcessStack()
        defer { stack.stop() }
        let question = try TestAudio.wav("Tell me what Docker is.")

        for (audio, type) in [(question, "audio/wav"), (try TestAudio.transcode(question, to: .webm), "audio/webm")] {
            let reply = try await HTTP.ask(stack.url, audio: audio, contentType: type)
            #expect(reply.status == 200, "\(type): \(String(decoding: reply.body, as: UTF8.self))")
            let answer = try reply.json(Answer.self)
            #expect(answer.transcript.lowercased().contains("docker"), "\(type) transcript: \(answer.transcript)")
            #expect(answer.sources.contains { $0.text.lowercased().contains("docker") })
            // Answered from the retrieved source: its key term is in the spoken answer.
            #expect(answer.response_text.lowercased().contains("container"), "answer: \(answer.response_text)")
            #expect(answer.timings.stt_ms > 0 && answer.timings.total_ms >= answer.timings.stt_ms)

            let audioReply = try await HTTP.send(stack.url + answer.audio_url)
            #expect(audioReply.status == 200)
            let wav = try WAVDecoder.decode(audioReply.body)
            #expect(wav.duration > 1)
        }
        let health = try await HTTP.send("\(stack.url)/health")
        #expect(health.status == 200)

        // Typed: an answer from the evidence, with the sentence it rests on; and an honest "not covered" that
        // names what the knowledge base does cover.
        let ticket = try await HTTP.send("\(stack.url)/text/query", method: .POST,
                                         body: Data(#"{"query": "How much is a return ferry ticket?"}"#.utf8),
                                         contentType: "application/json").json(Answer.self)
        #expect(["generated", "evidence"].contains(ticket.answer_kind))
        #expect(ticket.response_text.contains("11"), "answer: \(ticket.response_text)")
        #expect(ticket.citations.contains { $0.source == "ferry-timetable.md" && $0.text.contains("$11") })
        let france = try await HTTP.send("\(stack.url)/text/query", method: .POST,
                                         body: Data(#"{"query": "What is the capital of France?"}"#.utf8),
                                         contentType: "application/json").json(Answer.self)
        #expect(france.answer_kind == "not_covered")
        #expect(france.response_text.contains("doesn't cover"), "answer: \(france.response_text)")
        #expect(france.citations.isEmpty)
        // A near miss: the pier's parking is not priced, but the sentence that comes closest is offered as only
        // that, and cited.
        let parking = try await HTTP.send("\(stack.url)/text/query", method: .POST,
                                          body: Data(#"{"query": "How much does it cost to park a car at Saltmere Pier?"}"#.utf8),
                                          contentType: "application/json").json(Answer.self)
        #expect(parking.answer_kind == "not_covered")
        #expect(parking.response_text.hasPrefix("I can't find that exactly."), "answer: \(parking.response_text)")
        #expect(parking.citations.contains { $0.source == "ferry-timetable.md" }, "answer: \(parking.response_text)")
    }

    @Test func streamedAnswersAndFollowUpsInAConversation() async throws {
        let stack = try await oneProcessStack()
        defer { stack.stop() }
        struct Sentence: Decodable { let index: Int; let text: String; let audio_url: String }
        struct Transcript: Decodable { let text: String }

        let spoken = try await HTTP.ask(stack.url, audio: try TestAudio.wav("How much is a return ferry ticket?"),
                                        accept: "text/event-stream")
        #expect(spoken.status == 200)
        #expect(spoken.headers.contains { $0.0.lowercased() == "content-type" && $0.1.hasPrefix("text/event-stream") })
        let events = HTTP.events(spoken)
        #expect(events.first?.name == "transcript")
        #expect(events.last?.name == "done")
        let transcript = try JSONDecoder().decode(Transcript.self, from: events[0].data)
        #expect(transcript.text.lowercased().contains("ferry"), "\(transcript.text)")

        // A typed question whose answer is two sentences: two sentence events, in order, each playable.
        let typed = try await HTTP.send("\(stack.url)/text/query", method: .POST,
                                        body: Data(#"{"query": "Tell me about the ferry to the island and the fares."}"#.utf8),
                                        contentType: "application/json", accept: "text/event-stream")
        for reply in [spoken, typed] {
            let events = HTTP.events(reply)
            let sentences = try events.filter { $0.name == "sentence" }.map { try JSONDecoder().decode(Sentence.self, from: $0.data) }
            #expect(!sentences.isEmpty)
            #expect(sentences.map(\.index) == Array(sentences.indices))
            let done = try JSONDecoder().decode(Answer.self, from: try #require(events.last { $0.name == "done" }).data)
            #expect(sentences.map(\.text).joined(separator: " ") == done.response_text)
            var seconds = 0.0
            for sentence in sentences {
                let audio = try await HTTP.send(stack.url + sentence.audio_url)
                #expect(audio.status == 200)
                seconds += try WAVDecoder.decode(audio.body).duration
            }
            // The final JSON's one file is the sentences' audio, joined.
            let whole = try WAVDecoder.decode(try await HTTP.send(stack.url + done.audio_url).body)
            #expect(abs(whole.duration - seconds) < 0.05, "\(whole.duration) vs \(seconds)")
        }
        #expect(HTTP.events(typed).filter { $0.name == "sentence" }.count >= 2)
        #expect(!HTTP.events(typed).contains { $0.name == "audio" }, "samples only for a client that asks for them")

        // A client that plays samples itself gets them as they are made: the Piper voice sends a sentence in
        // several pieces. Asked again, the answer comes from the spoken-answer cache: its file's samples at once.
        let crossing = Data(#"{"query": "How long does the crossing to the island take?"}"#.utf8)
        for cached in [false, true] {
            let sampled = try await HTTP.send("\(stack.url)/text/query?audio=pcm", method: .POST, body: crossing,
                                              contentType: "application/json", accept: "text/event-stream")
            #expect(sampled.status == 200)
            let pieces = try await HTTP.expectSamplesAreTheSentenceFiles(sampled, gateway: stack.url)
            if cached { #expect(pieces == [0: 1], "\(pieces)") } else { #expect((pieces[0] ?? 0) >= 2, "\(pieces)") }
        }

        // A follow-up in its conversation is answered about the earlier question; alone it is not.
        func ask(_ body: String) async throws -> Reply {
            try await HTTP.send("\(stack.url)/text/query", method: .POST, body: Data(body.utf8), contentType: "application/json")
        }
        let history = #"[{"role": "user", "content": "How much is a return ferry ticket?"}, {"role": "assistant", "content": "A return ticket costs $11."}]"#
        let followUp = try await ask(#"{"query": "And for children?", "history": \#(history)}"#).json(Answer.self)
        #expect(followUp.response_text.lowercased().contains("children"), "answer: \(followUp.response_text)")
        #expect(followUp.citations.contains { $0.source == "ferry-timetable.md" }, "answer: \(followUp.response_text)")
        #expect(followUp.transcript == "And for children?")
        // The stored summer question looks like this conversation; the follow-up's own "winter" says it is not.
        let summer = #"[{"role": "user", "content": "What time is the first ferry from Saltmere Pier in summer?"}, {"role": "assistant", "content": "7:15 am."}]"#
        let winter = try await ask(#"{"query": "And in winter?", "history": \#(summer)}"#).json(Answer.self)
        #expect(winter.answer_kind != "faq" && winter.response_text.contains("8:00 am"), "answer: \(winter.response_text)")
        let alone = try await ask(#"{"query": "And for children?"}"#).json(Answer.self)
        #expect(!alone.citations.contains { $0.source == "ferry-timetable.md" } || alone.answer_kind == "not_covered")
        let badHistory = try await ask(#"{"query": "And for children?", "history": [{"role": "system", "content": "x"}]}"#)
        #expect(badHistory.status == 400)
        #expect(String(decoding: badHistory.body, as: UTF8.self).contains("invalid_history"))
    }

    @Test func separateProcessesDegradeByStageAndRecoverWithoutRestartingTheGateway() async throws {
        let environment = freshEnvironment()
        var urls: [String: String] = [:]
        var services: [String: ServiceProcess] = [:]
        for name in ["stt", "rag", "llm", "tts"] {
            let process = try await ServiceProcess(["serve", name], port: try LoopbackPort.free(), environment: environment,
                                                   readyTimeout: .seconds(300))
            services[name] = process
            urls["VOICE_\(name.uppercased())_URL"] = process.url
        }
        defer { services.values.forEach { $0.stop() } }
        // Every answer through the model: in the default mode this question's evidence sentence answers it alone.
        let gateway = try await ServiceProcess(["serve", "gateway"], port: try LoopbackPort.free(),
                                               environment: environment.merging(urls) { $1 }.merging(["VOICE_ANSWER_MODE": "generate"]) { $1 })
        defer { gateway.stop() }
        // Not a stored Q&A pair: the answer needs the model.
        let question = try TestAudio.wav("How much is a return ferry ticket?")

        let first = try await HTTP.ask(gateway.url, audio: question)
        #expect(first.status == 200, "\(String(decoding: first.body, as: UTF8.self))")

        // Two gateway replicas, one conversation: the client carries its turns, so a follow-up streamed from the
        // other replica (the model's sentences through the LLM service's stream) keeps the topic.
        let replica = try await ServiceProcess(["serve", "gateway"], port: try LoopbackPort.free(),
                                               environment: environment.merging(urls) { $1 }.merging(["VOICE_ANSWER_MODE": "generate"]) { $1 })
        defer { replica.stop() }
        let heard = try first.json(Answer.self)
        let history = try String(decoding: JSONEncoder().encode([["role": "user", "content": heard.transcript],
                                                                 ["role": "assistant", "content": heard.response_text]]), as: UTF8.self)
        // Its samples come from the TTS service's own event stream, relayed as they are made.
        let followUp = try await HTTP.send("\(replica.url)/text/query?audio=pcm", method: .POST,
                                           body: Data(#"{"query": "And for children?", "history": \#(history)}"#.utf8),
                                           contentType: "application/json", accept: "text/event-stream")
        let events = HTTP.events(followUp)
        #expect(events.contains { $0.name == "sentence" })
        _ = try await HTTP.expectSamplesAreTheSentenceFiles(followUp, gateway: replica.url)
        let done = try JSONDecoder().decode(Answer.self, from: try #require(events.last { $0.name == "done" }).data)
        #expect(done.response_text.lowercased().contains("child"), "answer: \(done.response_text)")
        #expect(done.citations.contains { $0.source == "ferry-timetable.md" }, "answer: \(done.response_text)")

        let llm = try #require(services["llm"])
        llm.stop()
        // The spoken question again: STT and retrieval answer, the model's stage fails fast and is named.
        let clock = ContinuousClock()
        let start = clock.now
        let spoken = try await HTTP.ask(gateway.url, audio: question)
        #expect(spoken.status == 503, "\(String(decoding: spoken.body, as: UTF8.self))")
        #expect(spoken.errorStage == "llm")
        #expect(clock.now - start < .seconds(10), "fast, not at the 60 s model deadline")
        let health = try await HTTP.send("\(gateway.url)/health")
        #expect(health.status == 503)
        #expect(String(decoding: health.body, as: UTF8.self).contains("\"failing\":[\"llm\"]"))

        let restarted = try await ServiceProcess(["serve", "llm"], port: llm.port, environment: environment,
                                                 readyTimeout: .seconds(300))
        services["llm"] = restarted
        let again = try await HTTP.ask(gateway.url, audio: question)
        #expect(again.status == 200, "\(String(decoding: again.body, as: UTF8.self))")
    }
}
