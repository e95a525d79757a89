public import Foundation

/// Converts a CTranslate2 Whisper model (`WhisperSpec`, as published for faster-whisper) into the
/// legacy ggml file whisper.cpp loads.
///
/// A CTranslate2 model holds only weights, so the rest of the ggml file (hyperparameters, the mel
/// filterbank and the vocabulary) comes from a weightless template of the same architecture, such
/// as whisper.cpp's `models/for-tests-ggml-tiny.en.bin` or `for-tests-ggml-base.bin`.
///
/// Tensor names, shapes and types follow whisper.cpp's `models/convert-h5-to-ggml.py` and the
/// loader in `whisper_model_load`: matrices and convolution kernels are float16; biases, layer
/// norms and positional embeddings are float32; dimensions are written innermost first.
public enum WhisperGGMLConverter {
    /// Converts the `model.bin` at `ctranslate2ModelAt`, taking the header, filters and vocabulary
    /// from the ggml file at `templateAt`, and writes the result to `output`.
    ///
    /// The file is written under a temporary name next to `output` and renamed into place, so
    /// `output` is either absent, the previous file, or complete.
    public static func convert(ctranslate2ModelAt source: URL, templateAt template: URL, to output: URL)
        throws(ModelConversionError) {
        let model = try CTranslate2Model(contentsOf: source)
        guard model.specName == "WhisperSpec" else {
            throw .unsupported("CTranslate2 spec '\(model.specName)' is not WhisperSpec")
        }
        let header = try GGMLWhisperHeader(data: readFile(template))
        let tensors = try plan(model, header.hyperparameters)
        try writeAtomically(to: output) { (writer: inout ChunkedWriter) throws(ModelConversionError) in
            try writer.write(header.bytes)
            for tensor in tensors {
                try tensor.write(to: &writer)
            }
        }
    }

    // MARK: - Mapping

    /// Lists every tensor whisper.cpp expects, checking each source shape against the template's
    /// hyperparameters so that a model/template mismatch fails here rather than inside whisper.cpp.
    private static func plan(_ model: CTranslate2Model, _ hp: WhisperHyperparameters)
        throws(ModelConversionError) -> [PlannedTensor] {
        guard hp.audioState == hp.textState else {
            throw .unsupported("template has audio state \(hp.audioState) but text state \(hp.textState)")
        }
        let d = hp.audioState
        for (stack, layers, heads) in [("encoder", hp.audioLayers, hp.audioHeads), ("decoder", hp.textLayers, hp.textHeads)] {
            let stored = layerCount(in: model, stack: stack)
            guard stored == layers else {
                throw .incompatible("the model has \(stored) \(stack) layers, the template \(layers)")
            }
            // Heads do not show in any shape, so a wrong count would load fine and decode garbage.
            if let variable = model.variables["\(stack)/num_heads"], variable.dataType == .int16, variable.shape.isEmpty {
                let stored = variable.data.withUnsafeBytes { Int(Int16(littleEndian: $0.loadUnaligned(as: Int16.self))) }
                guard stored == heads else {
                    throw .incompatible("the model has \(stored) \(stack) attention heads, the template \(heads)")
                }
            }
        }

        var plan = Planner(model: model)
        try plan.add("encoder.positional_embedding", "encoder/position_encodings/encodings", [hp.audioContext, d], .f32)
        try plan.add("encoder.conv1.weight", "encoder/conv1/weight", [d, hp.mels, 3], .f16)
        try plan.add("encoder.conv1.bias", "encoder/conv1/bias", [d], .f32, reshapedTo: [d, 1])
        try plan.add("encoder.conv2.weight", "encoder/conv2/weight", [d, d, 3], .f16)
        try plan.add("encoder.conv2.bias", "encoder/conv2/bias", [d], .f32, reshapedTo: [d, 1])
        try plan.addLayerNorm("encoder.ln_post", "encoder/layer_norm", d)
        for layer in 0..<hp.audioLayers {
            let source = "encoder/layer_\(layer)", target = "encoder.blocks.\(layer)"
            try plan.addSelfAttention(target, source, d)
            try plan.addFeedForward(target, source, d)
        }

        try plan.add("decoder.positional_embedding", "decoder/position_encodings/encodings", [hp.textContext, d], .f32)
        // whisper.cpp reuses the token embedding as the output projection, as CTranslate2 does
        // through its `decoder/projection/weight` alias, so the projection is not written.
        try plan.add("decoder.token_embedding.weight", "decoder/embeddings/weight", [hp.vocabulary, d], .f16)
        try plan.addLayerNorm("decoder.ln", "decoder/layer_norm", d)
        for layer in 0..<hp.textLayers {
            let source = "decoder/layer_\(layer)", target = "decoder.blocks.\(layer)"
            try plan.addSelfAttention(target, source, d)
            // Cross-attention: `linear_0` is the query, `linear_1` fuses key and value, `linear_2` is the output.
            try plan.addLinear("\(target).cross_attn.query", "\(source)/attention/linear_0", d, d)
            try plan.add("\(target).cross_attn.key.weight", "\(source)/attention/linear_1/weight", [2 * d, d], .f16, rows: 0..<d)
            try plan.add("\(target).cross_attn.value.weight", "\(source)/attention/linear_1/weight", [2 * d, d], .f16, rows: d..<2 * d)
            // Whisper's key projections have no bias; the fused bias holds zeros in the key's place.
            try plan.add("\(target).cross_attn.value.bias", "\(source)/attention/linear_1/bias", [2 * d], .f32, rows: d..<2 * d)
            try plan.addLinear("\(target).cross_attn.out", "\(source)/attention/linear_2", d, d)
            try plan.addLayerNorm("\(target).cross_attn_ln", "\(source)/attention/layer_norm", d)
            try plan.addFeedForward(target, source, d)
        }
        return plan.tensors
    }

