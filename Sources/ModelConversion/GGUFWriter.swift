public import Foundation

/// Builds a GGUF v3 file: a header, metadata key/values, tensor descriptions, then tensor data.
///
/// Layout (all little-endian): `"GGUF"`, `u32` version, `i64` tensor count, `i64` key/value count; each
/// key/value as a string key, a `u32` value type and the value; each tensor as a string name, `u32` rank,
/// `i64` dimensions innermost first, `u32` ggml type and `u64` offset into the data section. The data section
/// starts at the next multiple of the alignment, and every tensor starts on one too. The alignment is 32
/// unless the metadata sets `general.alignment` (a `u32` power of two), exactly as ggml's reader decides it.
public struct GGUFWriter: Sendable {
    /// A metadata value; the cases are the GGUF value types this writer supports.
    public enum Value: Sendable, Equatable {
        case uint32(UInt32)
        case int32(Int32)
        case float32(Float)
        case bool(Bool)
        case string(String)
        case stringArray([String])
        case int32Array([Int32])
        case float32Array([Float])
    }

    /// ggml tensor types (values from `enum ggml_type`).
    public enum TensorType: UInt32, Sendable {
        case f32 = 0
        case f16 = 1

        /// Bytes per element.
        public var size: Int {
            switch self {
            case .f32: 4
            case .f16: 2
            }
        }
    }

    /// `"GGUF"` read as a little-endian `u32`.
    public static let magic: UInt32 = 0x4655_4747
    public static let version: UInt32 = 3
    public static let defaultAlignment = 32
    public static let alignmentKey = "general.alignment"
    /// ggml's `GGML_MAX_NAME` includes the terminating NUL.
    public static let maxTensorNameBytes = 63
    /// ggml's `GGML_MAX_DIMS`.
    public static let maxDimensions = 4

    private struct Tensor {
        let name: String
        let type: TensorType
        let shape: [Int]
        let data: Data
    }

    private var metadata: [(key: String, value: Value)] = []
    private var tensors: [Tensor] = []
    private var usedKeys: Set<String> = []
    private var usedTensorNames: Set<String> = []

    public init() {}

    /// The data alignment the file will use.
    public var alignment: Int {
        for (key, value) in metadata where key == Self.alignmentKey {
            if case .uint32(let alignment) = value { return Int(alignment) }
        }
        return Self.defaultAlignment
    }

    /// Adds a metadata key/value; keys are written in the order they are added and must be unique.
    public mutating func set(_ key: String, _ value: Value) throws {
        guard usedKeys.insert(key).inserted else {
            throw ModelConversionError.malformed("GGUF key \(key) set twice")
        }
        if key == Self.alignmentKey {
            // ggml rejects anything but a u32 power of two here, so catch it before writing a useless file.
            guard case .uint32(let alignment) = value, alignment > 0, alignment & (alignment - 1) == 0 else {
                throw ModelConversionError.malformed("\(Self.alignmentKey) must be a u32 power of two, got \(value)")
            }
        }
        metadata.append((key, value))
    }

    /// Adds a tensor. `shape` is in ggml order, innermost (contiguous) dimension first, i.e. the reverse of a
    /// PyTorch shape; `data` must hold exactly the tensor's little-endian bytes. A slice of a memory-mapped
    /// file is fine: it is only read while writing.
    public mutating func addTensor(_ name: String, type: TensorType, shape: [Int], data: Data) throws {
        guard !name.isEmpty, name.utf8.count <= Self.maxTensorNameBytes else {
            throw ModelConversionError.malformed(
                "GGUF tensor name \"\(name)\" must be 1...\(Self.maxTensorNameBytes) bytes")
        }
        guard (1...Self.maxDimensions).contains(shape.count), shape.allSatisfy({ $0 > 0 }) else {
            throw ModelConversionError.malformed("GGUF tensor \(name) has unsupported shape \(shape)")
        }
        let byteCount = shape.reduce(type.size, *)
        guard byteCount == data.count else {
            throw ModelConversionError.malformed(
                "GGUF tensor \(name) of shape \(shape) \(type) needs \(byteCount) bytes, got \(data.count)")
        }
        guard usedTensorNames.insert(name).inserted else {
            throw ModelConversionError.malformed("GGUF tensor \(name) added twice")
        }
        tensors.append(Tensor(name: name, type: type, shape: shape, data: data))
    }

