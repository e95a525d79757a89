internal import COnnxRuntime
#if canImport(Glibc)
import Glibc
#endif
public import Foundation

public struct OnnxError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public static func libraryMissing(_ detail: String) -> Self { .init(description: "ONNX Runtime could not be loaded: \(detail)") }
    public static func invalidModel(_ detail: String) -> Self { .init(description: "invalid ONNX model: \(detail)") }
    public static func runtime(_ detail: String) -> Self { .init(description: "ONNX Runtime: \(detail)") }
}

/// ONNX Runtime, loaded at run time from the library of the pinned `onnxruntime` wheel (decision 39): the
/// build needs no ONNX Runtime headers or library. It runs the Piper voice and the answer reranker (decision 54).
public final class OnnxRuntime: @unchecked Sendable {
    // The API table and environment are immutable after init and thread-safe per ONNX Runtime's contract.
    fileprivate let api: OpaquePointer
    private let env: OpaquePointer

    nonisolated(unsafe) private static var loaded: [String: OnnxRuntime] = [:]
    private static let lock = NSLock()

    /// One runtime per library path and process: ONNX Runtime allows a single environment.
    public static func load(library: URL) throws(OnnxError) -> OnnxRuntime {
        lock.lock()
        defer { lock.unlock() }
        if let runtime = loaded[library.path] { return runtime }
        let runtime = try OnnxRuntime(library: library)
        loaded[library.path] = runtime
        return runtime
    }

    private init(library: URL) throws(OnnxError) {
        guard let handle = dlopen(library.path, RTLD_NOW | RTLD_LOCAL) else {
            throw .libraryMissing(dlerror().map { String(cString: $0) } ?? library.path)
        }
        guard let symbol = dlsym(handle, "OrtGetApiBase") else { throw .libraryMissing("no OrtGetApiBase in \(library.path)") }
        let getBase = unsafeBitCast(symbol, to: OrtGetApiBaseFunction.self)
        guard let base = getBase(), let api = base.pointee.GetApi(UInt32(VOICE_ORT_API_VERSION)) else {
            throw .libraryMissing("\(library.lastPathComponent) does not offer C API version \(VOICE_ORT_API_VERSION)")
        }
        self.api = api
        var env: OpaquePointer?
        try Self.check(api, voice_ort_create_env(api, Int32(VOICE_ORT_LOGGING_LEVEL_ERROR), "voice", &env))
        guard let env else { throw .runtime("no environment") }
        self.env = env
    }

    /// A session for `model`. Spinning threads are off: on a small machine they would steal the cores that
    /// speech recognition and the language model need between syntheses.
    public func session(model: URL, threads: Int) throws(OnnxError) -> OnnxSession {
        do throws(OnnxError) {
            return try session(threads: threads) { options, session in voice_ort_create_session(api, env, model.path, options, &session) }
        } catch {
            throw .invalidModel("\(model.lastPathComponent): \(error.description)")
        }
    }

    /// A session for a model held in memory (a model cut by ``OnnxModelCut``).
    public func session(bytes: [UInt8], threads: Int) throws(OnnxError) -> OnnxSession {
        try session(threads: threads) { options, session in
            bytes.withUnsafeBytes { voice_ort_create_session_from_array(api, env, $0.baseAddress, $0.count, options, &session) }
        }
    }

    private func session(threads: Int, create: (OpaquePointer, inout OpaquePointer?) -> OpaquePointer?) throws(OnnxError) -> OnnxSession {
        var options: OpaquePointer?
        try check(voice_ort_create_session_options(api, &options))
        guard let options else { throw .runtime("no session options") }
        defer { voice_ort_release_session_options(api, options) }
        try check(voice_ort_set_intra_op_threads(api, options, Int32(threads)))
        try check(voice_ort_set_inter_op_threads(api, options, 1))
        try check(voice_ort_add_session_config(api, options, "session.intra_op.allow_spinning", "0"))
        try check(voice_ort_add_session_config(api, options, "session.inter_op.allow_spinning", "0"))
        var session: OpaquePointer?
        try check(create(options, &session))
        guard let session else { throw .runtime("no session") }
        return try OnnxSession(runtime: self, session: session)
    }

