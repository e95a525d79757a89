import Foundation
import VoiceCore

/// The facts a listener would act on — numbers (times, prices, dates, amounts, also in words) and proper names —
/// and whether the evidence states them. A small model that reads "$4.50" and says "1000 dollars" is caught here.
///
/// Forms are normalised before comparing: "6:30" matches "six thirty", "$4.50" matches "four dollars and fifty
/// cents", "1998" matches "nineteen ninety-eight". Names match case-insensitively, with plural and possessive
/// endings off.
///
/// Beyond facts, a sentence fit to be spoken draws most of its words from the evidence or the question (a small
/// model otherwise answers "What is the late fee?" with "The library is a private club."), and an answer's first
/// sentence states the kind of fact the question asks for (a price for "how much", a day for "which day") when the
/// evidence holds one.
public struct GroundednessGuard: Sendable {
    let numbers: Set<Decimal>
    let words: Set<String>
    /// Evidence and question words as written, and their sound keys, for ``support(of:)``.
    let vocabulary: Set<String>
    let keys: Set<String>
    /// The kind of fact the question asks for, when the evidence states one.
    let wanted: AnswerType?
    let question: String
    /// The question's content words, for ``addressesQuestion(_:)``.
    let asked: [String]
    /// The asked-for facts of the most relevant evidence sentence (the first that is about the question), when it
    /// states any: the answer must give one of them. "Wednesday" is in the evidence too, but the best sentence says
    /// the cafe closes on Tuesdays.
    let leading: (numbers: Set<Decimal>, days: Set<String>)?
    /// The content words of the most relevant context item about the question, and of every other item: a first
    /// sentence that copies a less relevant item instead is refused (``copiesALessRelevantItem(_:)``).
    let leadingWords: Set<String>
    let otherWords: [Set<String>]
    /// The share of a sentence's content words that must come from the evidence or the question.
    public static let minimumSupport = 0.6

    public init(evidence: [String], question: String = "") {
        var numbers = Set<Decimal>()
        var words = Set<String>()
        for text in evidence {
            for number in SpokenNumbers.numbers(in: text) {
                numbers.insert(number.value)
                numbers.formUnion(number.parts)
            }
            words.formUnion(TextWords.words(text).map(SoundKey.stem))
        }
        self.numbers = numbers
        self.words = words
        vocabulary = Set((evidence + [question]).flatMap(TextWords.words))
        keys = Set(vocabulary.map(SoundKey.of))
        wanted = AnswerType(question: question).flatMap { type in
            evidence.contains { type.isStated(in: $0, question: question) } ? type : nil
        }
        self.question = question
        asked = Self.meaningfulWords(question)
        let asked = self.asked
        let bestIndex = evidence.firstIndex { Self.mentions($0, any: asked) }
        if let wanted, wanted != .person, wanted != .reason, let bestIndex, wanted.isStated(in: evidence[bestIndex], question: question) {
            let best = Self.answeringClause(of: evidence[bestIndex], asked: asked, wanted: wanted, question: question)
            leading = (Set(SpokenNumbers.numbers(in: best).flatMap { [$0.value] + $0.parts }), AnswerType.dayNames(in: best))
        } else {
            leading = nil
        }
        leadingWords = bestIndex.map { Self.contentWords(evidence[$0]) } ?? []
        otherWords = evidence.indices.filter { $0 != bestIndex }.map { Self.contentWords(evidence[$0]) }
    }

    /// Of a sentence with side-by-side facts ("Unused items may be returned within 30 days, and opened ones within
    /// 14 days."), the one clause that states the asked kind of fact and shares the most words with the question;
    /// the whole sentence when no single clause does.
    static func answeringClause(of sentence: String, asked: [String], wanted: AnswerType, question: String) -> String {
        let best = Clauses.uniqueBest(of: sentence) { clause in
            guard wanted.isStated(in: clause, question: question) else { return -1 }
            let words = Set(TextWords.words(clause))
            let keys = Set(words.map(SoundKey.of))
            return Double(asked.filter { TextWords.matches($0, in: words, keys: keys) }.count)
        }
        guard let best, best.score >= 0 else { return sentence }
        return best.clause
    }

