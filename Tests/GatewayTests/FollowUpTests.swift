import Testing
import VoiceCore
@testable import Gateway

@Suite struct FollowUpTests {
    let history = [ChatTurn(role: "user", content: "How much is a return ferry ticket?"),
                   ChatTurn(role: "assistant", content: "A return ticket costs $11.")]

    @Test func aFollowUpThatLeansOnTheLastQuestionIsAskedWithIt() {
        for followUp in ["And for children?", "What about a car?", "Is it cheaper on Sundays?", "What time is the last one that day?",
                         "Can I park there?", "Is there a café there?"] {
            #expect(FollowUp.standalone(followUp, history: history) == "How much is a return ferry ticket? \(followUp)")
        }
    }

    @Test func aQuestionThatStandsAloneChangesTheTopic() {
        #expect(FollowUp.standalone("What is Docker?", history: history) == "What is Docker?")
        #expect(FollowUp.standalone("When does the library open on Monday?", history: history)
                == "When does the library open on Monday?")
        // "There" with a form of "be" says something exists; it points back at no place.
        for question in ["Is there a cloakroom?", "Are there lockers?", "There's a lift?"] {
            #expect(FollowUp.standalone(question, history: history) == question)
        }
    }

    /// A follow-up that only names another day, model or number asks the last question again about it.
    @Test func aFollowUpNamingAnotherItemOfTheSameKindAsksTheLastQuestionAboutIt() {
        func asked(_ followUp: String, after previous: String) -> String {
            FollowUp.standalone(followUp, history: [ChatTurn(role: "user", content: previous), ChatTurn(role: "assistant", content: "…")])
        }
        #expect(asked("And on Sundays?", after: "When does the late swim start on Fridays?")
                == "When does the late swim start on Sundays?")
        #expect(asked("What about the X5?", after: "How loud is the X3 blender?") == "How loud is the X5 blender?")
        #expect(asked("And for level 4?", after: "How much is a course for level 2?") == "How much is a course for level 4?")
        #expect(asked("Is the café open that day?", after: "What time does the museum close on Tuesday?")
                == "Is the café open on Tuesday?")
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

    @Test func withoutAConversationAFollowUpIsAskedAsItIs() {
        #expect(FollowUp.standalone("And for children?", history: []) == "And for children?")
        #expect(FollowUp.standalone("And for children?", history: [ChatTurn(role: "assistant", content: "Hello.")]) == "And for children?")
    }
}
