public import AsyncHTTPClient
import Foundation
public import LlamaEngine
public import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
public import VoiceCore

/// An external OpenAI-compatible server (vLLM, llama.cpp's llama-server, OpenAI) generates the answers; this
/// service still builds the grounded prompt, validates, limits and shapes the answer.
public struct OpenAIChatBackend: ChatBackend {
    /// The API root, ending in `/v1`.
    public let baseURL: String
    public let modelName: String
    public let contextWindow: Int
    private let apiKey: String?
    private let timeout: Duration
    private let client: HTTPClient
    private let logger: Logger

    /// `url` is the server root or its `/v1`; `model` is sent as is.
    public init(url: String, model: String, apiKey: String?, contextWindow: Int, timeout: Duration,
                client: HTTPClient = .shared, logger: Logger) {
        var root = url.hasSuffix("/") ? String(url.dropLast()) : url
        if !root.hasSuffix("/v1") { root += "/v1" }
        baseURL = root
        modelName = model
        self.apiKey = apiKey
        self.contextWindow = contextWindow
        self.timeout = timeout
        self.client = client
        self.logger = logger
    }

    /// The remote tokenizer is out of reach, so this over-estimates: about three bytes per token for English,
    /// plus the chat template's few tokens per turn.
    public func promptTokenCount(_ messages: [ChatMessage]) throws -> Int {
        messages.reduce(0) { $0 + ($1.content.utf8.count + 2) / 3 + 8 }
    }

    public func generate(_ messages: [ChatMessage], parameters: GenerationParameters,
                         stop: (@Sendable (String) -> Bool)?) async throws -> AsyncThrowingStream<GenerationEvent, any Error> {
        let body = OpenAIChatRequest(
            model: modelName, messages: messages.map { ChatTurn(role: $0.role, content: $0.content) },
            max_tokens: parameters.maxTokens, temperature: Double(parameters.temperature),
            seed: Int(parameters.seed), stream: true, stream_options: .init(include_usage: true))
        var request = HTTPClientRequest(url: baseURL + "/chat/completions")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        request.body = .bytes(ByteBuffer(data: try JSONEncoder().encode(body)))

        let start = ContinuousClock.now
        let response: HTTPClientResponse
        let deadline = TimeAmount.nanoseconds(Int64(timeout.fractionalMilliseconds * 1e6))
        do {
            do {
                response = try await client.execute(request, timeout: deadline, logger: logger)
            } catch let error where !(error is CancellationError) && (error as? HTTPClientError) != .deadlineExceeded {
                // Most often a pooled keep-alive connection the server closed as we reused it ("remote connection
                // closed", "I/O on closed channel"). Generating has no side effects, so one more try is safe.
                response = try await client.execute(request, timeout: deadline, logger: logger)
            }
        } catch {
            throw APIError.unavailable(stage: "llm", "the LLM backend at \(baseURL) is unreachable: \(error)")
        }
        guard response.status == .ok else {
            let detail = (try? await response.body.collect(upTo: 4096)).map { String(buffer: $0) } ?? ""
            if response.status == .serviceUnavailable || response.status == .tooManyRequests {
                throw APIError.busy("the LLM backend is busy: \(detail)")
            }
            throw APIError.unavailable(stage: "llm", "the LLM backend answered \(response.status.code): \(detail)")
        }

        let promptEstimate = try promptTokenCount(messages)
        let (stream, continuation) = AsyncThrowingStream<GenerationEvent, any Error>.makeStream()
        let reader = Task {
            var reader = ServerSentEventReader()
            var text = ""
            var chunks = 0
            var usage: OpenAIUsage?
            var finishReason = FinishReason.stop
            var firstToken: ContinuousClock.Instant?
            do {
                reading: for try await buffer in response.body {
                    for payload in reader.feed(buffer) {
                        if payload == "[DONE]" { break reading }
                        let chunk = try JSONDecoder().decode(OpenAIChatChunk.self, from: Data(payload.utf8))
                        usage = chunk.usage ?? usage
                        guard let choice = chunk.choices.first else { continue }
                        if choice.finish_reason == "length" { finishReason = .length }
                        guard let content = choice.delta.content, !content.isEmpty else { continue }
                        if firstToken == nil { firstToken = .now }
                        chunks += 1
                        text += content
                        continuation.yield(.text(content))
                        if let stop, stop(text) { break reading }
                    }
                }
            } catch is CancellationError {
                continuation.finish(throwing: CancellationError())
                return
            } catch let error as DecodingError {
                continuation.finish(throwing: APIError.unavailable(stage: "llm", "the LLM backend sent a bad chunk: \(error)"))
                return
            } catch {
                continuation.finish(throwing: APIError.unavailable(stage: "llm", "the LLM backend stream failed: \(error)"))
                return
            }
            let now = ContinuousClock.now
            let first = firstToken ?? now
            continuation.yield(.finished(GenerationStats(
                promptTokens: usage?.prompt_tokens ?? promptEstimate, cachedPromptTokens: 0,
                completionTokens: usage?.completion_tokens ?? chunks, promptDuration: first - start,
                generateDuration: now - first, finishReason: finishReason)))
            continuation.finish()
        }
        continuation.onTermination = { _ in reader.cancel() }
        return stream
    }

    public func health() async -> HealthReport {
        var request = HTTPClientRequest(url: baseURL + "/models")
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        var reachable = false
        if let response = try? await client.execute(request, timeout: .seconds(2), logger: logger) {
            // Read to the end, so the connection goes back to the pool clean rather than half-read.
            let body = try? await response.body.collect(upTo: 1 << 20)
            reachable = response.status == .ok && body != nil
        }
        return HealthReport(service: "llm", status: reachable ? "ok" : "down", details: [
            "backend": "openai", "url": baseURL, "model": modelName, "model_loaded": "\(reachable)",
        ])
    }
}

/// Splits a `text/event-stream` body into the payloads of its `data:` lines.
struct ServerSentEventReader {
    private var pending: [UInt8] = []

    mutating func feed(_ buffer: ByteBuffer) -> [String] {
        pending += buffer.readableBytesView
        var payloads: [String] = []
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            var line = String(decoding: pending[..<newline], as: UTF8.self)
            pending.removeSubrange(...newline)
            if line.hasSuffix("\r") { line.removeLast() }
            guard line.hasPrefix("data:") else { continue }
            payloads.append(String(line.dropFirst(5).drop { $0 == " " }))
        }
        return payloads
    }
}