    /// Writes the file next to `url` under a temporary name, then renames it into place, so readers never
    /// see a half-written model and a failed conversion leaves any previous file untouched.
    public func write(to url: URL) throws {
        let fileManager = FileManager.default
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).partial")
        guard fileManager.createFile(atPath: temporary.path, contents: nil) else {
            throw ModelConversionError.io("cannot create \(temporary.path)")
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            do {
                try writeContents(to: handle)
                try handle.synchronize()
                try handle.close()
            } catch {
                try? handle.close()
                throw error
            }
            // POSIX rename replaces atomically; FileManager.replaceItemAt is broken in Linux Foundation.
            guard rename(temporary.path, url.path) == 0 else {
                throw ModelConversionError.io("cannot rename into \(url.path): \(String(cString: strerror(errno)))")
            }
        } catch {
            try? fileManager.removeItem(at: temporary)
            if error is ModelConversionError { throw error }
            throw ModelConversionError.io("cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    private func writeContents(to handle: FileHandle) throws {
        let alignment = alignment
        var header = Data()
        header.appendLittleEndian(Self.magic)
        header.appendLittleEndian(Self.version)
        header.appendLittleEndian(Int64(tensors.count))
        header.appendLittleEndian(Int64(metadata.count))
        for (key, value) in metadata {
            header.appendGGUFString(key)
            header.appendGGUFValue(value)
        }
        var offset = 0
        for tensor in tensors {
            header.appendGGUFString(tensor.name)
            header.appendLittleEndian(UInt32(tensor.shape.count))
            for dimension in tensor.shape { header.appendLittleEndian(Int64(dimension)) }
            header.appendLittleEndian(tensor.type.rawValue)
            header.appendLittleEndian(UInt64(offset))
            offset += Self.padded(tensor.data.count, to: alignment)
        }
        header.append(Data(count: Self.padded(header.count, to: alignment) - header.count))
        try handle.write(contentsOf: header)

        // Header and tensor sizes are padded, so every write starts aligned; only padding is zero-filled.
        for tensor in tensors {
            try handle.write(contentsOf: tensor.data)
            let padding = Self.padded(tensor.data.count, to: alignment) - tensor.data.count
            if padding > 0 { try handle.write(contentsOf: Data(count: padding)) }
        }
    }

    static func padded(_ count: Int, to alignment: Int) -> Int {
        (count + alignment - 1) / alignment * alignment
    }
}

/// GGUF value type codes (`enum gguf_type`).
private enum GGUFValueType: UInt32 {
    case uint32 = 4
    case int32 = 5
    case float32 = 6
    case bool = 7
    case string = 8
    case array = 9
}

extension Data {
    fileprivate mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    /// A u64 byte count then the UTF-8 bytes, no terminator.
    fileprivate mutating func appendGGUFString(_ string: String) {
        var string = string
        string.withUTF8 { utf8 in
            appendLittleEndian(UInt64(utf8.count))
            append(utf8)
        }
    }

    /// Bulk-appends integers as little-endian bytes in one copy.
    fileprivate mutating func appendLittleEndian<T: FixedWidthInteger>(contentsOf values: [T]) {
        values.map(\.littleEndian).withUnsafeBytes { append(contentsOf: $0) }
    }

    fileprivate mutating func appendGGUFValue(_ value: GGUFWriter.Value) {
        switch value {
        case .uint32(let v):
            appendLittleEndian(GGUFValueType.uint32.rawValue)
            appendLittleEndian(v)
        case .int32(let v):
            appendLittleEndian(GGUFValueType.int32.rawValue)
            appendLittleEndian(v)
        case .float32(let v):
            appendLittleEndian(GGUFValueType.float32.rawValue)
            appendLittleEndian(v.bitPattern)
        case .bool(let v):
            appendLittleEndian(GGUFValueType.bool.rawValue)
            append(v ? 1 : 0)
        case .string(let v):
            appendLittleEndian(GGUFValueType.string.rawValue)
            appendGGUFString(v)
        case .stringArray(let values):
            appendArrayHeader(.string, count: values.count)
            for string in values { appendGGUFString(string) }
        case .int32Array(let values):
            appendArrayHeader(.int32, count: values.count)
            appendLittleEndian(contentsOf: values)
        case .float32Array(let values):
            appendArrayHeader(.float32, count: values.count)
            appendLittleEndian(contentsOf: values.map(\.bitPattern))
        }
    }

    private mutating func appendArrayHeader(_ elementType: GGUFValueType, count: Int) {
        appendLittleEndian(GGUFValueType.array.rawValue)
        appendLittleEndian(elementType.rawValue)
        appendLittleEndian(UInt64(count))
    }
}
