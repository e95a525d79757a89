import Foundation
@testable import ModelConversion
import Testing

/// Byte-level checks of the GGUF writer and safetensors reader, on synthetic files only.
@Suite struct GGUFWriterTests {
    /// A minimal GGUF reader, independent of the writer, enough to check what ggml's `gguf_init_from_file` checks.
    struct ParsedGGUF {
        struct TensorInfo: Equatable {
            let name: String
            let dims: [Int64]
            let type: UInt32
            let offset: UInt64
        }

        var version: UInt32 = 0
        var keys: [String] = []
        var values: [String: Any] = [:]
        var tensors: [TensorInfo] = []
        var dataStart = 0

        init(_ data: Data, alignment: Int) throws {
            var cursor = Cursor(data: data)
            #expect(try cursor.read(UInt32.self) == 0x4655_4747)
            version = try cursor.read(UInt32.self)
            let tensorCount = try cursor.read(Int64.self)
            let kvCount = try cursor.read(Int64.self)
            for _ in 0..<kvCount {
                let key = try cursor.string()
                keys.append(key)
                values[key] = try cursor.value(type: try cursor.read(UInt32.self))
            }
            for _ in 0..<tensorCount {
                let name = try cursor.string()
                let rank = try cursor.read(UInt32.self)
                let dims = try (0..<rank).map { _ in try cursor.read(Int64.self) }
                tensors.append(TensorInfo(name: name, dims: dims, type: try cursor.read(UInt32.self),
                                          offset: try cursor.read(UInt64.self)))
            }
            dataStart = (cursor.offset + alignment - 1) / alignment * alignment
        }
    }

    struct Cursor {
        struct Truncated: Error {}
        let data: Data
        var offset = 0

        mutating func bytes(_ count: Int) throws -> Data {
            guard count >= 0, offset + count <= data.count else { throw Truncated() }
            defer { offset += count }
            return data.subdata(in: offset..<offset + count)
        }

        mutating func read<T: FixedWidthInteger>(_: T.Type) throws -> T {
            T(littleEndian: try bytes(MemoryLayout<T>.size).withUnsafeBytes { $0.loadUnaligned(as: T.self) })
        }

        mutating func string() throws -> String {
            String(decoding: try bytes(Int(try read(UInt64.self))), as: UTF8.self)
        }

        mutating func value(type: UInt32) throws -> Any {
            switch type {
            case 4: return try read(UInt32.self)
            case 5: return try read(Int32.self)
            case 6: return Float(bitPattern: try read(UInt32.self))
            case 7: return try read(UInt8.self) != 0
            case 8: return try string()
            case 9:
                let elementType = try read(UInt32.self)
                return try (0..<read(UInt64.self)).map { _ in try value(type: elementType) }
            default: throw Truncated()
            }
        }
    }

