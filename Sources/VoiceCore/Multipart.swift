public import Foundation

/// A `multipart/form-data` body (RFC 7578), parsed from bytes already collected under a size limit.
/// Small and strict on purpose: uploads are one audio file plus a few text fields.
public struct MultipartForm: Sendable {
    public struct Part: Sendable {
        public var name: String
        public var filename: String?
        public var contentType: String?
        public var body: Data
    }

    public var parts: [Part]

    /// - Throws: a 400 when the Content-Type has no boundary or the body does not follow it.
    public init(body: Data, contentType: String) throws(APIError) {
        guard let boundary = Self.parameter("boundary", in: contentType), !boundary.isEmpty else {
            throw .badRequest("invalid_multipart", "multipart/form-data needs a boundary parameter")
        }
        let delimiter = Data("--\(boundary)".utf8)
        let crlf = Data("\r\n".utf8)
        let headerEnd = Data("\r\n\r\n".utf8)
        guard var cursor = body.range(of: delimiter)?.upperBound else {
            throw .badRequest("invalid_multipart", "the body does not contain the multipart boundary")
        }
        var parts: [Part] = []
        while true {
            // After a delimiter: "--" closes the body, CRLF starts a part.
            if body[cursor...].starts(with: Data("--".utf8)) { break }
            guard body[cursor...].starts(with: crlf) else {
                throw .badRequest("invalid_multipart", "malformed multipart delimiter")
            }
            let partStart = cursor + crlf.count
            guard let next = body.range(of: crlf + delimiter, in: partStart..<body.endIndex),
                  let headersRange = body.range(of: headerEnd, in: partStart..<next.lowerBound + crlf.count) else {
                throw .badRequest("invalid_multipart", "the multipart body is truncated")
            }
            let headerText = String(decoding: body[partStart..<headersRange.lowerBound], as: UTF8.self)
            let content = headersRange.upperBound <= next.lowerBound ? body[headersRange.upperBound..<next.lowerBound] : Data()
            parts.append(try Self.part(headers: headerText, body: Data(content)))
            cursor = next.upperBound
        }
        self.parts = parts
    }

    /// The first part with one of `names`, in the order given.
    public func part(named names: String...) -> Part? {
        for name in names { if let part = parts.first(where: { $0.name == name }) { return part } }
        return nil
    }

    /// A text field's value, or nil when absent or empty.
    public func field(_ name: String) -> String? {
        guard let part = parts.first(where: { $0.name == name && $0.filename == nil }) else { return nil }
        let value = String(decoding: part.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return value.isEmpty ? nil : value
    }

    static func part(headers: String, body: Data) throws(APIError) -> Part {
        var name: String?
        var filename: String?
        var contentType: String?
        for line in headers.components(separatedBy: "\r\n") {
            let pieces = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pieces.count == 2 else { continue }
            switch pieces[0].lowercased() {
            case "content-disposition":
                name = parameter("name", in: pieces[1])
                filename = parameter("filename", in: pieces[1])
            case "content-type": contentType = pieces[1]
            default: break
            }
        }
        guard let name else { throw .badRequest("invalid_multipart", "a multipart part has no name") }
        return Part(name: name, filename: filename, contentType: contentType, body: body)
    }

    /// A `key=value` or `key="value"` parameter of a header value.
    static func parameter(_ key: String, in header: String) -> String? {
        for item in header.split(separator: ";").dropFirst() {
            let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == key else { continue }
            var value = pair[1]
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }
}
