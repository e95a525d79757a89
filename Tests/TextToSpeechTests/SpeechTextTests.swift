import Testing
@testable import TextToSpeech

@Suite struct SpeechTextTests {
    @Test func currencyIsReadAsAmountsNotSymbols() {
        #expect(SpeechText.normalize("A latte is $4.50.") == "A latte is 4 dollars and 50 cents.")
        #expect(SpeechText.normalize("Membership costs $30") == "Membership costs 30 dollars")
        #expect(SpeechText.normalize("€12 or £3.99, or $1,200") == "12 euros or 3 pounds and 99 pence, or 1200 dollars")
        #expect(SpeechText.normalize("only $0.5") == "only 50 cents")
    }

    @Test func markdownIsStrippedButItsWordsKept() {
        let spoken = SpeechText.normalize("## Opening hours\n- **Monday**: 6:30 to 17:00\n- See [the map](https://x.io/map)")
        #expect(spoken == "Opening hours. Monday: 6:30 to 17:00. See the map")
    }

    @Test func urlsLoseTheirSchemeAndReadSlashes() {
        #expect(SpeechText.normalize("Visit https://www.example.com/docs today") == "Visit example.com slash docs today")
    }

    @Test func plainTextIsUnchanged() {
        let text = "The cafe opens at 6:30 and closes on Tuesdays."
        #expect(SpeechText.normalize(text) == text)
    }
}
