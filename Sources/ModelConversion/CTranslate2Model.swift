public import Foundation

/// A CTranslate2 `model.bin`, read in place from a memory-mapped file.
///
/// The layout (all integers little-endian): `u32` format version, the spec name and a `u32` spec
/// revision, a `u32` variable count, then per variable its name, a `u8` rank, one `u32` per
/// dimension, a `u8` data type, a `u32` byte count and the raw bytes; an alias table (a `u32`
/// count, then pairs of alias and target names) ends the file. Strings are a `u16` byte length
/// followed by the bytes, which CTranslate2 terminates with a NUL that the length counts.
///
/// Variables keep pointing into the mapped file, so opening even a large model costs no copy.
public struct CTranslate2Model: Sendable {
    /// CTranslate2's element types, numbered as in its `DataType` enum.
    public enum DataType: UInt8, Sendable {
        case float32 = 0
        case int8 = 1
        case int16 = 2
        case int32 = 3
        case float16 = 4
        case bfloat16 = 5

        /// Bytes per element.
        public var byteWidth: Int {
            switch self {
            case .int8: 1
            case .int16, .float16, .bfloat16: 2
            case .float32, .int32: 4
            }
        }
    }

    /// One named tensor (or scalar, with an empty shape) of the model.
    public struct Variable: Sendable {
        /// The full name, such as `encoder/layer_0/self_attention/linear_0/weight`.
        public let name: String
        /// Dimensions, outermost first (row-major, as in PyTorch).
        public let shape: [Int]
        public let dataType: DataType
        /// The raw little-endian elements. This is a slice of the mapped file, so its indices do not
        /// start at zero; read it with `withUnsafeBytes`.
        public let data: Data

        /// The number of elements: the product of the dimensions, 1 for a scalar.
        public var elementCount: Int { shape.reduce(1, *) }
    }

    /// The only format version this reader understands; CTranslate2 has written it since 3.x.
    public static let supportedVersion: UInt32 = 6

    /// The Python spec class that produced the model, such as `WhisperSpec`.
    public let specName: String
    /// The revision of that spec.
    public let specRevision: Int
    /// Every stored variable by name. Aliases are not repeated here; see ``aliases``.
    public let variables: [String: Variable]
    /// Names that share another variable's data (for example a tied output projection), mapped to
    /// the name they stand for.
    public let aliases: [String: String]

    /// Maps the file at `url` into memory and parses it.
    public init(contentsOf url: URL) throws(ModelConversionError) {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw .io("cannot read \(url.path): \(error.localizedDescription)")
        }
        try self.init(data: data)
    }

    /// Parses a complete `model.bin` held in `data`.
    public init(data: Data) throws(ModelConversionError) {
        var reader = ByteReader(data)
        let version = try reader.read(UInt32.self, "the format version")
        guard version == Self.supportedVersion else {
            throw .unsupported("CTranslate2 format version \(version), expected \(Self.supportedVersion)")
        }
        specName = try reader.readString("the spec name")
        specRevision = Int(try reader.read(UInt32.self, "the spec revision"))

        let variableCount = try reader.read(UInt32.self, "the variable count")
        var variables: [String: Variable] = [:]
        // Cap the reservation so that a corrupt count cannot ask for a huge allocation up front.
        variables.reserveCapacity(Int(min(variableCount, 4096)))
        for index in 0..<variableCount {
            let name = try reader.readString("the name of variable \(index)")
            let rank = try reader.read(UInt8.self, "the rank of '\(name)'")
            var shape: [Int] = []
            shape.reserveCapacity(Int(rank))
            for _ in 0..<rank {
                shape.append(Int(try reader.read(UInt32.self, "the shape of '\(name)'")))
            }
            let typeID = try reader.read(UInt8.self, "the data type of '\(name)'")
            guard let dataType = DataType(rawValue: typeID) else {
                throw .unsupported("variable '\(name)' has unknown data type \(typeID)")
            }
            let byteCount = Int(try reader.read(UInt32.self, "the byte count of '\(name)'"))
            guard Self.byteCount(of: shape, dataType) == byteCount else {
                throw .malformed("variable '\(name)' of shape \(shape) holds \(byteCount) bytes of \(dataType)")
            }
            let bytes = try reader.readBytes(byteCount, "the data of '\(name)'")
            guard variables.updateValue(Variable(name: name, shape: shape, dataType: dataType, data: bytes),
                                        forKey: name) == nil else {
                throw .malformed("variable '\(name)' appears twice")
            }
        }

        let aliasCount = try reader.read(UInt32.self, "the alias count")
        var aliases: [String: String] = [:]
        for index in 0..<aliasCount {
            let alias = try reader.readString("alias \(index)")
            aliases[alias] = try reader.readString("the target of alias '\(alias)'")
        }
        // Trailing bytes mean the file is not what the header says, such as badly joined download parts.
        guard reader.remaining == 0 else {
            throw .malformed("\(reader.remaining) unexpected bytes after the alias table")
        }
        self.variables = variables
        self.aliases = aliases
    }

    /// The variable called `name`, following an alias if `name` is one.
    public func variable(named name: String) throws(ModelConversionError) -> Variable {
        if let variable = variables[name] ?? aliases[name].flatMap({ variables[$0] }) {
            return variable
        }
        throw .missingTensor(name)
    }

    /// The byte size of a tensor, or nil where a corrupt shape would overflow `Int`.
    private static func byteCount(of shape: [Int], _ dataType: DataType) -> Int? {
        var total = dataType.byteWidth
        for dimension in shape {
            let (product, overflow) = total.multipliedReportingOverflow(by: dimension)
            guard !overflow else { return nil }
            total = product
        }
        return total
    }
}

/// A bounds-checked little-endian cursor over a file's bytes, so that a truncated or corrupt file
/// raises ``ModelConversionError/malformed(_:)`` instead of trapping.
struct ByteReader {
    private let data: Data
    /// Position relative to `data.startIndex`.
    private(set) var offset = 0

    init(_ data: Data) {
        self.data = data
    }

    var remaining: Int { data.count - offset }

    /// Reads one integer; `what` names it for the error message.
    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws(ModelConversionError) -> T {
        try require(MemoryLayout<T>.size, what())
        let value = data.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
        offset += MemoryLayout<T>.size
        return value
    }

    /// Returns the next `count` bytes as a slice that shares the underlying storage.
    mutating func readBytes(_ count: Int, _ what: @autoclosure () -> String) throws(ModelConversionError) -> Data {
        try require(count, what())
        let start = data.startIndex + offset
        offset += count
        return data[start..<start + count]
    }

    /// Reads a `u16`-length string, dropping the NUL terminator CTranslate2 includes in the length.
    mutating func readString(_ what: @autoclosure () -> String) throws(ModelConversionError) -> String {
        let length = Int(try read(UInt16.self, what()))
        var bytes = try readBytes(length, what())
        if bytes.last == 0 {
            bytes = bytes.dropLast()
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func require(_ count: Int, _ what: String) throws(ModelConversionError) {
        guard count >= 0, count <= remaining else {
            throw .malformed("file ends at byte \(data.count) while reading \(what) at byte \(offset)")
        }
    }
}
