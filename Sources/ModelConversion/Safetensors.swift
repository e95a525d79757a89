public import Foundation

/// A read-only view of a `.safetensors` file.
///
/// The format is an unsigned 64-bit little-endian header length, a JSON header mapping each tensor name to
/// `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets relative to the end of the header) plus an
/// optional `__metadata__` string map, then the raw tensor bytes. The file is memory-mapped, so opening a
/// multi-gigabyte checkpoint costs nothing until a tensor's bytes are actually touched.
public struct SafetensorsFile: Sendable {
    /// Element types defined by the safetensors specification.
    public enum DType: String, Sendable, CaseIterable {
        case bool = "BOOL"
        case u8 = "U8", i8 = "I8"
        case f8e4m3 = "F8_E4M3", f8e5m2 = "F8_E5M2"
        case u16 = "U16", i16 = "I16", f16 = "F16", bf16 = "BF16"
        case u32 = "U32", i32 = "I32", f32 = "F32"
        case u64 = "U64", i64 = "I64", f64 = "F64"

        /// Bytes per element.
        public var size: Int {
            switch self {
            case .bool, .u8, .i8, .f8e4m3, .f8e5m2: 1
            case .u16, .i16, .f16, .bf16: 2
            case .u32, .i32, .f32: 4
            case .u64, .i64, .f64: 8
            }
        }
    }

    /// Where one tensor lives in the file.
    public struct TensorInfo: Sendable, Equatable {
        public let name: String
        public let dtype: DType
        /// Outermost dimension first, as PyTorch writes it.
        public let shape: [Int]
        /// Byte range within the whole file (header already accounted for).
        public let byteRange: Range<Int>

        public var elementCount: Int { shape.reduce(1, *) }
    }

    /// The free-form `__metadata__` map (e.g. `"format": "pt"`).
    public let metadata: [String: String]
    /// Every tensor, keyed by name.
    public let tensors: [String: TensorInfo]
    private let storage: Data

    /// Memory-maps and parses `url`.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw ModelConversionError.io("cannot read \(url.path): \(error.localizedDescription)")
        }
        try self.init(data: data, source: url.lastPathComponent)
    }

    /// Parses safetensors bytes already in memory; `source` only names the data in error messages.
    public init(data: Data, source: String = "safetensors data") throws {
        // Rebase so offsets are zero-based whatever slice the caller passed in.
        let data = data.startIndex == 0 ? data : Data(data)
        guard data.count >= 8 else {
            throw ModelConversionError.malformed("\(source): \(data.count) bytes is too short for a safetensors header")
        }
        let headerLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(data.count - 8) else {
            throw ModelConversionError.malformed(
                "\(source): header claims \(headerLength) bytes but only \(data.count - 8) follow")
        }
        let dataStart = 8 + Int(headerLength)
        let header: [String: HeaderEntry]
        do {
            header = try JSONDecoder().decode([String: HeaderEntry].self, from: data[8..<dataStart])
        } catch {
            throw ModelConversionError.malformed("\(source): header is not valid safetensors JSON: \(error)")
        }

        var metadata: [String: String] = [:]
        var tensors: [String: TensorInfo] = [:]
        let payloadSize = data.count - dataStart
        for (name, entry) in header {
            switch entry {
            case .metadata(let map):
                guard name == "__metadata__" else {
                    throw ModelConversionError.malformed("\(source): entry \(name) has no dtype")
                }
                metadata = map
            case .tensor(let dtypeName, let shape, let offsets):
                guard let dtype = DType(rawValue: dtypeName) else {
                    throw ModelConversionError.unsupported("\(source): tensor \(name) has unknown dtype \(dtypeName)")
                }
                guard offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= payloadSize else {
                    throw ModelConversionError.malformed(
                        "\(source): tensor \(name) has data_offsets \(offsets) outside the \(payloadSize)-byte payload")
                }
                guard shape.allSatisfy({ $0 >= 0 }),
                      let bytes = Self.byteCount(shape: shape, elementSize: dtype.size),
                      bytes == offsets[1] - offsets[0] else {
                    throw ModelConversionError.malformed("\(source): tensor \(name) of shape \(shape) \(dtypeName) "
                        + "does not fill \(offsets[1] - offsets[0]) bytes")
                }
                tensors[name] = TensorInfo(name: name, dtype: dtype, shape: shape,
                                           byteRange: (dataStart + offsets[0])..<(dataStart + offsets[1]))
            }
        }
        self.metadata = metadata
        self.tensors = tensors
        self.storage = data
    }

    /// The named tensor's description, or `missingTensor`.
    public func info(_ name: String) throws -> TensorInfo {
        guard let info = tensors[name] else { throw ModelConversionError.missingTensor(name) }
        return info
    }

    /// The named tensor's raw little-endian bytes. The result shares the mapped file; it copies nothing.
    public func bytes(of name: String) throws -> Data {
        storage[try info(name).byteRange]
    }

    /// Product of the dimensions times the element size, or nil if that overflows.
    private static func byteCount(shape: [Int], elementSize: Int) -> Int? {
        var total = elementSize
        for dimension in shape {
            let (product, overflow) = total.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            total = product
        }
        return total
    }

    /// One value of the header object: a tensor description, or the `__metadata__` string map.
    private enum HeaderEntry: Decodable {
        case tensor(dtype: String, shape: [Int], offsets: [Int])
        case metadata([String: String])

        private enum Key: String, CodingKey {
            case dtype, shape
            case dataOffsets = "data_offsets"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            if container.contains(.dtype) {
                self = .tensor(dtype: try container.decode(String.self, forKey: .dtype),
                               shape: try container.decode([Int].self, forKey: .shape),
                               offsets: try container.decode([Int].self, forKey: .dataOffsets))
            } else {
                self = .metadata(try decoder.singleValueContainer().decode([String: String].self))
            }
        }
    }
}