    /// The words that carry meaning: three letters or more, not function words.
    static func meaningfulWords(_ text: String) -> [String] {
        TextWords.words(text).filter { $0.count >= 3 && !TextWords.stopWords.contains($0) }
    }

    /// Stems of ``meaningfulWords(_:)``.
    static func contentWords(_ text: String) -> Set<String> {
        Set(meaningfulWords(text).map(SoundKey.stem))
    }

    /// Whether `sentence` is mostly a copy of a context item other than the most relevant one, and not of that one:
    /// asked how to roll back a deployment, SmolLM2 recites what a deployment is from the second sentence instead of
    /// the `kubectl rollout undo` of the first. Retrieval ranks relevance better than a 135M model.
    func copiesALessRelevantItem(_ sentence: String) -> Bool {
        let said = Self.contentWords(sentence)
        guard said.count >= 4 else { return false }
        func share(_ words: Set<String>) -> Double { Double(said.intersection(words).count) / Double(said.count) }
        return share(leadingWords) < 0.5 && otherWords.contains { share($0) >= 0.8 }
    }

    /// Whether `sentence` may be spoken: no number or name the evidence lacks, most words from the evidence or
    /// the question, and, as the answer's first sentence, the asked-for kind of fact. "I don't know" always may.
    public func accepts(_ sentence: String, first: Bool) -> Bool {
        guard unsupported(in: sentence).isEmpty else { return false }
        if TextWords.declinesToAnswer(sentence) { return true }
        guard statesOnlyWhatTheEvidenceDoes(sentence) else { return false }
        guard support(of: sentence) >= Self.minimumSupport else { return false }
        guard first else { return true }
        guard addressesQuestion(sentence), !copiesALessRelevantItem(sentence) else { return false }
        guard let wanted else { return true }
        return wanted.isStated(in: sentence, question: question) && agreesWithLeadingEvidence(sentence)
    }

    /// Whether `sentence` gives one of the asked-for facts of the most relevant evidence sentence (true when that
    /// sentence states none).
    func agreesWithLeadingEvidence(_ sentence: String) -> Bool {
        guard let leading else { return true }
        if !AnswerType.dayNames(in: sentence).isDisjoint(with: leading.days) { return true }
        return SpokenNumbers.numbers(in: sentence).contains { number in
            leading.numbers.contains(number.value) || (number.spoken && number.parts.allSatisfy(leading.numbers.contains))
        }
    }

    /// Whether every word of `sentence` that turns a fact around ("closed", "not", "cancelled") is in the evidence:
    /// "The library is closed on Wednesday" from "Story time takes place every Wednesday" passes every other check.
    func statesOnlyWhatTheEvidenceDoes(_ sentence: String) -> Bool {
        TextWords.words(sentence).allSatisfy { !Self.stateWords.contains($0) || words.contains(SoundKey.stem($0)) }
    }

    static let stateWords: Set<String> = ["closed", "closes", "close", "shut", "cancelled", "canceled", "banned",
                                          "forbidden", "not", "never", "free"]

    /// Whether `text` shares a content word with the question (allowing for other endings and sound-alikes): an
    /// answer about the ferry does not answer a question about the bridge, however grounded it is.
    public func addressesQuestion(_ text: String) -> Bool {
        Self.mentions(text, any: asked)
    }

    static func mentions(_ text: String, any asked: [String]) -> Bool {
        guard !asked.isEmpty else { return true }
        let words = Set(TextWords.words(text))
        let keys = Set(words.map(SoundKey.of))
        return asked.contains { TextWords.matches($0, in: words, keys: keys) }
    }

