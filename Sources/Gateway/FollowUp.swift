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
    public static func standalone(_ question: String, history: [ChatTurn]) -> String {
        guard !question.isEmpty, leansOnEarlierTurns(question),
              let previous = history.last(where: { $0.role == "user" })?.content.trimmingCharacters(in: .whitespacesAndNewlines),
              !previous.isEmpty else { return question }
        return previous + " " + question
    }

    /// The earlier question only sets the topic: a sentence need not repeat its words ("return ticket" in "And for
    /// children?"), only the follow-up's own ("children"). Words the evidence lacks that only the earlier question
    /// said no longer count against it.
    public static func relaxed(_ evidence: [EvidenceSentence], asked: String) -> [EvidenceSentence] {
        let own = Set(TextWords.words(asked).map(SoundKey.stem))
        return evidence.map { sentence in
            var sentence = sentence
            sentence.unmatched = sentence.unmatched.filter { own.contains(SoundKey.stem($0.lowercased())) }
            sentence.unknown = sentence.unknown.filter { own.contains(SoundKey.stem($0.lowercased())) }
            return sentence
        }
    }
}
