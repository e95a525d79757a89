import Testing
@testable import TextToSpeech

@Suite struct SpeechTextTests {
    /// An answer quoting a document's footnote marks, fractions or other scripts' digits is spoken, not a crash.
    @Test func oddCharactersAreSpokenWithoutACrash() {
        for mark in ["¹", "½", "1½", "₂", "٣", "３", "Ⅻ", "①", "🎉", "e\u{301}", "\u{200B}", "£.", "3:45:12", "9.30–¹", "$-"] {
            let spoken = SpeechText.normalize("It costs £\(mark) from 9\(mark)am to \(mark)5pm, \(mark)% off, \(mark) km.")
            #expect(!spoken.isEmpty)
        }
    }

    @Test func currencyIsReadAsAmountsNotSymbols() {
        #expect(SpeechText.normalize("A latte is $4.50.") == "A latte is 4 dollars and 50 cents.")
        #expect(SpeechText.normalize("Membership costs $30") == "Membership costs 30 dollars")
        #expect(SpeechText.normalize("€12 or £3.99, or $1,200") == "12 euros or 3 pounds and 99 pence, or 1200 dollars")
        #expect(SpeechText.normalize("only $0.5") == "only 50 cents")
    }

    @Test func markdownIsStrippedButItsWordsKept() {
        let spoken = SpeechText.normalize("## Opening hours\n- **Monday**: 6:30 to 17:00\n- See [the map](https://x.io/map)")
        #expect(spoken == "Opening hours. Monday: 6:30 to 5 pm. See the map")
    }

    @Test func urlsLoseTheirSchemeAndReadSlashes() {
        #expect(SpeechText.normalize("Visit https://www.example.com/docs today") == "Visit example.com slash docs today")
    }

    @Test func plainTextIsUnchanged() {
        let text = "The cafe opens at 6:30 and closes on Tuesdays."
        #expect(SpeechText.normalize(text) == text)
    }

    @Test func unitsAfterANumberAreReadAsWords() {
        #expect(SpeechText.normalize("The trail is 9 km long; bags up to 1 kg, 50 km/h.")
                == "The trail is 9 kilometres long; bags up to 1 kilogram, 50 kilometres per hour.")
        #expect(SpeechText.normalize("Heat to 180 °C for 25 mins, a 2800 W kettle") == "Heat to 180 degrees Celsius for 25 minutes, a 2800 watts kettle")
        // A unit needs a number before it: words stay as written.
        #expect(SpeechText.normalize("The km marker and the W entrance") == "The km marker and the W entrance")
    }

    @Test func abbreviationsRangesAndClockTimesAreReadAsSpoken() {
        #expect(SpeechText.normalize("Open Mon–Fri, 9–5; room No. 4, approx. 3 hrs") == "Open Monday to Friday, 9 to 5; room number 4, approximately 3 hours")
        #expect(SpeechText.normalize("Doors 17:00, last entry 21:45, lunch at 12:00 or 09:05")
                == "Doors 5 pm, last entry 9 45 pm, lunch at 12 o'clock or 9 oh 5")
        #expect(SpeechText.normalize("Call 555-0142, e.g. at 10:00 am") == "Call 555-0142, for example at 10 am")
        // British English writes a clock time with a full stop; a price keeps its point.
        #expect(SpeechText.normalize("Gates open at 8.50am, clubs run 3.15–4.00pm, £4.50 a session")
                == "Gates open at 8:50am, clubs run 3:15 to 4pm, 4 pounds and 50 pence a session")
        #expect(SpeechText.normalize("Drop-in 9.30–11am") == "Drop-in 9:30 to 11am")
    }
}