    fileprivate func check(_ status: OpaquePointer?) throws(OnnxError) { try Self.check(api, status) }

    private static func check(_ api: OpaquePointer, _ status: OpaquePointer?) throws(OnnxError) {
        guard let status else { return }
        defer { voice_ort_release_status(api, status) }
        throw .runtime(voice_ort_error_message(api, status).map { String(cString: $0) } ?? "unknown error")
    }
}

/// One loaded model. `run` may be called from any thread; callers serialise it to bound CPU use.
public final class OnnxSession: @unchecked Sendable {
    public struct Input {
        let name: String
        let shape: [Int64]
        let elementType: Int32
        let bytes: [UInt8]

        public init(name: String, int64 values: [Int64], shape: [Int64]) {
            self.name = name
            self.shape = shape
            elementType = Int32(VOICE_ORT_TENSOR_INT64)
            bytes = values.withUnsafeBytes { Array($0) }
        }

        public init(name: String, float values: [Float], shape: [Int64]) {
            self.name = name
            self.shape = shape
            elementType = Int32(VOICE_ORT_TENSOR_FLOAT)
            bytes = values.withUnsafeBytes { Array($0) }
        }
    }

    private let runtime: OnnxRuntime
    private let session: OpaquePointer
    private let memory: OpaquePointer

    fileprivate init(runtime: OnnxRuntime, session: OpaquePointer) throws(OnnxError) {
        var memory: OpaquePointer?
        try runtime.check(voice_ort_create_cpu_memory_info(runtime.api, &memory))
        guard let memory else { throw .runtime("no memory info") }
        self.runtime = runtime
        self.session = session
        self.memory = memory
    }

    deinit {
        voice_ort_release_memory_info(runtime.api, memory)
        voice_ort_release_session(runtime.api, session)
    }

    /// Runs the model and returns the named float output, flattened.
    public func run(inputs: [Input], output: String) throws(OnnxError) -> [Float] {
        try runShaped(inputs: inputs, output: output).values
    }

    /// Runs the model and returns the named float output, flattened, with its dimensions.
    public func runShaped(inputs: [Input], output: String) throws(OnnxError) -> (values: [Float], shape: [Int]) {
        let api = runtime.api
        // ONNX Runtime wraps these buffers without copying; they live until the run returns.
        var buffers = inputs.map(\.bytes)
        var values: [OpaquePointer?] = []
        defer { for value in values { if let value { voice_ort_release_value(api, value) } } }
        for index in inputs.indices {
            var value: OpaquePointer?
            let status = buffers[index].withUnsafeMutableBytes { bytes in
                inputs[index].shape.withUnsafeBufferPointer { shape in
                    voice_ort_create_tensor(api, memory, bytes.baseAddress, bytes.count, shape.baseAddress, shape.count,
                                            inputs[index].elementType, &value)
                }
            }
            try runtime.check(status)
            values.append(value)
        }
        var result: OpaquePointer?
        let names = inputs.map { strdup($0.name) }
        defer { names.forEach { free($0) } }
        let status = names.map { UnsafePointer($0) }.withUnsafeBufferPointer { inputNames in
            values.withUnsafeBufferPointer { inputValues in
                output.withCString { outputName in
                    var outputNames: [UnsafePointer<CChar>?] = [outputName]
                    return voice_ort_run(api, session, inputNames.baseAddress, inputValues.baseAddress, inputs.count,
                                         &outputNames, 1, &result)
                }
            }
        }
        try runtime.check(status)
        guard let result else { throw .runtime("no output") }
        defer { voice_ort_release_value(api, result) }
        var dims = [Int64](repeating: 0, count: 8)
        var rank = 0
        var data: UnsafeMutableRawPointer?
        try runtime.check(voice_ort_tensor_shape(api, result, &dims, dims.count, &rank))
        guard rank <= dims.count else { throw .runtime("output has \(rank) dimensions") }
        let shape = dims.prefix(rank).map { Int($0) }
        try runtime.check(voice_ort_tensor_data(api, result, &data))
        guard let data else { throw .runtime("output has no data") }
        let count = shape.reduce(1, *)
        return (Array(UnsafeBufferPointer(start: data.assumingMemoryBound(to: Float.self), count: count)), shape)
    }
}
