public import Foundation

/// An ONNX model cut in two at one tensor: `head` computes the tensor from the model's inputs, `tail` computes the
/// model's outputs from the tensor alone. ONNX Runtime only returns a graph's outputs, so running a model's last
/// stage on pieces of an intermediate tensor (a vocoder on windows of its latent frames) needs the model cut.
/// The cut is made on the protobuf bytes: only the fields that say which node reads and writes which tensor are
/// parsed; every other byte is copied as it is.
public struct OnnxModelCut: Sendable {
    public let head: [UInt8]
    public let tail: [UInt8]
    /// The tensor the model was cut at: `head`'s only output and `tail`'s only input.
    public let tensor: String

    /// Cuts `model` at the one tensor that flows into the nodes whose names start with `stage` ("/dec/": the
    /// exporter names nodes by module path) from outside them. Fails when the stage reads more than one outside
    /// tensor, or when the model's outputs need anything but that tensor.
    public init(model: [UInt8], stage: String) throws(OnnxError) {
        let parsed = try Parsed(model)
        let graph = parsed.graph
        let inside = graph.nodes.filter { $0.name.hasPrefix(stage) }
        let produced = Set(inside.flatMap(\.outputs))
        let constants = Set(graph.initializers.map(\.name))
        let outside = Set(inside.flatMap(\.inputs).filter { !$0.isEmpty && !produced.contains($0) && !constants.contains($0) })
        guard outside.count == 1, let tensor = outside.first else {
            throw .invalidModel("\(stage) reads \(outside.count) tensors from the rest of the model, not one")
        }
        let tailNodes = graph.closure(of: graph.outputs.map(\.name), stoppingAt: tensor)
        let headNodes = graph.closure(of: [tensor], stoppingAt: nil)
        guard !graph.outputs.isEmpty, graph.inputs.allSatisfy({ input in
            !tailNodes.contains { graph.nodes[$0].inputs.contains(input.name) }
        }) else {
            throw .invalidModel("the model's outputs need more than \(tensor)")
        }
        let cutValue = Self.floatValueInfo(named: tensor)
        head = parsed.model(graph: graph.rewritten(keeping: headNodes, inputs: graph.inputs.map(\.bytes), outputs: [cutValue]))
        tail = parsed.model(graph: graph.rewritten(keeping: tailNodes, inputs: [cutValue], outputs: graph.outputs.map(\.bytes)))
        self.tensor = tensor
    }

    /// ValueInfoProto { name, type { tensor_type { elem_type: FLOAT } } }: the shape is left to inference.
    static func floatValueInfo(named name: String) -> [UInt8] {
        var tensorType = Proto.Writer()
        tensorType.varint(field: 1, 1)
        var type = Proto.Writer()
        type.bytes(field: 1, tensorType.bytes)
        var info = Proto.Writer()
        info.bytes(field: 1, Array(name.utf8))
        info.bytes(field: 2, type.bytes)
        return info.bytes
    }
}

/// The parts of ModelProto and GraphProto the cut needs (field numbers from onnx.proto3).
private struct Parsed {
    struct Node {
        var name: String
        var inputs: [String]
        var outputs: [String]
    }

    struct Named {
        var name: String
        var bytes: [UInt8]
    }

    struct Graph {
        /// Every field of the graph in order; nodes, initializers, inputs, outputs and value infos are
        /// rewritten, the rest (its name, doc string) copied.
        var fields: [Proto.Field]
        var bytes: [UInt8]
        var nodes: [Node] = []
        var nodeBytes: [[UInt8]] = []
        var initializers: [Named] = []
        var inputs: [Named] = []
        var outputs: [Named] = []

        /// The nodes (indices, in graph order) that `tensors` need, not looking past `stop`.
        func closure(of tensors: [String], stoppingAt stop: String?) -> [Int] {
            var producer: [String: Int] = [:]
            for (index, node) in nodes.enumerated() { for output in node.outputs { producer[output] = index } }
            var needed = Set<Int>()
            var pending = tensors
            while let tensor = pending.popLast() {
                guard tensor != stop, let index = producer[tensor], needed.insert(index).inserted else { continue }
                pending += nodes[index].inputs.filter { !$0.isEmpty }
            }
            return needed.sorted()
        }

        func rewritten(keeping kept: [Int], inputs newInputs: [[UInt8]], outputs newOutputs: [[UInt8]]) -> [UInt8] {
            let keptNodes = Set(kept)
            let read = Set(kept.flatMap { nodes[$0].inputs })
            let touched = read.union(kept.flatMap { nodes[$0].outputs })
            var writer = Proto.Writer()
            var nodeIndex = 0, initializerIndex = 0
            for field in fields {
                switch field.number {
                case 1:
                    if keptNodes.contains(nodeIndex) { writer.bytes(field: 1, nodeBytes[nodeIndex]) }
                    nodeIndex += 1
                case 5:
                    let initializer = initializers[initializerIndex]
                    if read.contains(initializer.name) { writer.bytes(field: 5, initializer.bytes) }
                    initializerIndex += 1
                case 11, 12:
                    continue  // written after the nodes, from `newInputs` and `newOutputs`
                case 13:
                    if let info = try? Proto.fields(bytes, in: field.payload), let name = info.first(where: { $0.number == 1 }),
                       touched.contains(String(decoding: bytes[name.payload], as: UTF8.self)) {
                        writer.raw(bytes[field.whole])
                    }
                default:
                    writer.raw(bytes[field.whole])
                }
            }
            newInputs.forEach { writer.bytes(field: 11, $0) }
            newOutputs.forEach { writer.bytes(field: 12, $0) }
            return writer.bytes
        }
    }

