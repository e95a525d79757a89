public import Foundation

/// Converts a Hugging Face / sentence-transformers BERT encoder (such as all-MiniLM-L6-v2) into a GGUF file
/// that llama.cpp loads as architecture `bert` with a WordPiece (`bert`) tokenizer.
///
/// It mirrors llama.cpp's `convert_hf_to_gguf.py` (`BertModel` in `conversion/bert.py`): the same metadata
/// keys, tensor names and "phantom space" vocabulary, without Python or PyTorch. Inputs, all in one directory:
/// `config.json`, `vocab.txt`, `model.safetensors` (fp32), and optionally `modules.json` plus the pooling
/// module's `config.json` (conventionally `1_Pooling/`), `special_tokens_map.json` and `tokenizer_config.json`.
///
/// A sentence-transformers `Normalize` module has no GGUF equivalent: llama.cpp returns the pooled vector
/// unnormalised, so callers L2-normalise it themselves.
public enum BertGGUFConverter {
    /// Converts the checkpoint in `modelDirectory` and atomically writes `output`.
    ///
    /// - Parameter weightType: storage for the matrix weights. `.f32` keeps the checkpoint bit-exact; `.f16`
    ///   halves the file like the Python converter's default. Norms, biases, and the position and token-type
    ///   embeddings stay f32 either way, as llama.cpp expects.
    public static func convert(modelDirectory: URL, to output: URL,
                               weightType: GGUFWriter.TensorType = .f32) throws {
        let config = try decodeJSON(BertConfig.self, at: modelDirectory.appendingPathComponent("config.json"))
        try config.validate()
        let safetensors = try SafetensorsFile(contentsOf: modelDirectory.appendingPathComponent("model.safetensors"))

        var writer = GGUFWriter()
        try writer.set("general.architecture", .string(arch))
        try writer.set("general.type", .string("model"))
        try writer.set("general.quantization_version", .uint32(2))
        // llama_ftype: ALL_F32 = 0, MOSTLY_F16 = 1.
        try writer.set("general.file_type", .uint32(weightType == .f16 ? 1 : 0))
        try writer.set("\(arch).context_length", .uint32(UInt32(config.maxPositionEmbeddings)))
        try writer.set("\(arch).embedding_length", .uint32(UInt32(config.hiddenSize)))
        try writer.set("\(arch).feed_forward_length", .uint32(UInt32(config.intermediateSize)))
        try writer.set("\(arch).block_count", .uint32(UInt32(config.numHiddenLayers)))
        try writer.set("\(arch).attention.head_count", .uint32(UInt32(config.numAttentionHeads)))
        try writer.set("\(arch).attention.layer_norm_epsilon", .float32(Float(config.layerNormEps)))
        try writer.set("\(arch).attention.causal", .bool(false))
        if let pooling = try poolingType(in: modelDirectory) {
            try writer.set("\(arch).pooling_type", .uint32(pooling))
        }
        try addTokenizer(to: &writer, modelDirectory: modelDirectory, config: config)
        try addTensors(to: &writer, from: safetensors, config: config, weightType: weightType)
        try writer.write(to: output)
    }

    private static let arch = "bert"

    // MARK: - Hyperparameters

    private struct BertConfig: Decodable {
        let hiddenSize: Int
        let numHiddenLayers: Int
        let numAttentionHeads: Int
        let intermediateSize: Int
        let maxPositionEmbeddings: Int
        let layerNormEps: Double
        let vocabSize: Int
        let typeVocabSize: Int?
        let modelType: String?
        let positionEmbeddingType: String?

        /// Token-type rows; llama.cpp refuses a BERT without a count, and HF's default is 2.
        var tokenTypeCount: Int { typeVocabSize ?? 2 }