    /// The number of `stack/layer_N/` blocks in the model.
    private static func layerCount(in model: CTranslate2Model, stack: String) -> Int {
        let prefix = "\(stack)/layer_"
        let indices = model.variables.keys.compactMap { name -> Int? in
            guard name.hasPrefix(prefix) else { return nil }
            return Int(name.dropFirst(prefix.count).prefix { $0 != "/" })
        }
        return (indices.max() ?? -1) + 1
    }

    /// Collects the tensors to write, resolving and checking each source variable.
    private struct Planner {
        let model: CTranslate2Model
        var tensors: [PlannedTensor] = []

        /// Adds `source` (whose shape must be `shape`) as `name`, keeping only `rows` of its outermost
        /// dimension when given, and reshaping the kept part to `reshapedTo` when given.
        mutating func add(_ name: String, _ source: String, _ shape: [Int], _ type: GGMLType,
                          rows: Range<Int>? = nil, reshapedTo reshaped: [Int]? = nil) throws(ModelConversionError) {
            let variable = try model.variable(named: source)
            guard variable.shape == shape else {
                throw .incompatible("'\(source)' has shape \(variable.shape), the template implies \(shape)")
            }
            guard variable.dataType == .float16 || variable.dataType == .float32 else {
                throw .unsupported("'\(source)' is \(variable.dataType); only float16 and float32 models convert")
            }
            let rows = rows ?? 0..<shape[0]
            let rowBytes = variable.data.count / shape[0]
            let start = variable.data.startIndex + rows.lowerBound * rowBytes
            let kept = [rows.count] + shape.dropFirst()
            tensors.append(PlannedTensor(name: name, shape: reshaped ?? kept, type: type, sourceType: variable.dataType,
                                         bytes: variable.data[start..<start + rows.count * rowBytes]))
        }

        mutating func addLinear(_ name: String, _ source: String, _ outputs: Int, _ inputs: Int) throws(ModelConversionError) {
            try add("\(name).weight", "\(source)/weight", [outputs, inputs], .f16)
            try add("\(name).bias", "\(source)/bias", [outputs], .f32)
        }

        mutating func addLayerNorm(_ name: String, _ source: String, _ d: Int) throws(ModelConversionError) {
            try add("\(name).weight", "\(source)/gamma", [d], .f32)
            try add("\(name).bias", "\(source)/beta", [d], .f32)
        }

        /// Splits CTranslate2's fused query/key/value projection (`linear_0`, rows in that order) and
        /// maps the output projection (`linear_1`) and the pre-attention layer norm.
        mutating func addSelfAttention(_ target: String, _ source: String, _ d: Int) throws(ModelConversionError) {
            let fused = "\(source)/self_attention/linear_0"
            try add("\(target).attn.query.weight", "\(fused)/weight", [3 * d, d], .f16, rows: 0..<d)
            try add("\(target).attn.key.weight", "\(fused)/weight", [3 * d, d], .f16, rows: d..<2 * d)
            try add("\(target).attn.value.weight", "\(fused)/weight", [3 * d, d], .f16, rows: 2 * d..<3 * d)
            try add("\(target).attn.query.bias", "\(fused)/bias", [3 * d], .f32, rows: 0..<d)
            try add("\(target).attn.value.bias", "\(fused)/bias", [3 * d], .f32, rows: 2 * d..<3 * d)
            try addLinear("\(target).attn.out", "\(source)/self_attention/linear_1", d, d)
            try addLayerNorm("\(target).attn_ln", "\(source)/self_attention/layer_norm", d)
        }

