public import Foundation

/// Builds `multipart/form-data` bodies the way browsers send them: the gateway's uploads to the STT service,
/// and the tests' uploads.
public struct MultipartBody: Sendable {
    public let boundary = "----voice-\(UUID().uuidString)"
    public private(set) var data = Data()

    public init() {}

    public var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    public mutating func addField(_ name: String, _ value: String) {
        data.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
    }

    public mutating func addFile(_ name: String, filename: String, contentType: String, _ content: Data) {
        data.append(Data(("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\n"
            + "Content-Type: \(contentType)\r\n\r\n").utf8))
        data.append(content)
        data.append(Data("\r\n".utf8))
    }

    /// The body with its closing delimiter.
    public var finished: Data { data + Data("--\(boundary)--\r\n".utf8) }
}
