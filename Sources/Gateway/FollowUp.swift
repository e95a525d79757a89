import Foundation
public import VoiceCore

/// Follow-up questions ("And the K9?", "Is it open on Sundays?", "What time is aqua fit that day?") name their
/// topic only through the conversation. One that leans on an earlier turn is asked together with the previous
/// question, so retrieval and the answer policy see what it is about; one that stands alone ("What is Docker?")
/// is asked as it is, so a change of topic is not dragged back (docs/decisions.md, 42).
public enum FollowUp {
    /// Openers that continue the previous question rather than start a new one.
    static let continuations = ["and ", "also ", "what about ", "how about ", "what if ", "but "]
    /// Words that point back at something said before.
    static let referring: Set<String> = ["it", "its", "it's", "they", "them", "their", "theirs", "there", "that", "this",
                                          "those", "these", "he", "she", "him", "her", "one", "ones", "same"]

    /// Forms of "be" that make "there" existential ("Is there a cloakroom?", "there are lockers"): no place is
    /// pointed back at.
    static let existential: Set<String> = ["is", "are", "was", "were", "be", "s"]

    public static func leansOnEarlierTurns(_ question: String) -> Bool {
        let lowered = question.lowercased()
        if continuations.contains(where: lowered.hasPrefix) { return true }
        let words = TextWords.words(lowered.replacing("there's", with: "there is"))
        return words.indices.contains { index in
            guard referring.contains(words[index]) else { return false }
            guard words[index] == "there" else { return true }
            let before = index > 0 ? words[index - 1] : ""
            let after = index + 1 < words.count ? words[index + 1] : ""
            return !existential.contains(before) && !existential.contains(after)
        }
    }

    /// The question as retrieval and the answer policy should read it.
    public struct Reading: Sendable, Equatable {
        public var text: String
        /// Asked after the previous question, whose words only set the topic (``relaxed(_:asked:question:)``).
        public var joined = false
    }

    /// The question as retrieval and the answer policy should read it: as asked; the previous question again,
    /// about the follow-up's other item ("And on Sundays?"), a whole question matched word for word; or the two
    /// together.
    public static func standalone(_ question: String, history: [ChatTurn]) -> Reading {
        let (question, changesTopic) = withoutPreamble(question)
        guard !question.isEmpty, !changesTopic, leansOnEarlierTurns(question),
              let previous = previousReading(in: history) else { return Reading(text: question) }
        if let rewritten = rewritten(question, previous: previous) { return Reading(text: rewritten) }
        return Reading(text: previous + " " + question, joined: true)
    }

    /// The last question of `history` as it was read in its own turn: "How long till it's done?" after "And to glaze
    /// fire it?" is about what that one was about.
    static func previousReading(in history: [ChatTurn]) -> String? {
        guard let last = history.lastIndex(where: { $0.role == "user" }) else { return nil }
        let previous = standalone(history[last].content.trimmingCharacters(in: .whitespacesAndNewlines),
                                  history: Array(history[..<last])).text
        return previous.isEmpty ? nil : previous
    }

    /// Words that speak about the conversation, not about the world: a preamble of only these and stop words
    /// ("Different question,", "Unrelated, but", "Oh and while I've got you,", "Sorry, one more thing:") names
    /// nothing to look for, so it is not asked. It must hold one of `preambleMarkers`: "The last one," and "The
    /// other one," point back at a thing.
    static let conversationWords = preambleMarkers.union([
        "quick", "random", "one", "more", "last", "totally", "completely", "entirely", "quite", "while", "well",
        "right", "alright", "now", "side", "note", "also", "just", "new", "other", "change", "never",
    ])
    static let preambleMarkers = topicChanges.union([
        "question", "questions", "thing", "topic", "subject", "sorry", "actually", "anyway", "got", "wondering",
        "wonder", "curious", "mind",
    ])
    /// Words that say the topic changes ("Different question", "Changing the subject", "By the way") or that the
    /// last question is dropped ("Forget that", "Scratch that"; "never mind" too, as a pair): what follows is asked
    /// on its own, never with the question before.
    static let topicChanges: Set<String> = [
        "different", "unrelated", "another", "separate", "else", "changing", "switching", "besides", "incidentally",
        "aside", "way", "forget", "scratch", "ignore",
    ]