        mutating func addFeedForward(_ target: String, _ source: String, _ d: Int) throws(ModelConversionError) {
            try addLinear("\(target).mlp.0", "\(source)/ffn/linear_0", 4 * d, d)
            try addLinear("\(target).mlp.2", "\(source)/ffn/linear_1", d, 4 * d)
            try addLayerNorm("\(target).mlp_ln", "\(source)/ffn/layer_norm", d)
        }
    }

    // MARK: - Writing

    /// ggml's element type codes as stored in a tensor header.
    private enum GGMLType: Int32 {
        case f32 = 0
        case f16 = 1
    }

    /// One output tensor: its ggml name and type, its shape outermost first, and the source bytes.
    private struct PlannedTensor {
        let name: String
        let shape: [Int]
        let type: GGMLType
        let sourceType: CTranslate2Model.DataType
        let bytes: Data

        /// Writes the tensor header (rank, name length, type, dimensions innermost first, name) and
        /// the data, converting the element type only where source and target differ.
        func write(to writer: inout ChunkedWriter) throws(ModelConversionError) {
            var header = Data()
            let nameBytes = Data(name.utf8)
            for value in [Int32(shape.count), Int32(nameBytes.count), type.rawValue] + shape.reversed().map({ Int32($0) }) {
                withUnsafeBytes(of: value.littleEndian) { header.append(contentsOf: $0) }
            }
            header.append(nameBytes)
            try writer.write(header)

            switch (sourceType, type) {
            case (.float16, .f32):
                try writer.write(Self.widen(bytes))
            case (.float32, .f16):
                try writer.write(Self.narrow(bytes))
            default:
                // Same element type on both sides (the planner admits only float16 and float32).
                try writer.write(bytes)
            }
        }

