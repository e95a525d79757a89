internal import CLlama
import Foundation

public typealias LlamaToken = Int32

/// One chat turn, as handed to the model's own chat template.
public struct ChatMessage: Sendable, Equatable, Codable {
    public var role: String
    public var content: String
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// Loaded GGUF weights and vocabulary. Read-only after loading, so contexts on many threads share one model.
public final class LlamaModel: @unchecked Sendable {
    let model: OpaquePointer
    let vocab: OpaquePointer
    public let path: String

    public init(path: String) throws(LlamaError) {
        guard FileManager.default.fileExists(atPath: path) else { throw .modelMissing(path) }
        LlamaBackend.initialize()
        var params = llama_model_default_params()
        params.n_gpu_layers = 0
        guard let model = llama_model_load_from_file(path, params) else { throw .modelLoadFailed(path) }
        self.model = model
        self.vocab = llama_model_get_vocab(model)
        self.path = path
    }

    deinit { llama_model_free(model) }

    /// The training context length from the GGUF metadata.
    public var trainingContextLength: Int { Int(llama_model_n_ctx_train(model)) }
    public var embeddingLength: Int { Int(llama_model_n_embd(model)) }
    public var parameterCount: UInt64 { llama_model_n_params(model) }
    /// Encoder-only models (BERT) run through `llama_encode`, not the KV-cached decoder path.
    public var isEncoderOnly: Bool { !llama_model_has_decoder(model) }

    /// llama.cpp's one-line description, such as "llama 135M Q4_1".
    public var summary: String {
        var buffer = [CChar](repeating: 0, count: 256)
        _ = llama_model_desc(model, &buffer, buffer.count)
        return String(nulTerminated: buffer)
    }

    /// A metadata value from the GGUF header, such as `general.name`.
    public func metadata(_ key: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 512)
        let length = llama_model_meta_val_str(model, key, &buffer, buffer.count)
        guard length >= 0 else { return nil }
        if Int(length) >= buffer.count {
            buffer = [CChar](repeating: 0, count: Int(length) + 1)
            _ = llama_model_meta_val_str(model, key, &buffer, buffer.count)
        }
        return String(nulTerminated: buffer)
    }

    public func tokenize(_ text: String, addSpecial: Bool, parseSpecial: Bool) throws(LlamaError) -> [LlamaToken] {
        let utf8Count = Int32(text.utf8.count)
        var tokens = [LlamaToken](repeating: 0, count: Int(utf8Count) + 8)
        var count = llama_tokenize(vocab, text, utf8Count, &tokens, Int32(tokens.count), addSpecial, parseSpecial)
        if count < 0 {
            tokens = [LlamaToken](repeating: 0, count: Int(-count))
            count = llama_tokenize(vocab, text, utf8Count, &tokens, Int32(tokens.count), addSpecial, parseSpecial)
        }
        guard count >= 0 else { throw .tokenizationFailed }
        return Array(tokens.prefix(Int(count)))
    }

    /// The raw bytes of one token. A multi-byte character can span tokens, so callers join bytes before decoding.
    public func pieceBytes(_ token: LlamaToken) -> [UInt8] {
        var buffer = [CChar](repeating: 0, count: 64)
        var length = llama_token_to_piece(vocab, token, &buffer, Int32(buffer.count), 0, false)
        if length < 0 {
            buffer = [CChar](repeating: 0, count: Int(-length))
            length = llama_token_to_piece(vocab, token, &buffer, Int32(buffer.count), 0, false)
        }
        return buffer.prefix(Int(max(length, 0))).map { UInt8(bitPattern: $0) }
    }

    /// Whether generation must stop at `token` (end of turn or end of text).
    public func isEndOfGeneration(_ token: LlamaToken) -> Bool { llama_vocab_is_eog(vocab, token) }

    /// The Jinja chat template stored in the GGUF, if any.
    public var chatTemplate: String? {
        llama_model_chat_template(model, nil).map { String(cString: $0) }
    }

    /// Formats `messages` with the model's own chat template (llama.cpp's template support),
    /// so no model's format is hand-coded here.
    public func applyChatTemplate(_ messages: [ChatMessage], addAssistantPrefix: Bool) throws(LlamaError) -> String {
        guard let template = llama_model_chat_template(model, nil) else { throw .noChatTemplate }
        // llama_chat_message holds borrowed C strings: keep copies alive for the whole call.
        let roles = messages.map { strdup($0.role) }
        let contents = messages.map { strdup($0.content) }
        defer { (roles + contents).forEach { free($0) } }
        let chat = zip(roles, contents).map { llama_chat_message(role: $0, content: $1) }
        var capacity = Int32(messages.reduce(256) { $0 + 2 * ($1.content.utf8.count + $1.role.utf8.count) })
        while true {
            var buffer = [CChar](repeating: 0, count: Int(capacity))
            let length = llama_chat_apply_template(template, chat, chat.count, addAssistantPrefix, &buffer, capacity)
            guard length >= 0 else { throw .templateFailed }
            if length <= capacity {
                return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            capacity = length
        }
    }
}

/// Process-wide llama.cpp set-up, done once before the first model loads.
public enum LlamaBackend {
    private static let once: Void = {
        if ProcessInfo.processInfo.environment["VOICE_ENGINE_LOG"] == nil {
            llama_log_set({ _, _, _ in }, nil)
        }
        llama_backend_init()
    }()

    public static func initialize() { _ = once }

    /// The CPU features ggml was built with and detects, as llama.cpp reports them.
    public static var systemInfo: String {
        initialize()
        return String(cString: llama_print_system_info())
    }
}

extension LlamaBackend {
    /// llama.cpp's build version and the ggml version both engines share.
    public static var versions: (llama: String, ggml: String) {
        (String(cString: llama_version()), String(cString: ggml_version()))
    }
}

extension String {
    /// Decodes a C buffer up to its first NUL.
    init(nulTerminated buffer: [CChar]) {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        self = String(decoding: bytes, as: UTF8.self)
    }
}
