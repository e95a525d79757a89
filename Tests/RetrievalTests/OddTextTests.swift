import Foundation
@testable import Retrieval
import Testing
import VoiceCore

/// A site's documents and its visitors' questions hold characters no English rule was written for: footnote marks,
/// fractions, digits of other scripts, emoji, combining accents, invisible marks. Reading them may find no fact,
/// but never stops the service (a footnote mark "¹" once did).
@Suite struct OddTextTests {
    static let odd = [
        "¹", "½", "1½", "²³", "₂", "٣٤", "３", "Ⅻ", "①", "⓵", "🎉", "e\u{301}", "\u{200B}", "\u{202E}abc", "\u{FEFF}",
        "2.5.6", "£.", "£", "3:45:12", "10–½", "9.30–¹", "…", "—", "•", "‡", "%", "$-", "-1", "1e9", "99999999999999999999",
    ]

    @Test func oddCharactersInDocumentsAndQuestionsAreReadWithoutACrash() {
        let text = Self.odd.enumerated().map { "Item \($0.offset): costs \($0.element) from 9\($0.element) to \($0.element)5." }
            .joined(separator: " ")
        let list = Self.odd.map { "- **\($0):**\n  - \($0)\n    - \($0) 1\($0)" }.joined(separator: "\n")
        let documents = [
            DocumentText.plain("TERMS\n\n1. \(Self.odd[0]) fees\n1.1 \(text)\n\n" + Self.odd.joined(separator: "\n")),
            DocumentText.markdown("# Odd\n\n\(list)\n\n| \(Self.odd.joined(separator: " | ")) |\n|---|\n| \(text) |\n"),
            DocumentText.html("<h1>Odd</h1><table><tr><th>\(Self.odd.joined(separator: "</th><th>"))</th></tr>"
                + "<tr><td>\(Self.odd.joined(separator: "</td><td>"))</td></tr></table><p>\(text) &frac12;&sup1;&#8322;&#x1F389;</p>"),
        ]
        let chunks = documents.flatMap { Chunker().chunks($0) }.enumerated().map { index, chunk in
            StoredChunk(id: "o#\(index)", documentID: "o", source: "odd", title: "Odd", heading: chunk.heading,
                        text: chunk.text, vector: [])
        }
        let candidates = EvidenceSelector.candidates(chunks)
        #expect(!candidates.isEmpty)
        for mark in Self.odd {
            let question = "How much is \(mark) for my \(mark) year old from \(mark)pm, and is it \(mark) litres?"
            let ranked = EvidenceSelector.rank(candidates.map { ($0, [Float]()) }, query: question,
                                               question: QuestionWords(question), queryVector: [], weights: [:], known: [])
            #expect(ranked.count == candidates.count)
            _ = Measures.asked(in: question)
            _ = Measures.bands(in: text)
            _ = QuestionWords.ranges(in: question + text)
            _ = Clauses.of("It costs \(mark)5 on weekdays and \(mark)7 at weekends, or 8\(mark) a month.")
            _ = AnswerType.datesCovered(by: "\(mark) December to 1\(mark) January")
        }
    }
}
