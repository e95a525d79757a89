import Foundation
@testable import Retrieval
import Testing
import VoiceCore

/// An item word of the question that a sentence says in other words is matched by meaning (MiniLM, word by word);
/// another kind of the same thing, another time or a word spelt inside the other is not (decision 76).
@Suite struct MeaningMatchTests {
    /// The item words `sentence` (on a page titled `title`) is still taken not to say, when `question` asked `asked` of it.
    func unmatched(_ asked: [String], in sentence: String, title: String? = nil, question: String) async throws -> [String] {
        let test = try await TestKnowledge(seed: false)
        let evidence = EvidenceSentence(text: sentence, source: "page.md", title: title, heading: nil, score: 0.6,
                                        coverage: 0.5, unmatched: asked, states_fact: true)
        let matched = try await test.knowledge.matchingByMeaning([evidence], candidates: [],
                                                                 question: QuestionWords(question, lexicon: Lexicon()))
        return matched[0].unmatched
    }

    @Test func aWordTheSentenceSaysInOtherWordsIsMatched() async throws {
        #expect(try await unmatched(["car"], in: "Removed vehicles are taken to the Ferry Lane vehicle pound, which is open Monday to Friday.",
                                    question: "Is the car pound open on Saturdays?").isEmpty)
        // The page's title says it: a dental practice's fees.
        #expect(try await unmatched(["tooth"], in: "Root canal – molar, Private – plan member: £560.", title: "Fees | Larchmere Dental Care",
                                    question: "What does a root canal on a back tooth cost?").isEmpty)
    }

    @Test func anotherKindOfTheSameThingIsNotMatched() async throws {
        // MiniLM puts "purple" close to "red"; WordNet has both as kinds of one colour.
        #expect(try await unmatched(["purple"], in: "A larger red-lid bin holds 240 litres instead of 140 litres.",
                                    question: "How many litres does the purple bin hold?") == ["purple"])
    }

    @Test func anotherTimeIsLeftToTheRulesOfTime() async throws {
        #expect(try await unmatched(["sunday"], in: "The marina office is open Monday to Friday, 8:00 to 12:30.",
                                    question: "When is the marina office open on a Sunday?") == ["sunday"])
        #expect(try await unmatched(["christmas"], in: "Sundays and public holidays: first sailing 07:30.",
                                    question: "What time is the first ferry on Christmas Day?") == ["christmas"])
    }

    @Test func aWordSpeltInsideTheAskedOneNamesAnotherThing() async throws {
        #expect(try await unmatched(["interlibrary"], in: "Library books are fined at 25p a day.",
                                    question: "What's the fine on an interlibrary loan?") == ["interlibrary"])
    }

    @Test func siblingKindsAreThoseSharingAParentAndNoSense() throws {
        let lexicon = try #require(Lexicon(), "WordNet (wordnet-base) is installed by scripts/setup.sh")
        #expect(lexicon.areSiblings("purple", "red"))
        #expect(!lexicon.areSiblings("car", "vehicle"))
        #expect(!lexicon.areSiblings("car", "automobile"))
        #expect(!lexicon.areSiblings("tooth", "kettle"))
    }

    @Test func daysMonthsFrequenciesAndHolidaysNameATime() {
        for word in ["sundays", "weekend", "june", "daily", "christmas"] { #expect(AnswerType.namesATime(word), "\(word)") }
        for word in ["car", "house", "morning", "may"] { #expect(!AnswerType.namesATime(word), "\(word)") }
    }
}