    /// The share of the sentence's content words (three letters or more, not function words) found in the
    /// evidence or the question, allowing for other endings; 1 when it has none.
    public func support(of sentence: String) -> Double {
        let content = TextWords.words(sentence).filter {
            $0.count >= 3 && $0.contains(where: \.isLetter) && !TextWords.stopWords.contains($0) && !Self.fillers.contains($0)
                && !SpokenNumbers.isNumberWord($0)
        }
        guard !content.isEmpty else { return 1 }
        let found = content.filter { TextWords.matches($0, in: vocabulary, keys: keys) }
        return Double(found.count) / Double(content.count)
    }

    /// Words any answer may use without the evidence saying them.
    static let fillers: Set<String> = ["answer", "question", "context", "yes", "sorry", "one", "both", "each", "every",
                                       "all", "only", "very", "there", "here", "about", "around", "per", "dollars",
                                       "dollar", "cents", "cent"]

    /// The numbers and names in `answer` that the evidence does not state, as written in the answer.
    public func unsupported(in answer: String) -> [String] {
        var missing: [String] = []
        for number in SpokenNumbers.numbers(in: answer) where !numbers.contains(number.value) {
            // Spoken numbers are checked part by part: "six thirty" is 6 and 30, like "6:30" in the evidence.
            if number.spoken && number.parts.allSatisfy(numbers.contains) { continue }
            missing.append(number.text)
        }
        // A hyphenated name ("Keep-warm", "Wi-Fi") is in the evidence when each of its parts is.
        for name in Self.names(in: answer) where !TextWords.words(name).allSatisfy({ words.contains(SoundKey.stem($0)) }) {
            missing.append(name)
        }
        // Made-up commands and file names ("the kube-deployer command") are as wrong as made-up names.
        for term in Self.terms(in: answer) where !TextWords.words(term).allSatisfy({ words.contains(SoundKey.stem($0)) }) {
            missing.append(term)
        }
        return missing
    }

    /// Words joined by `-`, `_`, `/` or `.` ("kube-deployer", "app.yaml"), as written.
    static func terms(in text: String) -> [String] {
        text.split(whereSeparator: \.isWhitespace).compactMap { token in
            let term = token.trimmingCharacters(in: .punctuationCharacters.union(.symbols))
            let joined = term.contains { "-_/.".contains($0) } && TextWords.words(term).count > 1
            return joined && term.contains(where: \.isLetter) && SpokenNumbers.numbers(in: term).isEmpty ? term : nil
        }
    }

    /// Capitalised words, except a sentence's first word when it is an everyday one ("The", "It", "Yes").
    static func names(in text: String) -> [String] {
        var names: [String] = []
        var sentenceStart = true
        for token in text.split(whereSeparator: \.isWhitespace) {
            let word = String(token.trimmingCharacters(in: .punctuationCharacters.union(.symbols)))
            defer { sentenceStart = token.last.map { ".!?:;".contains($0) } ?? false }
            guard let first = word.first, first.isUppercase, word.contains(where: \.isLetter) else { continue }
            let bare = word.split(whereSeparator: { $0 == "'" || $0 == "’" }).first.map(String.init) ?? word
            if sentenceStart && Self.everydayStarts.contains(bare.lowercased()) { continue }
            if bare.count == 1 { continue }
            names.append(bare)
        }
        return names
    }

    /// Sentence openers that are not names.
    static let everydayStarts: Set<String> = [
        "the", "a", "an", "it", "its", "this", "that", "these", "those", "there", "they", "their", "you", "your", "we",
        "our", "he", "she", "his", "her", "yes", "no", "sorry", "sure", "in", "on", "at", "for", "from", "to", "with", "by",
        "each", "every", "if", "when", "while", "unfortunately", "however", "also", "both", "please", "here", "all",
        "some", "most", "many", "one", "after", "before", "during", "as", "and", "but", "so", "i", "what", "which", "who",
        "how", "where", "why", "not", "only", "just", "members", "visitors", "guests", "customers", "yes,", "ok", "okay",
    ]
}