    /// `question` without a preamble that only speaks about the conversation, and whether that preamble says the
    /// topic changes. A preamble ends at a comma, colon or dash ("Unrelated, but can I…", "Sorry, one more thing:
    /// …") or, where speech recognition wrote none, before a question word.
    static func withoutPreamble(_ question: String) -> (question: String, changesTopic: Bool) {
        guard let (words, rest) = preamble(of: Substring(question)) else { return (question, false) }
        // "If you don't mind," keeps the topic; "never mind" drops the last question.
        return (String(rest), words.contains(where: topicChanges.contains) || words.starts(with: ["new", "question"])
                    || zip(words, words.dropFirst()).contains { $0 == ("never", "mind") })
    }

    /// The words of the conversational preamble `text` opens with, and the text after it.
    private static func preamble(of text: Substring) -> (words: [String], rest: Substring)? {
        let lowered = text.lowercased()
        // The longest run of such words that ends at punctuation or, where speech recognition wrote none, before a
        // question word: "OK, forget that, where…" is more than "OK", "sorry I am wondering how…" more than "sorry I".
        // Unicode word boundaries keep "what's" one word; the simple ones find "what" in it.
        let ends = (lowered.indices.filter { ",:;–—".contains(lowered[$0]) }
            + lowered.matches(of: questionWord.wordBoundaryKind(.simple)).map(\.range.lowerBound)).sorted(by: >)
        for end in ends where end > lowered.startIndex {
            let words = TextWords.words(String(lowered[..<end]))
            // It asks nothing: "Totally different question, where…" ends before "where", "Sorry, can I have…" before
            // "can". An auxiliary after "I" or "we" tells, not asks ("I was wondering", "I have a question").
            let asks = words.indices.contains { index in
                AnswerType.interrogatives.contains(words[index]) || (AnswerType.yesNoOpeners.contains(words[index])
                    && (index == 0 || !["i", "we"].contains(words[index - 1])))
            }
            guard words.contains(where: preambleMarkers.contains), !asks,
                  words.allSatisfy({ conversationWords.contains($0) || TextWords.stopWords.contains($0) }) else { continue }
            var rest = text.dropFirst(lowered.distance(from: lowered.startIndex, to: end))
                .drop { ",:;–—".contains($0) || $0.isWhitespace }
            for joint in ["but ", "and ", "so "] where rest.lowercased().hasPrefix(joint) { rest = rest.dropFirst(joint.count) }
            return rest.isEmpty ? nil : (words, rest)
        }
        return nil
    }

    nonisolated(unsafe) static let questionWord =
        #/\b(?:what|where|when|which|who|why|how|can|could|is|are|am|was|were|do|does|did|has|have|will|would|should|shall|may|must)\b/#

    /// The kinds of item a follow-up swaps for the previous question's: a day, a month, a model code, a number.
    enum Slot: Equatable {
        case day, month, code, number

        init?(_ word: String) {
            if !AnswerType.dayNames(in: word).isEmpty {
                self = .day
            } else if AnswerType.isMonthName(word) {
                self = .month
            } else if TextWords.isCode(word) {
                self = .code
            } else if word != "one", SpokenNumbers.value(of: word) != nil || Int(word) != nil {
                self = .number
            } else {
                return nil
            }
        }
    }

