import Foundation
import VoiceCore

/// Q&A pairs from CSV (RFC 4180: quoted fields may hold commas, newlines and doubled quotes). The header row
/// names the columns: `question` and `answer` are required, `tags` (separated by `;`) is optional.
enum QACSV {
    /// `pairs` as an HTML FAQ page: each question a heading, its answer the paragraph under it.
    static func page(_ pairs: [QAPair]) -> String {
        "<html><head><title>Questions and answers</title></head><body>\n"
            + pairs.map { "<h2>\(DocumentText.escapeMarkup($0.question))</h2>\n<p>\(DocumentText.escapeMarkup($0.answer))</p>\n" }.joined()
            + "</body></html>\n"
    }

    static func parse(_ text: String) throws(APIError) -> [QAPair] {
        let rows = try records(text).filter { !($0.count == 1 && $0[0].trimmingCharacters(in: .whitespaces).isEmpty) }
        guard let header = rows.first?.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }),
              let question = header.firstIndex(of: "question"), let answer = header.firstIndex(of: "answer") else {
            throw .badRequest("invalid_csv", "the CSV needs a header row with 'question' and 'answer' columns")
        }
        let tags = header.firstIndex(of: "tags")
        var pairs: [QAPair] = []
        for (number, row) in rows.dropFirst().enumerated() {
            func field(_ index: Int?) -> String {
                guard let index, index < row.count else { return "" }
                return row[index].trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let pair = QAPair(question: field(question), answer: field(answer),
                              tags: field(tags).split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
            guard !pair.question.isEmpty, !pair.answer.isEmpty else {
                throw .badRequest("invalid_csv", "row \(number + 2) needs both a question and an answer")
            }
            pairs.append(pair)
        }
        guard !pairs.isEmpty else { throw .badRequest("invalid_csv", "the CSV holds no Q&A pairs") }
        return pairs
    }

    static func records(_ text: String) throws(APIError) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var characters = text.makeIterator()
        var pending: Character? = nil
        while let character = pending ?? characters.next() {
            pending = nil
            if quoted {
                if character == "\"" {
                    let next = characters.next()
                    if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                } else {
                    field.append(character)
                }
                continue
            }
            switch character {
            case "\"" where field.isEmpty: quoted = true
            case ",": record.append(field); field = ""
            case "\n", "\r\n", "\r":
                record.append(field); field = ""
                records.append(record); record = []
            default: field.append(character)
            }
        }
        guard !quoted else { throw .badRequest("invalid_csv", "the CSV ends inside a quoted field") }
        if !field.isEmpty || !record.isEmpty {
            record.append(field)
            records.append(record)
        }
        return records
    }
}