    let bytes: [UInt8]
    let modelFields: [Proto.Field]
    let graph: Graph

    init(_ bytes: [UInt8]) throws(OnnxError) {
        self.bytes = bytes
        modelFields = try Proto.fields(bytes, in: 0..<bytes.count)
        guard let graphField = modelFields.first(where: { $0.number == 7 && $0.wireType == 2 }) else {
            throw .invalidModel("no graph")
        }
        let graphBytes = Array(bytes[graphField.payload])
        var graph = Graph(fields: try Proto.fields(graphBytes, in: 0..<graphBytes.count), bytes: graphBytes)
        func string(_ field: Proto.Field) -> String { String(decoding: graphBytes[field.payload], as: UTF8.self) }
        for field in graph.fields where field.wireType == 2 && [1, 5, 11, 12].contains(field.number) {
            let inner = try Proto.fields(graphBytes, in: field.payload)
            switch field.number {
            case 1:
                if inner.contains(where: { $0.number == 5 && Self.holdsGraph(graphBytes, attribute: $0) }) {
                    throw .invalidModel("a node with a subgraph (If, Loop, Scan) cannot be cut around")
                }
                graph.nodes.append(Node(name: inner.first { $0.number == 3 }.map(string) ?? "",
                                        inputs: inner.filter { $0.number == 1 }.map(string),
                                        outputs: inner.filter { $0.number == 2 }.map(string)))
                graph.nodeBytes.append(Array(graphBytes[field.payload]))
            case 5:
                graph.initializers.append(Named(name: inner.first { $0.number == 8 }.map(string) ?? "", bytes: Array(graphBytes[field.payload])))
            case 11, 12:
                let named = Named(name: inner.first { $0.number == 1 }.map(string) ?? "", bytes: Array(graphBytes[field.payload]))
                if field.number == 11 { graph.inputs.append(named) } else { graph.outputs.append(named) }
            default:
                break
            }
        }
        self.graph = graph
    }

    /// AttributeProto fields 6 (g) and 11 (graphs) hold subgraphs.
    static func holdsGraph(_ bytes: [UInt8], attribute: Proto.Field) -> Bool {
        ((try? Proto.fields(bytes, in: attribute.payload)) ?? []).contains { $0.number == 6 || $0.number == 11 }
    }

    /// The model's bytes with its graph replaced.
    func model(graph: [UInt8]) -> [UInt8] {
        var writer = Proto.Writer()
        for field in modelFields {
            if field.number == 7 { writer.bytes(field: 7, graph) } else { writer.raw(bytes[field.whole]) }
        }
        return writer.bytes
    }
}

/// Protocol Buffers' wire format, as much as reading and writing ONNX's messages needs.
enum Proto {
    struct Field {
        var number: Int
        var wireType: Int
        /// The field with its key.
        var whole: Range<Int>
        /// A length-delimited field's contents (empty for the other wire types).
        var payload: Range<Int>
    }

    static func fields(_ bytes: [UInt8], in range: Range<Int>) throws(OnnxError) -> [Field] {
        var fields: [Field] = []
        var index = range.lowerBound
        while index < range.upperBound {
            let start = index
            let key = try varint(bytes, &index, limit: range.upperBound)
            let wireType = Int(key & 7)
            var payload = index..<index
            switch wireType {
            case 0: _ = try varint(bytes, &index, limit: range.upperBound)
            case 1: index += 8
            case 5: index += 4
            case 2:
                let length = try varint(bytes, &index, limit: range.upperBound)
                guard length <= UInt64(range.upperBound - index) else { throw .invalidModel("a field runs past its message") }
                payload = index..<(index + Int(length))
                index += Int(length)
            default: throw .invalidModel("wire type \(wireType) is not used by ONNX")
            }
            guard index <= range.upperBound else { throw .invalidModel("a field runs past its message") }
            fields.append(Field(number: Int(key >> 3), wireType: wireType, whole: start..<index, payload: payload))
        }
        return fields
    }

    static func varint(_ bytes: [UInt8], _ index: inout Int, limit: Int) throws(OnnxError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while index < limit, shift < 64 {
            let byte = bytes[index]
            index += 1
            value |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        throw .invalidModel("a varint runs past its message")
    }

    struct Writer {
        var bytes: [UInt8] = []

        mutating func raw(_ slice: ArraySlice<UInt8>) { bytes += slice }

        mutating func varint(_ value: UInt64) {
            var value = value
            while value >= 0x80 {
                bytes.append(UInt8(value & 0x7f) | 0x80)
                value >>= 7
            }
            bytes.append(UInt8(value))
        }

        mutating func varint(field: Int, _ value: UInt64) {
            varint(UInt64(field << 3))
            varint(value)
        }

        mutating func bytes(field: Int, _ payload: [UInt8]) {
            varint(UInt64(field << 3 | 2))
            varint(UInt64(payload.count))
            bytes += payload
        }
    }
}