    /// The previous question about another item, when that is all the follow-up says: "And on Sundays?" after
    /// "When does lane swimming start on Saturdays?" is "When does lane swimming start on Sundays?"; "And for
    /// stage five?" after "…for stage two?" swaps the number. "That day" is the day the previous question named.
    /// Nil when the follow-up says more, or the swap is not one for one.
    static func rewritten(_ question: String, previous: String) -> String? {
        let earlier = TextWords.words(previous)
        let lowered = question.lowercased()
        // "That day" stands for the day the previous question said first, when nothing else in the follow-up
        // points back ("What time does it open that day?" still needs the previous question's "it").
        if let phrase = ["on that day", "on the same day", "that day", "the same day"].first(where: lowered.contains),
           let day = earlier.first(where: { !AnswerType.dayNames(in: $0).isEmpty }), AnswerType.dayNames(in: question).isEmpty,
           !leansOnEarlierTurns(lowered.replacing(phrase, with: "")), let pattern = wholeWords(phrase),
           question.contains(pattern) {
            return question.replacing(pattern, with: "on " + day.prefix(1).uppercased() + day.dropFirst())
        }
        guard let opener = continuations.first(where: lowered.hasPrefix) else { return nil }
        let said = contentWords(String(lowered.dropFirst(opener.count)))
        let known = Set(earlier.map(SoundKey.stem))
        let new = said.filter { Slot($0) != nil && !earlier.contains($0) }
        guard new.count == 1, let slot = Slot(new[0]), said.allSatisfy({ $0 == new[0] || known.contains(SoundKey.stem($0)) }) else { return nil }
        let replaced = Set(earlier.filter { Slot($0) == slot })
        guard replaced.count == 1, let old = replaced.first.flatMap(wholeWords), let asked = wholeWords(new[0]),
              let written = question.firstMatch(of: asked)?.0 else { return nil }
        return previous.replacing(old, with: String(written))
    }

    /// `text` as whole words, in any case.
    static func wholeWords(_ text: String) -> Regex<AnyRegexOutput>? {
        try? Regex("\\b" + NSRegularExpression.escapedPattern(for: text) + "\\b").ignoresCase()
    }

    /// Whether a stored question answers the follow-up too: it must say every word the follow-up itself says
    /// ("winter" in "And in winter?"), since the earlier question alone makes the two look alike.
    public static func stored(_ question: String, answers asked: String) -> Bool {
        let stored = Set(TextWords.words(question).map(SoundKey.stem))
        return contentWords(asked).allSatisfy { stored.contains(SoundKey.stem($0)) }
    }

    /// What a follow-up itself says: its words but the stop words.
    static func contentWords(_ text: String) -> [String] {
        TextWords.words(text).filter { !TextWords.stopWords.contains($0) }
    }

    /// The earlier question only sets the topic: a sentence need not repeat its words ("return ticket" in "And for
    /// children?"), only the follow-up's own ("children"). Words the evidence lacks that only the earlier question
    /// said no longer count against it, but the follow-up's own and the measure asked for must be there; and a
    /// sentence with every word the follow-up says ("Children under 12 pay half price") covers the question,
    /// whatever of the earlier one it lacks.
    public static func relaxed(_ evidence: [EvidenceSentence], asked: String, question: String) -> [EvidenceSentence] {
        // The measure the earlier question asked for ("warm" in "How warm is the small pool?") is asked again.
        let own = Set((TextWords.words(asked) + AnswerType.attributeWords(of: question)).map(SoundKey.stem))
        let said = contentWords(asked).map(SoundKey.stem)
        return evidence.map { sentence in
            var sentence = sentence
            // A word of the follow-up's own that no chunk holds ("And scanning?") is not vouched for by the
            // sentence's similarity, which is mostly the earlier question's: the item is not described.
            sentence.unmatched = (sentence.unmatched + sentence.unknown).filter { own.contains(SoundKey.stem($0.lowercased())) }
            sentence.unknown = []
            guard !said.isEmpty else { return sentence }
            let words = Set(TextWords.words([sentence.text, sentence.heading ?? "", sentence.title ?? ""].joined(separator: " "))
                .map(SoundKey.stem))
            let share = Double(said.filter(words.contains).count) / Double(said.count)
            if share > sentence.coverage {
                sentence.coverage = share
                sentence.score = EvidenceSentence.score(similarity: sentence.similarity, coverage: share, statesFact: sentence.states_fact)
            }
            return sentence
        }.sorted { $0.score > $1.score }
    }
}