        func validate() throws {
            if let modelType, modelType != "bert" {
                throw ModelConversionError.unsupported("model_type \(modelType) is not bert")
            }
            // llama.cpp's BERT graph only adds learned absolute positions.
            if let positionEmbeddingType, positionEmbeddingType != "absolute" {
                throw ModelConversionError.unsupported("position_embedding_type \(positionEmbeddingType)")
            }
            let sizes = [hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, maxPositionEmbeddings,
                         vocabSize, tokenTypeCount]
            guard sizes.allSatisfy({ $0 > 0 && $0 <= Int(UInt32.max) }), hiddenSize % numAttentionHeads == 0 else {
                throw ModelConversionError.malformed("config.json has impossible sizes \(sizes)")
            }
        }
    }

    /// Reads the sentence-transformers pooling module the way the Python converter does: its path comes from
    /// `modules.json`, falling back to the conventional `1_Pooling`. Returns the `llama_pooling_type` value,
    /// or nil when the checkpoint has no pooling module (llama.cpp then applies its own default).
    private static func poolingType(in directory: URL) throws -> UInt32? {
        struct Module: Decodable { let path: String; let type: String }
        struct Pooling: Decodable {
            let poolingModeMeanTokens: Bool?
            let poolingModeClsToken: Bool?
            let poolingModeLasttoken: Bool?
            let poolingMode: String?
        }
        let modulesURL = directory.appendingPathComponent("modules.json")
        let poolingPath: String
        if FileManager.default.fileExists(atPath: modulesURL.path) {
            let modules = try decodeJSON([Module].self, at: modulesURL)
            guard let module = modules.first(where: { $0.type.hasSuffix("Pooling") }) else { return nil }
            poolingPath = module.path
        } else {
            poolingPath = "1_Pooling"
        }
        let configURL = directory.appendingPathComponent(poolingPath).appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: configURL.path) else { return nil }
        let pooling = try decodeJSON(Pooling.self, at: configURL)
        // llama_pooling_type: MEAN = 1, CLS = 2, LAST = 3.
        if pooling.poolingModeMeanTokens == true { return 1 }
        if pooling.poolingModeClsToken == true { return 2 }
        if pooling.poolingModeLasttoken == true { return 3 }
        switch pooling.poolingMode {
        case "mean": return 1
        case "cls": return 2
        case "lasttoken": return 3
        default: throw ModelConversionError.unsupported("pooling in \(configURL.path): only mean, cls and last token")
        }
    }

    // MARK: - Tokenizer

    /// `llama_token_type` values.
    private enum TokenType: Int32 {
        case normal = 1
        case control = 3
        case unused = 5
    }

    private struct SpecialTokens: Decodable {
        var unkToken = Spelling("[UNK]")
        var sepToken = Spelling("[SEP]")
        var padToken = Spelling("[PAD]")
        var clsToken = Spelling("[CLS]")
        var maskToken = Spelling("[MASK]")

        /// A special token written either as a plain string or as an `AddedToken` object with `content`.
        struct Spelling: Decodable {
            let text: String
            init(_ text: String) { self.text = text }
            init(from decoder: any Decoder) throws {
                struct Added: Decodable { let content: String }
                let container = try decoder.singleValueContainer()
                text = try (try? container.decode(String.self)) ?? container.decode(Added.self).content
            }
        }

        private enum CodingKeys: String, CodingKey { case unkToken, sepToken, padToken, clsToken, maskToken }

        init() {}

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            func read(_ key: CodingKeys, _ fallback: Spelling) throws -> Spelling {
                try container.decodeIfPresent(Spelling.self, forKey: key) ?? fallback
            }
            unkToken = try read(.unkToken, unkToken)
            sepToken = try read(.sepToken, sepToken)
            padToken = try read(.padToken, padToken)
            clsToken = try read(.clsToken, clsToken)
            maskToken = try read(.maskToken, maskToken)
        }

        var all: [String] { [unkToken, sepToken, padToken, clsToken, maskToken].map(\.text) }
    }

    private struct TokenizerConfig: Decodable {
        let doLowerCase: Bool?
        let stripAccents: Bool?
    }

    private static func addTokenizer(to writer: inout GGUFWriter, modelDirectory: URL, config: BertConfig) throws {
        let vocabURL = modelDirectory.appendingPathComponent("vocab.txt")
        let text: String
        do {
            text = try String(contentsOf: vocabURL, encoding: .utf8)
        } catch {
            throw ModelConversionError.io("cannot read \(vocabURL.path): \(error.localizedDescription)")
        }
        var vocab = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.last == "\r" ? String(line.dropLast()) : String(line)
        }
        if vocab.last == "" { vocab.removeLast() }
        guard vocab.count <= config.vocabSize else {
            throw ModelConversionError.incompatible(
                "vocab.txt has \(vocab.count) tokens but config.json vocab_size is \(config.vocabSize)")
        }

        let specialsURL = modelDirectory.appendingPathComponent("special_tokens_map.json")
        let specials = FileManager.default.fileExists(atPath: specialsURL.path)
            ? try decodeJSON(SpecialTokens.self, at: specialsURL) : SpecialTokens()
        var ids: [String: Int] = [:]
        for (id, token) in vocab.enumerated() where ids[token] == nil { ids[token] = id }
        func id(of token: SpecialTokens.Spelling) throws -> UInt32 {
            guard let id = ids[token.text] else {
                throw ModelConversionError.incompatible("special token \(token.text) is not in vocab.txt")
            }
            return UInt32(id)
        }
        let control = Set(specials.all)

        // llama.cpp's WordPiece matcher prefixes every word with "▁" instead of marking continuations with
        // "##", so word-initial pieces gain the prefix and continuation pieces lose theirs. Control tokens are
        // matched verbatim. Rows the checkpoint has but vocab.txt lacks become unused placeholders.
        var tokens: [String] = []
        var types: [Int32] = []
        tokens.reserveCapacity(config.vocabSize)
        types.reserveCapacity(config.vocabSize)
        for token in vocab {
            if control.contains(token) {
                tokens.append(token)
                types.append(TokenType.control.rawValue)
            } else {
                tokens.append(token.hasPrefix("##") ? String(token.dropFirst(2)) : "\u{2581}" + token)
                types.append(TokenType.normal.rawValue)
            }
        }
        for id in vocab.count..<config.vocabSize {
            tokens.append("[PAD\(id)]")
            types.append(TokenType.unused.rawValue)
        }
        // llama.cpp asserts that token texts are unique while loading; fail here with a reason instead.
        guard Set(tokens).count == tokens.count else {
            throw ModelConversionError.malformed("vocab.txt has tokens that collide after the phantom-space rewrite")
        }

        let tokenizerConfigURL = modelDirectory.appendingPathComponent("tokenizer_config.json")
        let tokenizerConfig = FileManager.default.fileExists(atPath: tokenizerConfigURL.path)
            ? try decodeJSON(TokenizerConfig.self, at: tokenizerConfigURL) : nil

        try writer.set("tokenizer.ggml.token_type_count", .uint32(UInt32(config.tokenTypeCount)))
        try writer.set("tokenizer.ggml.model", .string("bert"))
        // llama.cpp ignores the pre-tokenizer name for WordPiece vocabularies; the Python converter derives
        // one from a hash of HF tokenizer output ("bert-bge" for MiniLM), which cannot be reproduced here.
        try writer.set("tokenizer.ggml.pre", .string("default"))
        try writer.set("tokenizer.ggml.tokens", .stringArray(tokens))
        try writer.set("tokenizer.ggml.token_type", .int32Array(types))
        // As the Python converter's SpecialVocab resolves them for a BERT "[CLS] A [SEP]" template: BOS is
        // [CLS], EOS is [SEP]. There is no cls_token_id key, and the separator key really is spelled "seperator".
        try writer.set("tokenizer.ggml.bos_token_id", .uint32(try id(of: specials.clsToken)))
        try writer.set("tokenizer.ggml.eos_token_id", .uint32(try id(of: specials.sepToken)))
        try writer.set("tokenizer.ggml.unknown_token_id", .uint32(try id(of: specials.unkToken)))
        try writer.set("tokenizer.ggml.seperator_token_id", .uint32(try id(of: specials.sepToken)))
        try writer.set("tokenizer.ggml.padding_token_id", .uint32(try id(of: specials.padToken)))
        try writer.set("tokenizer.ggml.mask_token_id", .uint32(try id(of: specials.maskToken)))
        try writer.set("tokenizer.ggml.add_bos_token", .bool(true))
        try writer.set("tokenizer.ggml.add_eos_token", .bool(true))
        try writer.set("tokenizer.ggml.add_sep_token", .bool(false))
        // HF BertTokenizer lowercases unless told otherwise; strip_accents unset means "follow lowercase",
        // which is also llama.cpp's default when the key is absent.
        try writer.set("tokenizer.ggml.normalizer.lowercase", .bool(tokenizerConfig?.doLowerCase ?? true))
        if let stripAccents = tokenizerConfig?.stripAccents {
            try writer.set("tokenizer.ggml.normalizer.strip_accents", .bool(stripAccents))
        }
    }

    // MARK: - Tensors

    /// Checkpoint tensors that llama.cpp's BERT embedding graph does not use.
    private static func isIgnored(_ name: String) -> Bool {
        name == "embeddings.position_ids" || name.hasPrefix("pooler.") || name.hasPrefix("cls.predictions")
            || name.hasPrefix("cls.seq_relationship")
    }

    /// The checkpoint name with the variations HF BERT checkpoints use folded away (as in `bert.py`).
    private static func canonicalName(_ name: String) -> String {
        var name = name.hasPrefix("bert.") ? String(name.dropFirst(5)) : name
        if name.hasSuffix(".gamma") { name = String(name.dropLast(6)) + ".weight" }
        if name.hasSuffix(".beta") { name = String(name.dropLast(5)) + ".bias" }
        return name
    }

    private static func addTensors(to writer: inout GGUFWriter, from file: SafetensorsFile, config: BertConfig,
                                   weightType: GGUFWriter.TensorType) throws {
        var byCanonicalName: [String: String] = [:]
        for name in file.tensors.keys { byCanonicalName[canonicalName(name)] = name }
        var used: Set<String> = []

        let hidden = config.hiddenSize
        /// Copies one tensor. `shape` is the PyTorch (outermost-first) shape the hyperparameters imply.
        func add(_ gguf: String, _ hf: String, _ shape: [Int], matrixWeight: Bool = false) throws {
            guard let name = byCanonicalName[hf] else { throw ModelConversionError.missingTensor(hf) }
            let info = try file.info(name)
            guard info.dtype == .f32 else {
                throw ModelConversionError.unsupported(
                    "tensor \(name) is \(info.dtype.rawValue); only F32 is converted")
            }
            guard info.shape == shape else {
                throw ModelConversionError.incompatible(
                    "tensor \(name) has shape \(info.shape), config implies \(shape)")
            }
            let bytes = try file.bytes(of: name)
            let halve = matrixWeight && weightType == .f16
            try writer.addTensor(gguf, type: halve ? .f16 : .f32, shape: shape.reversed(),
                                 data: halve ? halfPrecision(bytes) : bytes)
            used.insert(hf)
        }
        func addLinear(_ gguf: String, _ hf: String, out: Int, in inputs: Int) throws {
            try add("\(gguf).weight", "\(hf).weight", [out, inputs], matrixWeight: true)
            try add("\(gguf).bias", "\(hf).bias", [out])
        }
        func addNorm(_ gguf: String, _ hf: String) throws {
            try add("\(gguf).weight", "\(hf).weight", [hidden])
            try add("\(gguf).bias", "\(hf).bias", [hidden])
        }

        try add("token_embd.weight", "embeddings.word_embeddings.weight", [config.vocabSize, hidden],
                matrixWeight: true)
        try add("token_types.weight", "embeddings.token_type_embeddings.weight", [config.tokenTypeCount, hidden])
        try add("position_embd.weight", "embeddings.position_embeddings.weight", [config.maxPositionEmbeddings, hidden])
        try addNorm("token_embd_norm", "embeddings.LayerNorm")
        for layer in 0..<config.numHiddenLayers {
            let blk = "blk.\(layer)"
            let hf = "encoder.layer.\(layer)"
            try addLinear("\(blk).attn_q", "\(hf).attention.self.query", out: hidden, in: hidden)
            try addLinear("\(blk).attn_k", "\(hf).attention.self.key", out: hidden, in: hidden)
            try addLinear("\(blk).attn_v", "\(hf).attention.self.value", out: hidden, in: hidden)
            try addLinear("\(blk).attn_output", "\(hf).attention.output.dense", out: hidden, in: hidden)
            try addNorm("\(blk).attn_output_norm", "\(hf).attention.output.LayerNorm")
            try addLinear("\(blk).ffn_up", "\(hf).intermediate.dense", out: config.intermediateSize, in: hidden)
            try addLinear("\(blk).ffn_down", "\(hf).output.dense", out: hidden, in: config.intermediateSize)
            try addNorm("\(blk).layer_output_norm", "\(hf).output.LayerNorm")
        }

        // Dropping an unknown tensor (a classifier head, extra layers) would silently change the model.
        let leftovers = byCanonicalName.keys.filter { !used.contains($0) && !isIgnored($0) }.sorted()
        guard leftovers.isEmpty else {
            throw ModelConversionError.unsupported("tensors with no GGUF mapping: \(leftovers.joined(separator: ", "))")
        }
    }

    /// Little-endian f32 bytes to IEEE half precision, rounding to nearest even. Done on bit patterns because
    /// `Float16` is unavailable on x86_64 macOS.
    static func halfPrecision(_ f32: Data) -> Data {
        let count = f32.count / 4
        var out = Data(count: count * 2)
        f32.withUnsafeBytes { source in
            out.withUnsafeMutableBytes { destination in
                for i in 0..<count {
                    let bits = UInt32(littleEndian: source.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
                    destination.storeBytes(of: halfBits(bits).littleEndian, toByteOffset: i * 2, as: UInt16.self)
                }
            }
        }
        return out
    }

    static func halfBits(_ bits: UInt32) -> UInt16 {
        let sign = UInt16(truncatingIfNeeded: (bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF)
        let mantissa = bits & 0x7F_FFFF
        if exponent == 0xFF {  // Inf stays Inf; NaN stays a quiet NaN.
            return sign | 0x7C00 | (mantissa == 0 ? 0 : 0x0200)
        }
        let halfExponent = exponent - 127 + 15
        if halfExponent >= 0x1F { return sign | 0x7C00 }
        // Keep `shift` bits fewer of the 24-bit significand, rounding half to even; a carry out of the
        // mantissa correctly bumps the exponent (up to Inf).
        func rounded(_ value: UInt32, shift: UInt32) -> UInt32 {
            let kept = value >> shift
            let remainder = value & ((1 << shift) - 1)
            let half = UInt32(1) << (shift - 1)
            return remainder > half || (remainder == half && kept & 1 == 1) ? kept + 1 : kept
        }
        if halfExponent <= 0 {  // Subnormal in half precision, or zero.
            if halfExponent < -10 { return sign }
            return sign | UInt16(rounded(mantissa | 0x80_0000, shift: UInt32(14 - halfExponent)))
        }
        return sign | UInt16(rounded(UInt32(halfExponent) << 23 | mantissa, shift: 13))
    }

    // MARK: - JSON

    private static func decodeJSON<T: Decodable>(_ type: T.Type, at url: URL) throws -> T {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ModelConversionError.io("cannot read \(url.path): \(error.localizedDescription)")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(type, from: data)
        } catch {
            throw ModelConversionError.malformed("\(url.lastPathComponent): \(error)")
        }
    }
}