        private static func widen(_ bytes: Data) -> Data {
            bytes.withUnsafeBytes { source in
                let count = source.count / 2
                let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                    for index in 0..<count {
                        let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * index, as: UInt16.self))
                        buffer[index] = Float(Float16(bitPattern: bits))
                    }
                    initialized = count
                }
                return values.withUnsafeBytes { Data($0) }
            }
        }

        private static func narrow(_ bytes: Data) -> Data {
            bytes.withUnsafeBytes { source in
                let count = source.count / 4
                let values = [UInt16](unsafeUninitializedCapacity: count) { buffer, initialized in
                    for index in 0..<count {
                        let bits = UInt32(littleEndian: source.loadUnaligned(fromByteOffset: 4 * index, as: UInt32.self))
                        buffer[index] = Float16(Float(bitPattern: bits)).bitPattern.littleEndian
                    }
                    initialized = count
                }
                return values.withUnsafeBytes { Data($0) }
            }
        }
    }

    /// Writes through a temporary file in `output`'s directory and renames it over `output` once
    /// `body` has finished, removing the temporary file if anything fails.
    private static func writeAtomically(to output: URL, _ body: (inout ChunkedWriter) throws(ModelConversionError) -> Void)
        throws(ModelConversionError) {
        let directory = output.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(output.lastPathComponent).\(UUID().uuidString).partial")
        do throws(ModelConversionError) {
            do {
                guard FileManager.default.createFile(atPath: temporary.path, contents: nil),
                      let handle = FileHandle(forWritingAtPath: temporary.path) else {
                    throw .io("cannot create \(temporary.path)")
                }
                defer { try? handle.close() }
                var writer = ChunkedWriter(handle: handle, path: temporary.path)
                try body(&writer)
                try writer.finish()
            }
            // rename(2) replaces an existing file atomically; FileManager's replaceItemAt fails on
            // Linux when there is nothing to replace yet.
            guard rename(temporary.path, output.path) == 0 else {
                throw .io("cannot move the converted model to \(output.path): \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    private static func readFile(_ url: URL) throws(ModelConversionError) -> Data {
        do {
            return try Data(contentsOf: url)
        } catch {
            throw .io("cannot read \(url.path): \(error.localizedDescription)")
        }
    }
}

/// Gathers small writes (tensor headers, the template) into one buffer and hands large payloads
/// straight to the file, so that a conversion issues a few hundred large writes, not thousands.
private struct ChunkedWriter {
    private static let chunkSize = 4 << 20

    let handle: FileHandle
    let path: String
    private var buffer = Data()

    init(handle: FileHandle, path: String) {
        self.handle = handle
        self.path = path
        buffer.reserveCapacity(Self.chunkSize)
    }

    mutating func write(_ bytes: Data) throws(ModelConversionError) {
        if buffer.count + bytes.count > Self.chunkSize {
            try flush()
        }
        if bytes.count >= Self.chunkSize {
            try put(bytes)
        } else {
            buffer.append(bytes)
        }
    }

    /// Flushes the buffer and forces the data to disk, so the rename that follows never exposes a
    /// file whose contents a crash could still lose.
    mutating func finish() throws(ModelConversionError) {
        try flush()
        do {
            try handle.synchronize()
        } catch {
            throw .io("cannot sync \(path): \(error.localizedDescription)")
        }
    }

    private mutating func flush() throws(ModelConversionError) {
        guard !buffer.isEmpty else { return }
        try put(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    private func put(_ bytes: Data) throws(ModelConversionError) {
        do {
            try handle.write(contentsOf: bytes)
        } catch {
            throw .io("cannot write \(path): \(error.localizedDescription)")
        }
    }
}

/// whisper.cpp's model hyperparameters, in the order its file header stores them.
private struct WhisperHyperparameters {
    let vocabulary: Int
    let audioContext: Int
    let audioState: Int
    let audioHeads: Int
    let audioLayers: Int
    let textContext: Int
    let textState: Int
    let textHeads: Int
    let textLayers: Int
    let mels: Int
}

/// The tensor-free start of a legacy whisper.cpp ggml file: magic, hyperparameters, mel
/// filterbank and vocabulary.
private struct GGMLWhisperHeader {
    private static let magic: UInt32 = 0x6767_6d6c // "ggml"
    /// ggml's `GGML_FTYPE_MOSTLY_F16`: the large matrices are float16, as this converter writes them.
    private static let mostlyF16: Int32 = 1

    let hyperparameters: WhisperHyperparameters
    /// The header bytes to copy into the output, with the file type set to ``mostlyF16``.
    let bytes: Data

    /// Parses the header of `data`; anything after the vocabulary (test files may carry tensors) is ignored.
    init(data: Data) throws(ModelConversionError) {
        var reader = ByteReader(data)
        guard try reader.read(UInt32.self, "the ggml magic") == Self.magic else {
            throw .malformed("the template is not a whisper.cpp ggml file (bad magic)")
        }
        var fields: [Int] = []
        for name in ["n_vocab", "n_audio_ctx", "n_audio_state", "n_audio_head", "n_audio_layer",
                     "n_text_ctx", "n_text_state", "n_text_head", "n_text_layer", "n_mels"] {
            let value = try reader.read(Int32.self, "the template's \(name)")
            guard value > 0 else { throw .malformed("the template's \(name) is \(value)") }
            fields.append(Int(value))
        }
        let fileTypeOffset = reader.offset
        _ = try reader.read(Int32.self, "the template's ftype")
        hyperparameters = WhisperHyperparameters(
            vocabulary: fields[0], audioContext: fields[1], audioState: fields[2], audioHeads: fields[3],
            audioLayers: fields[4], textContext: fields[5], textState: fields[6], textHeads: fields[7],
            textLayers: fields[8], mels: fields[9])

        let filterMels = try reader.read(Int32.self, "the filterbank's mel count")
        let filterBins = try reader.read(Int32.self, "the filterbank's bin count")
        guard filterMels == hyperparameters.mels, filterBins > 0 else {
            throw .malformed("the template's filterbank is \(filterMels)x\(filterBins) for \(hyperparameters.mels) mels")
        }
        _ = try reader.readBytes(Int(filterMels) * Int(filterBins) * 4, "the template's filterbank")
        let tokenCount = try reader.read(Int32.self, "the template's vocabulary size")
        guard tokenCount >= 0 else { throw .malformed("the template's vocabulary size is \(tokenCount)") }
        for index in 0..<tokenCount {
            let length = try reader.read(UInt32.self, "the length of token \(index)")
            _ = try reader.readBytes(Int(length), "token \(index)")
        }

        var bytes = Data(data.prefix(reader.offset))
        withUnsafeBytes(of: Self.mostlyF16.littleEndian) {
            bytes.replaceSubrange(fileTypeOffset..<fileTypeOffset + 4, with: $0)
        }
        self.bytes = bytes
    }
}
