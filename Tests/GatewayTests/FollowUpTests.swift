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

    @Test func withoutAConversationAFollowUpIsAskedAsItIs() {
        #expect(FollowUp.standalone("And for children?", history: []) == "And for children?")
        #expect(FollowUp.standalone("And for children?", history: [ChatTurn(role: "assistant", content: "Hello.")]) == "And for children?")
    }
}
