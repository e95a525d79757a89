public import Foundation
public import VoiceCore

/// The document formats ingestion understands.
public enum DocumentFormat: String, Sendable, Codable, CaseIterable {
    case text
    case markdown
    case html
    case pdf

    /// From a file name's extension; nil for files ingestion skips.
    public init?(fileName: String) {
        switch (fileName as NSString).pathExtension.lowercased() {
        case "txt", "text": self = .text
        case "md", "markdown": self = .markdown
        case "html", "htm": self = .html
        case "pdf": self = .pdf
        default: return nil
        }
    }

    /// From a Content-Type header (parameters such as `charset` ignored); nil when it names no format.
    public init?(contentType: String) {
        let type = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch type {
        case "text/plain": self = .text
        case "text/markdown", "text/x-markdown": self = .markdown
        case "text/html", "application/xhtml+xml": self = .html
        case "application/pdf": self = .pdf
        default: return nil
        }
    }
}

/// A run of text under one heading.
public struct DocumentSection: Sendable, Equatable {
    public var heading: String?
    public var text: String

    public init(heading: String?, text: String) {
        self.heading = heading
        self.text = text
    }
}

/// Plain text and its headings, extracted from a document's bytes.
public struct DocumentText: Sendable, Equatable {
    /// The first top-level heading (or the HTML title), if any.
    public var title: String?
    public var sections: [DocumentSection]

    public var isEmpty: Bool { sections.allSatisfy { $0.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty } }

    /// Extracts text from `data`. Text formats must be UTF-8; a PDF needs poppler's `pdftotext`.
    public static func extract(_ data: Data, format: DocumentFormat) throws(APIError) -> DocumentText {
        if format == .pdf { return plain(try PDFText.extract(data)) }
        guard let string = String(data: data, encoding: .utf8) else {
            throw .badRequest("invalid_encoding", "the document is not valid UTF-8 text")
        }
        switch format {
        case .text, .pdf: return plain(string)
        case .markdown: return markdown(string)
        case .html: return html(string)
        }
    }

    static func plain(_ string: String) -> DocumentText {
        DocumentText(title: nil, sections: [DocumentSection(heading: nil, text: string)])
    }

