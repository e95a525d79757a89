import Testing
import VoiceCore
@testable import Gateway

@Suite struct FollowUpTests {
    let history = [ChatTurn(role: "user", content: "How much is a return ferry ticket?"),
                   ChatTurn(role: "assistant", content: "A return ticket costs $11.")]

    @Test func aFollowUpThatLeansOnTheLastQuestionIsAskedWithIt() {
        for followUp in ["And for children?", "What about a car?", "Is it cheaper on Sundays?", "What time is the last one that day?",
                         "Can I park there?", "Is there a café there?"] {
            #expect(FollowUp.standalone(followUp, history: history).text == "How much is a return ferry ticket? \(followUp)")
        }
    }

    /// A follow-up to a follow-up is about what the first question was about: the previous question is taken as it
    /// was read in its own turn, rewritten or with the one before it.
    @Test func aFollowUpToAFollowUpIsReadWithTheWholeChain() {
        func conversation(_ questions: String...) -> [ChatTurn] {
            questions.flatMap { [ChatTurn(role: "user", content: $0), ChatTurn(role: "assistant", content: "…")] }
        }
        #expect(FollowUp.standalone("How long till it's done?",
                                    history: conversation("How much is it to bisque fire a mug?", "And to glaze fire it?")).text
                == "How much is it to bisque fire a mug? And to glaze fire it? How long till it's done?")
        #expect(FollowUp.standalone("Is it busy then?",
                                    history: conversation("When does lane swimming start on Saturdays?", "And on Sundays?")).text
                == "When does lane swimming start on Sundays? Is it busy then?")
        // A question that changed the topic starts the chain again.
        let changed = history + [ChatTurn(role: "user", content: "Different question: how much is a cabin?"),
                                 ChatTurn(role: "assistant", content: "A cabin is $40.")]
        #expect(FollowUp.standalone("And for children?", history: changed).text == "how much is a cabin? And for children?")
    }

    @Test func aQuestionThatStandsAloneChangesTheTopic() {
        #expect(FollowUp.standalone("What is Docker?", history: history).text == "What is Docker?")
        #expect(FollowUp.standalone("When does the library open on Monday?", history: history).text
                == "When does the library open on Monday?")
        // "There" with a form of "be" says something exists; it points back at no place.
        for question in ["Is there a cloakroom?", "Are there lockers?", "There's a lift?"] {
            #expect(FollowUp.standalone(question, history: history).text == question)
        }
    }

    /// A preamble that only speaks about the conversation is not part of the question; one that says the topic
    /// changes makes the question stand alone, even when it says "there".
    @Test func aPreambleAboutTheConversationIsNotAskedAndATopicChangeStandsAlone() {
        #expect(FollowUp.standalone("Totally different question, where does my food waste end up?", history: history).text
                == "where does my food waste end up?")
        #expect(FollowUp.standalone("Unrelated, but can I eat my lunch in there?", history: history).text
                == "can I eat my lunch in there?")
        #expect(FollowUp.standalone("different question what's the late fee on audiobooks", history: history).text
                == "what's the late fee on audiobooks")
        // Speech recognition writes no dash: the preamble ends before the question's first word, however it asks.
        #expect(FollowUp.withoutPreamble("totally different thing am i allowed to park here")
                == ("am i allowed to park here", true))
        #expect(FollowUp.withoutPreamble("sorry i am wondering how late the ferry runs") == ("how late the ferry runs", false))
        // A preamble asks nothing, and "if you don't mind" keeps the topic.
        #expect(FollowUp.withoutPreamble("Sorry, can I have a guest pass?") == ("can I have a guest pass?", false))
        #expect(FollowUp.withoutPreamble("New question, do you have parking?") == ("do you have parking?", true))
        #expect(!FollowUp.withoutPreamble("If you don't mind, is it cheaper on Sundays?").changesTopic)
        // Dropping the last question changes the topic too.
        #expect(FollowUp.standalone("OK, forget that, where do I park?", history: history).text == "where do I park?")
        #expect(FollowUp.standalone("Never mind — is there a lift?", history: history).text == "is there a lift?")
        // A preamble that does not change the topic leaves a follow-up a follow-up.
        #expect(FollowUp.standalone("Sorry, one more thing: is it cheaper on Sundays?", history: history).text
                == "How much is a return ferry ticket? is it cheaper on Sundays?")
        // Words about the world are the question, whatever comes first.
        #expect(FollowUp.standalone("New question: is it open on Sundays?", history: history).text == "is it open on Sundays?")
        #expect(FollowUp.standalone("The last one, is it cheaper on Sundays?", history: history).text
                == "How much is a return ferry ticket? The last one, is it cheaper on Sundays?")
        for question in ["I'm on Quay Street, what day is the garden bin?", "Other ways to pay?", "What's the different price for children?"] {
            #expect(FollowUp.standalone(question, history: []).text == question)
        }
    }

    /// A follow-up that only names another day, model or number asks the last question again about it.
    @Test func aFollowUpNamingAnotherItemOfTheSameKindAsksTheLastQuestionAboutIt() {
        func asked(_ followUp: String, after previous: String) -> String {
            FollowUp.standalone(followUp, history: [ChatTurn(role: "user", content: previous), ChatTurn(role: "assistant", content: "…")]).text
        }
        #expect(asked("And on Sundays?", after: "When does the late swim start on Fridays?")
                == "When does the late swim start on Sundays?")
        #expect(asked("What about the X5?", after: "How loud is the X3 blender?") == "How loud is the X5 blender?")
        #expect(asked("And for level 4?", after: "How much is a course for level 2?") == "How much is a course for level 4?")
        #expect(asked("And in August?", after: "How much is a double room for a night in January?")
                == "How much is a double room for a night in August?")
        #expect(asked("Is the café open that day?", after: "What time does the museum close on Tuesday?")
                == "Is the café open on Tuesday?")
        #expect(asked("Is the café open on that day?", after: "What time does the museum close on Tuesday or Friday?")
                == "Is the café open on Tuesday?")
        // "It" still points back: asked with the previous question. "One" is not a number swapped in.
        #expect(asked("When does it close that day?", after: "Is the museum open on Tuesday?")
                == "Is the museum open on Tuesday? When does it close that day?")
        #expect(asked("And that one?", after: "How much is a course for level 2?") == "How much is a course for level 2? And that one?")
        #expect(FollowUp.standalone("And on Sundays?", history: [ChatTurn(role: "user", content: "When does the late swim start on Fridays?")]).joined == false)
        // More than the item, or no one-for-one swap: asked together, as before.
        #expect(asked("And on Sundays for children?", after: "When does the late swim start on Fridays?")
                == "When does the late swim start on Fridays? And on Sundays for children?")
        #expect(asked("And on Sundays?", after: "How much is a late swim?") == "How much is a late swim? And on Sundays?")
        #expect(asked("And the X5?", after: "Is the X3 quieter than the X4?") == "Is the X3 quieter than the X4? And the X5?")
    }

    /// "And in winter?" after a summer question looks like the stored summer question; it is not answered by it.
    @Test func aStoredQuestionAnswersAFollowUpOnlyIfItSaysTheFollowUpsOwnWords() {
        #expect(!FollowUp.stored("What time is the first summer ferry?", answers: "And in winter?"))
        #expect(FollowUp.stored("How much is a return ticket for children?", answers: "What about for children?"))
    }

    /// Evidence for "How much is a day ticket? What about for children?": the sentence with the follow-up's own word
    /// covers the question; a word of the follow-up no chunk holds, and the measure asked before, still count.
    @Test func evidenceForAFollowUpIsJudgedByWhatTheFollowUpItselfSays() {
        let question = "How much is a day ticket? What about for children?"
        let adult = EvidenceSentence(text: "A day ticket costs $6.", source: "f.md", title: nil, heading: nil, score: 0.7,
                                     coverage: 0.8, similarity: 0.6, unmatched: ["children"], states_fact: true)
        let children = EvidenceSentence(text: "Children pay half price.", source: "f.md", title: nil, heading: nil, score: 0.45,
                                        coverage: 0.3, similarity: 0.55, unmatched: ["day", "ticket"], states_fact: true)
        let relaxed = FollowUp.relaxed([adult, children], asked: "What about for children?", question: question)
        #expect(relaxed.first?.text == "Children pay half price." && relaxed.first?.unmatched == [], "\(relaxed)")
        #expect(relaxed.first.map { $0.score > 0.6 } == true)
        #expect(relaxed.last?.unmatched == ["children"])

        let students = FollowUp.relaxed([EvidenceSentence(text: "A day ticket costs $6.", source: "f.md", title: nil, heading: nil,
                                                          score: 0.7, coverage: 0.8, similarity: 0.7, unknown: ["students"], states_fact: true)],
                                        asked: "What about for students?", question: "How much is a day ticket? What about for students?")
        #expect(students.first?.unmatched == ["students"] && students.first?.unknown == [])

        let warm = FollowUp.relaxed([EvidenceSentence(text: "The main pool is 25 metres long.", source: "p.md", title: nil, heading: nil,
                                                      score: 0.5, coverage: 0.4, similarity: 0.5, unmatched: ["warm", "small"], states_fact: true)],
                                    asked: "And the big pool?", question: "How warm is the small pool? And the big pool?")
        #expect(warm.first?.unmatched == ["warm"])
    }

    @Test func withoutAConversationAFollowUpIsAskedAsItIs() {
        #expect(FollowUp.standalone("And for children?", history: []).text == "And for children?")
        #expect(FollowUp.standalone("And for children?", history: [ChatTurn(role: "assistant", content: "Hello.")]).text == "And for children?")
    }
}
