import Foundation
import Testing
import ModelConversion

@Suite("CTranslate2 model.bin reader")
struct CTranslate2ModelTests {
    /// Little-endian writer for synthetic `model.bin` files in CTranslate2's layout.
    private struct ModelFileBuilder {
        var data = Data()

        mutating func integer<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
        }

        /// CTranslate2 writes strings NUL-terminated and counts the terminator in the length.
        mutating func string(_ value: String) {
            let bytes = Array(value.utf8) + [0]
            integer(UInt16(bytes.count))
            data.append(contentsOf: bytes)
        }

        mutating func variable(_ name: String, shape: [UInt32], typeID: UInt8, bytes: [UInt8]) {
            string(name)
            integer(UInt8(shape.count))
            shape.forEach { integer($0) }
            integer(typeID)
            integer(UInt32(bytes.count))
            data.append(contentsOf: bytes)
        }
    }

    private static let weightBytes: [UInt8] = Array(0..<12) // 2x3 float16
    private static let biasValues: [Float] = [1.5, -2.25]

    /// A three-variable WhisperSpec file with one alias, optionally with a different version.
    private static func sampleFile(version: UInt32 = 6) -> Data {
        var builder = ModelFileBuilder()
        builder.integer(version)
        builder.string("WhisperSpec")
        builder.integer(UInt32(3))
        builder.integer(UInt32(3))
        builder.variable("decoder/embeddings/weight", shape: [2, 3], typeID: 4, bytes: weightBytes)
        builder.variable("decoder/layer_0/ffn/linear_0/bias", shape: [2], typeID: 0,
                         bytes: biasValues.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } })
        builder.variable("decoder/num_heads", shape: [], typeID: 2, bytes: [6, 0])
        builder.integer(UInt32(1))
        builder.string("decoder/projection/weight")
        builder.string("decoder/embeddings/weight")
        return builder.data
    }

    @Test("parses the header, names without their NUL, shapes, data types and bytes")
    func parsesVariables() throws {
        let model = try CTranslate2Model(data: Self.sampleFile())

        #expect(model.specName == "WhisperSpec")
        #expect(model.specRevision == 3)
        #expect(Set(model.variables.keys) == ["decoder/embeddings/weight", "decoder/layer_0/ffn/linear_0/bias", "decoder/num_heads"])

        let weight = try model.variable(named: "decoder/embeddings/weight")
        #expect(weight.shape == [2, 3])
        #expect(weight.dataType == .float16)
        #expect(weight.elementCount == 6)
        #expect(Array(weight.data) == Self.weightBytes)

        let bias = try model.variable(named: "decoder/layer_0/ffn/linear_0/bias")
        #expect(bias.dataType == .float32)
        let values = bias.data.withUnsafeBytes { raw in
            (0..<2).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
        #expect(values == Self.biasValues)

        let heads = try model.variable(named: "decoder/num_heads")
        #expect(heads.shape.isEmpty)
        #expect(heads.dataType == .int16)
        #expect(heads.elementCount == 1)
    }

    @Test("resolves an alias to the variable it names")
    func resolvesAliases() throws {
        let model = try CTranslate2Model(data: Self.sampleFile())

        #expect(model.aliases == ["decoder/projection/weight": "decoder/embeddings/weight"])
        let projection = try model.variable(named: "decoder/projection/weight")
        #expect(projection.name == "decoder/embeddings/weight")
        #expect(Array(projection.data) == Self.weightBytes)
    }

    @Test("reports an unknown variable as a missing tensor")
    func unknownVariableIsMissing() throws {
        let model = try CTranslate2Model(data: Self.sampleFile())

        #expect(throws: ModelConversionError.missingTensor("encoder/conv1/weight")) {
            try model.variable(named: "encoder/conv1/weight")
        }
    }

    @Test("reads a model from a file on disk")
    func readsFromFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ct2-\(UUID().uuidString).bin")
        try Self.sampleFile().write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }

        let model = try CTranslate2Model(contentsOf: url)
        #expect(model.variables.count == 3)
    }

    @Test("throws a conversion error, never traps, for a file cut off at any byte")
    func truncatedFilesThrow() {
        let file = Self.sampleFile()
        for length in 0..<file.count {
            #expect(throws: ModelConversionError.self, "cut at \(length) of \(file.count) bytes") {
                try CTranslate2Model(data: file.prefix(length))
            }
        }
    }

    @Test("rejects bytes after the alias table")
    func trailingBytesAreMalformed() {
        #expect(throws: ModelConversionError.malformed("2 unexpected bytes after the alias table")) {
            try CTranslate2Model(data: Self.sampleFile() + [0, 0])
        }
    }

    @Test("rejects a format version other than 6")
    func otherVersionsAreUnsupported() {
        #expect(throws: ModelConversionError.unsupported("CTranslate2 format version 5, expected 6")) {
            try CTranslate2Model(data: Self.sampleFile(version: 5))
        }
    }

    @Test("rejects a byte count that does not match the shape")
    func inconsistentByteCountIsMalformed() {
        var builder = ModelFileBuilder()
        builder.integer(UInt32(6))
        builder.string("WhisperSpec")
        builder.integer(UInt32(3))
        builder.integer(UInt32(1))
        builder.variable("encoder/conv1/bias", shape: [4], typeID: 4, bytes: [0, 0, 0, 0])
        builder.integer(UInt32(0))

        #expect(throws: ModelConversionError.malformed("variable 'encoder/conv1/bias' of shape [4] holds 4 bytes of float16")) {
            try CTranslate2Model(data: builder.data)
        }
    }

    @Test("fails with an I/O error and leaves no output when the source model is missing")
    func missingSourceLeavesNoOutput() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ct2-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("ggml-model.bin")

        #expect(throws: ModelConversionError.self) {
            try WhisperGGMLConverter.convert(ctranslate2ModelAt: directory.appendingPathComponent("model.bin"),
                                             templateAt: directory.appendingPathComponent("template.bin"), to: output)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }
}