    static func floats(_ values: [Float]) -> Data {
        values.map(\.bitPattern.littleEndian).withUnsafeBytes { Data($0) }
    }

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func writesHeaderMetadataAndAlignedTensors() throws {
        var writer = GGUFWriter()
        try writer.set("general.architecture", .string("bert"))
        try writer.set("test.u32", .uint32(7))
        try writer.set("test.i32", .int32(-3))
        try writer.set("test.f32", .float32(1.5))
        try writer.set("test.bool", .bool(true))
        try writer.set("test.strings", .stringArray(["▁a", "", "[CLS]"]))
        try writer.set("test.ints", .int32Array([1, 3, 5]))
        try writer.set("test.floats", .float32Array([0.25, -2]))
        let matrix = Self.floats((0..<6).map(Float.init))  // 3 columns, 2 rows
        let vector = Data([0x00, 0x3C, 0x00, 0xC0, 0x00, 0x00])  // f16 1, -2, 0
        try writer.addTensor("w.weight", type: .f32, shape: [3, 2], data: matrix)
        try writer.addTensor("b.bias", type: .f16, shape: [3], data: vector)

        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("tiny.gguf")
        try writer.write(to: url)
        let data = try Data(contentsOf: url)
        let parsed = try ParsedGGUF(data, alignment: 32)

        #expect(parsed.version == 3)
        #expect(parsed.keys == ["general.architecture", "test.u32", "test.i32", "test.f32", "test.bool",
                                "test.strings", "test.ints", "test.floats"])
        #expect(parsed.values["general.architecture"] as? String == "bert")
        #expect(parsed.values["test.u32"] as? UInt32 == 7)
        #expect(parsed.values["test.i32"] as? Int32 == -3)
        #expect(parsed.values["test.f32"] as? Float == 1.5)
        #expect(parsed.values["test.bool"] as? Bool == true)
        #expect(parsed.values["test.strings"] as? [String] == ["▁a", "", "[CLS]"])
        #expect(parsed.values["test.ints"] as? [Int32] == [1, 3, 5])
        #expect(parsed.values["test.floats"] as? [Float] == [0.25, -2])
        #expect(parsed.tensors == [
            .init(name: "w.weight", dims: [3, 2], type: 0, offset: 0),
            .init(name: "b.bias", dims: [3], type: 1, offset: 32),  // 24 bytes padded to 32
        ])
        #expect(parsed.dataStart % 32 == 0)
        #expect(data.count == parsed.dataStart + 64)
        #expect(data.subdata(in: parsed.dataStart..<parsed.dataStart + 24) == matrix)
        #expect(data.subdata(in: parsed.dataStart + 24..<parsed.dataStart + 32) == Data(count: 8))
        #expect(data.subdata(in: parsed.dataStart + 32..<parsed.dataStart + 38) == vector)
        // Only the finished file is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["tiny.gguf"])
    }

    @Test func honoursGeneralAlignmentAndReplacesExistingFile() throws {
        var writer = GGUFWriter()
        try writer.set(GGUFWriter.alignmentKey, .uint32(64))
        try writer.addTensor("a", type: .f32, shape: [1], data: Self.floats([1]))
        try writer.addTensor("b", type: .f32, shape: [1], data: Self.floats([2]))
        #expect(writer.alignment == 64)

        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("aligned.gguf")
        try Data("old".utf8).write(to: url)
        try writer.write(to: url)
        let data = try Data(contentsOf: url)
        let parsed = try ParsedGGUF(data, alignment: 64)
        #expect(parsed.values[GGUFWriter.alignmentKey] as? UInt32 == 64)
        #expect(parsed.tensors.map(\.offset) == [0, 64])
        #expect(parsed.dataStart % 64 == 0)
        #expect(data.count == parsed.dataStart + 128)
    }

    @Test func rejectsInvalidInput() throws {
        var writer = GGUFWriter()
        #expect(throws: ModelConversionError.self) { try writer.set(GGUFWriter.alignmentKey, .uint32(24)) }
        try writer.set("k", .bool(false))
        #expect(throws: ModelConversionError.self) { try writer.set("k", .bool(true)) }
        #expect(throws: ModelConversionError.self) {
            try writer.addTensor("short", type: .f32, shape: [2], data: Self.floats([1]))
        }
        #expect(throws: ModelConversionError.self) {
            try writer.addTensor(String(repeating: "x", count: 64), type: .f32, shape: [1], data: Self.floats([1]))
        }
        #expect(throws: ModelConversionError.self) {
            try writer.addTensor("rank5", type: .f32, shape: [1, 1, 1, 1, 1], data: Self.floats([1]))
        }
    }

    @Test func halfPrecisionRoundsLikeNumpy() {
        // Expected bits from numpy's float32 -> float16 cast (round half to even, subnormals, overflow).
        let cases: [(UInt32, UInt16)] = [
            (0, 0), (0x8000_0000, 0x8000), (841_731_191, 0), (3_003_177_305, 32769), (864_025_317, 1),
            (855_638_016, 0), (947_903_040, 1023), (947_912_704, 1024), (1_199_562_752, 31743),
            (1_199_566_845, 31743), (1_199_566_848, 31744), (1_343_554_297, 31744), (4_286_578_688, 64512),
            (2_139_095_040, 31744), (2_143_289_344, 32256), (1_051_372_203, 13653), (868_220_928, 2),
            (874_512_384, 2),
        ]
        for (input, expected) in cases {
            #expect(BertGGUFConverter.halfBits(input) == expected, "f32 bits \(input)")
        }
        #expect(BertGGUFConverter.halfPrecision(Self.floats([1, -2])) == Data([0x00, 0x3C, 0x00, 0xC0]))
    }

    /// Builds a safetensors file: u64 header length, JSON header, payload.
    static func safetensors(header: String, payload: Data) -> Data {
        var data = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(Data(header.utf8))
        data.append(payload)
        return data
    }

    @Test func parsesSafetensorsHeaderAndSlicesTensors() throws {
        let header = """
            {"__metadata__":{"format":"pt"},\
            "b":{"dtype":"F32","shape":[2],"data_offsets":[24,32]},\
            "a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},\
            "ids":{"dtype":"I64","shape":[1,1],"data_offsets":[32,40]}}
            """
        let payload = Self.floats((0..<8).map(Float.init)) + Data(repeating: 0, count: 8)
        let file = try SafetensorsFile(data: Self.safetensors(header: header, payload: payload))
        #expect(file.metadata == ["format": "pt"])
        #expect(Set(file.tensors.keys) == ["a", "b", "ids"])
        let a = try file.info("a")
        #expect(a.dtype == .f32 && a.shape == [2, 3] && a.elementCount == 6)
        #expect(try file.bytes(of: "a") == Self.floats([0, 1, 2, 3, 4, 5]))
        #expect(try file.bytes(of: "b") == Self.floats([6, 7]))
        #expect(try file.info("ids").dtype == .i64)
        #expect(throws: ModelConversionError.missingTensor("c")) { try file.info("c") }
    }

    @Test func rejectsTruncatedOrInconsistentSafetensors() {
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        let whole = Self.safetensors(header: header, payload: Self.floats([1, 2]))
        let broken: [Data] = [
            Data([1, 2, 3]),                                   // shorter than the length prefix
            whole.prefix(20),                                  // header cut off
            whole.prefix(whole.count - 1),                     // payload cut off
            Self.safetensors(header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#,
                             payload: Self.floats([1, 2])),    // shape disagrees with byte range
            Self.safetensors(header: #"{"a":{"dtype":"Q9","shape":[2],"data_offsets":[0,8]}}"#,
                             payload: Self.floats([1, 2])),    // unknown dtype
            Self.safetensors(header: "not json", payload: Data()),
        ]
        for data in broken {
            #expect(throws: ModelConversionError.self) { try SafetensorsFile(data: data) }
        }
    }

    /// Writes a one-layer BERT (hidden 4, 2 heads) with a sentence-transformers layout into `directory`.
    static func writeTinyBert(to directory: URL, extraTensors: [String] = []) throws {
        let config = """
            {"model_type":"bert","hidden_size":4,"num_hidden_layers":1,"num_attention_heads":2,\
            "intermediate_size":8,"max_position_embeddings":4,"layer_norm_eps":1e-12,"vocab_size":8,\
            "type_vocab_size":2}
            """
        try Data(config.utf8).write(to: directory.appendingPathComponent("config.json"))
        try Data("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n##lo\n".utf8)
            .write(to: directory.appendingPathComponent("vocab.txt"))
        let pooling = directory.appendingPathComponent("1_Pooling")
        try FileManager.default.createDirectory(at: pooling, withIntermediateDirectories: true)
        try Data(#"{"word_embedding_dimension":4,"pooling_mode_mean_tokens":true}"#.utf8)
            .write(to: pooling.appendingPathComponent("config.json"))

        var shapes: [(String, [Int])] = [
            ("embeddings.word_embeddings.weight", [8, 4]), ("embeddings.token_type_embeddings.weight", [2, 4]),
            ("embeddings.position_embeddings.weight", [4, 4]), ("embeddings.LayerNorm.weight", [4]),
            ("embeddings.LayerNorm.bias", [4]), ("pooler.dense.weight", [4, 4]),
        ]
        for (module, out, inputs) in [("attention.self.query", 4, 4), ("attention.self.key", 4, 4),
                                      ("attention.self.value", 4, 4), ("attention.output.dense", 4, 4),
                                      ("intermediate.dense", 8, 4), ("output.dense", 4, 8)] {
            shapes += [("encoder.layer.0.\(module).weight", [out, inputs]), ("encoder.layer.0.\(module).bias", [out])]
        }
        for norm in ["attention.output.LayerNorm", "output.LayerNorm"] {
            shapes += [("encoder.layer.0.\(norm).weight", [4]), ("encoder.layer.0.\(norm).bias", [4])]
        }
        shapes += extraTensors.map { ($0, [1]) }
        var entries: [String] = []
        var offset = 0
        for (name, shape) in shapes {
            let bytes = shape.reduce(4, *)
            let range = [offset, offset + bytes]
            entries.append(#""\#(name)":{"dtype":"F32","shape":\#(shape),"data_offsets":\#(range)}"#)
            offset += bytes
        }
        let payload = floats((0..<offset / 4).map { Float($0) / 100 })
        try safetensors(header: "{\(entries.joined(separator: ","))}", payload: payload)
            .write(to: directory.appendingPathComponent("model.safetensors"))
    }

    @Test func convertsTinyBertWithPhantomSpaceVocab() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.writeTinyBert(to: directory)
        let output = directory.appendingPathComponent("tiny.gguf")
        try BertGGUFConverter.convert(modelDirectory: directory, to: output, weightType: .f16)
        let parsed = try ParsedGGUF(try Data(contentsOf: output), alignment: 32)

        #expect(parsed.values["general.architecture"] as? String == "bert")
        #expect(parsed.values["bert.pooling_type"] as? UInt32 == 1)
        #expect(parsed.values["bert.attention.causal"] as? Bool == false)
        #expect(parsed.values["tokenizer.ggml.model"] as? String == "bert")
        #expect(parsed.values["tokenizer.ggml.tokens"] as? [String]
                == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "\u{2581}hello", "lo", "[PAD7]"])
        #expect(parsed.values["tokenizer.ggml.token_type"] as? [Int32] == [3, 3, 3, 3, 3, 1, 1, 5])
        #expect(parsed.values["tokenizer.ggml.bos_token_id"] as? UInt32 == 2)
        #expect(parsed.values["tokenizer.ggml.seperator_token_id"] as? UInt32 == 3)
        #expect(parsed.tensors.count == 21)  // 5 embedding tensors + 16 per layer; the pooler is dropped
        let byName = Dictionary(uniqueKeysWithValues: parsed.tensors.map { ($0.name, $0) })
        #expect(byName["token_embd.weight"]?.dims == [4, 8])
        #expect(byName["token_embd.weight"]?.type == 1)
        #expect(byName["position_embd.weight"]?.type == 0)
        #expect(byName["blk.0.ffn_down.weight"]?.dims == [8, 4])
        #expect(byName["blk.0.ffn_down.weight"]?.type == 1)
        #expect(byName["blk.0.layer_output_norm.bias"]?.type == 0)
    }

    @Test func refusesToDropUnknownTensors() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.writeTinyBert(to: directory, extraTensors: ["classifier.weight"])
        let output = directory.appendingPathComponent("tiny.gguf")
        #expect(throws: ModelConversionError.self) {
            try BertGGUFConverter.convert(modelDirectory: directory, to: output)
        }
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }
}