    /// Sections split at ATX headings (`#` … `######`); inline Markdown is reduced to its words.
    static func markdown(_ string: String) -> DocumentText {
        var title: String?
        var sections: [DocumentSection] = []
        var current = DocumentSection(heading: nil, text: "")
        var inFence = false
        for rawLine in string.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("```") || line.hasPrefix("~~~") {
                inFence.toggle()
                continue
            }
            if !inFence, let heading = markdownHeading(line) {
                if heading.level == 1 && title == nil { title = heading.text }
                sections.append(current)
                current = DocumentSection(heading: heading.text, text: "")
                continue
            }
            // Blank lines end paragraphs; keep them so sentence splitting sees the break.
            current.text += (inFence ? line : stripInlineMarkdown(line)) + "\n"
        }
        sections.append(current)
        return DocumentText(title: title, sections: sections.filter { !$0.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty })
    }

    static func markdownHeading(_ line: String) -> (level: Int, text: String)? {
        let hashes = line.prefix { $0 == "#" }.count
        guard (1...6).contains(hashes), line.dropFirst(hashes).first == " " else { return nil }
        let text = stripInlineMarkdown(String(line.dropFirst(hashes)).trimmingCharacters(in: .whitespaces))
        return text.isEmpty ? nil : (hashes, text)
    }

    static func stripInlineMarkdown(_ line: String) -> String {
        var text = line
        // List markers and quotes carry no words.
        for prefix in ["- ", "* ", "+ ", "> "] where text.hasPrefix(prefix) { text.removeFirst(prefix.count) }
        // [label](url) and ![alt](url) → label / alt.
        text = text.replacingOccurrences(of: #"!?\[([^\]]*)\]\([^)]*\)"#, with: "$1", options: .regularExpression)
        // A sentence that starts with code ("… depends on. `docker compose up` starts …") starts in lower case once
        // the backticks are gone; a paragraph break keeps the sentence boundary.
        text = text.replacingOccurrences(of: #"([.!?])\s+`"#, with: "$1\n\n`", options: .regularExpression)
        text = text.replacingOccurrences(of: #"(\*\*|__|\*|`)"#, with: "", options: .regularExpression)
        return text
    }

    /// Sections split at `<h1>`–`<h6>`; scripts, styles and navigation are dropped, entities decoded.
    static func html(_ string: String) -> DocumentText {
        var source = string.replacingOccurrences(of: #"(?is)<(script|style|nav|head|noscript|template)\b.*?</\1\s*>"#, with: " ",
                                                 options: .regularExpression)
        let title = string.firstMatch(of: #/(?is)<title[^>]*>(.*?)</title>/#).map { decodeEntities(String($0.1)) }
        // Mark headings and block ends so structure survives tag stripping.
        source = source.replacingOccurrences(of: #"(?is)<h[1-6][^>]*>(.*?)</h[1-6]\s*>"#, with: "\u{1}$1\u{2}", options: .regularExpression)
        source = source.replacingOccurrences(of: #"(?i)</?(p|div|br|li|tr|section|article|ul|ol|table|blockquote)\b[^>]*>"#,
                                             with: "\n\n", options: .regularExpression)
        source = source.replacingOccurrences(of: #"(?s)<[^>]*>"#, with: " ", options: .regularExpression)
        var sections: [DocumentSection] = []
        var firstHeading: String?
        for (index, part) in source.split(separator: "\u{1}", omittingEmptySubsequences: false).enumerated() {
            let pieces = part.split(separator: "\u{2}", maxSplits: 1, omittingEmptySubsequences: false)
            let heading = index == 0 || pieces.count < 2 ? nil : collapseSpaces(decodeEntities(String(pieces[0])))
            let body = decodeEntities(String(pieces.count < 2 ? part : pieces[1]))
            if firstHeading == nil, let heading { firstHeading = heading }
            let text = body.split(separator: "\n", omittingEmptySubsequences: false).map { collapseSpaces(String($0)) }
                .joined(separator: "\n")
            if !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                sections.append(DocumentSection(heading: heading, text: text))
            }
        }
        return DocumentText(title: title.map(collapseSpaces) ?? firstHeading, sections: sections)
    }

    static func collapseSpaces(_ text: String) -> String {
        text.replacingOccurrences(of: #"[ \t\r\x{A0}]+"#, with: " ", options: .regularExpression).trimmingCharacters(in: .whitespaces)
    }

    static let namedEntities: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "ndash": "–", "mdash": "—",
        "hellip": "…", "rsquo": "’", "lsquo": "‘", "rdquo": "”", "ldquo": "“", "euro": "€", "pound": "£", "copy": "©",
    ]

    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        return text.replacing(#/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/#) { match -> String in
            let name = String(match.1)
            if name.hasPrefix("#x") || name.hasPrefix("#X") {
                return UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String(Character($0)) } ?? String(match.0)
            }
            if name.hasPrefix("#") {
                return UInt32(name.dropFirst()).flatMap(Unicode.Scalar.init).map { String(Character($0)) } ?? String(match.0)
            }
            return namedEntities[name.lowercased()] ?? String(match.0)
        }
    }
}

/// PDF text through poppler's `pdftotext`, when it is installed.
enum PDFText {
    static let candidates = ["/usr/bin/pdftotext", "/usr/local/bin/pdftotext", "/opt/homebrew/bin/pdftotext"]

    static var executable: String? { candidates.first { FileManager.default.isExecutableFile(atPath: $0) } }

    static func extract(_ data: Data) throws(APIError) -> String {
        guard let executable else {
            throw .unsupportedMediaType("PDF ingestion needs poppler's pdftotext (apt-get install poppler-utils)")
        }
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-\(UUID().uuidString).pdf")
        defer { try? FileManager.default.removeItem(at: input) }
        do {
            try data.write(to: input)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = ["-q", "-enc", "UTF-8", input.path, "-"]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            let bytes = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0, let text = String(data: bytes, encoding: .utf8) else {
                throw APIError.badRequest("invalid_pdf", "the PDF could not be read")
            }
            return text
        } catch let error as APIError {
            throw error
        } catch {
            throw .badRequest("invalid_pdf", "the PDF could not be read")
        }
    }
}
