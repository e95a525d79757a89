import Foundation
@testable import Retrieval
import Testing
import VoiceCore

/// How a question's asked fact is matched against one sentence: its kind (a count of lanes, a time, a night), the
/// clause that states it, and the words the question needs the sentence to have.
@Suite struct AnswerShapeTests {
    @Test func aWordWithAnEnglishEndingIsAFormOfItsStemAndAPlaceNameStartingWithOneIsNot() {
        #expect(TextWords.sharesPrefix("opening", "open"))
        #expect(TextWords.sharesPrefix("planned", "plan"))
        #expect(TextWords.sharesPrefix("bookings", "booking"))
        #expect(!TextWords.sharesPrefix("marshend", "marsh"))
        #expect(!TextWords.sharesPrefix("parkway", "park"))
    }

    @Test func sideBySideFactsSplitIntoClausesThatEachStandAlone() {
        #expect(Clauses.of("A 10-week block costs $72 for Stages 1 to 3 and $80 for Stages 4 to 6.")
            == ["A 10-week block costs $72 for Stages 1 to 3.", "A 10-week block costs $80 for Stages 4 to 6."])
        #expect(Clauses.of("Every kettle is covered for two years from the date of purchase, or three years if registered.")
            == ["Every kettle is covered for two years from the date of purchase.",
                "Every kettle is covered for three years if registered."])
        #expect(Clauses.of("Unused items may be returned within 30 days, and opened items within 14 days for a $5 fee.")
            == ["Unused items may be returned within 30 days.", "Opened items may be returned within 14 days for a $5 fee."])
        #expect(Clauses.of("A full K7 boils in about 3 minutes, while a full K9 takes about 4 minutes.")
            == ["A full K7 boils in about 3 minutes.", "A full K9 takes about 4 minutes."])
    }

    @Test func anEllipticHalfBorrowsFromTheWholeClauseJustBeforeIt() {
        #expect(Clauses.of("A 2-person tent costs £15 a day or £60 a week, and a 4-person tent costs £25 a day or £95 a week.")
            == ["A 2-person tent costs £15 a day.", "A 2-person tent costs £60 a week.", "A 4-person tent costs £25 a day.",
                "A 4-person tent costs £95 a week."])
    }

    /// "What time do you close?" asks the hours, which another time on the same day does not give.
    @Test func aClosingTimeIsStatedByHoursNotByAnotherEventsTime() {
        let asked = "What time do you close on a Saturday?"
        #expect(AnswerType.time.isStated(in: "Monday to Saturday 9am-5:30pm.", question: asked))
        #expect(AnswerType.time.isStated(in: "On Saturdays we close at 5:30pm.", question: asked))
        #expect(AnswerType.time.isStated(in: "Friday and Saturday: 11:00 to midnight", question: "What time does the bar shut on a Friday night?"))
        #expect(!AnswerType.time.isStated(in: "A guided walk leaves the shop every Saturday at 9:30am.", question: asked))
        #expect(AnswerType.time.isStated(in: "A guided walk leaves the shop every Saturday at 9:30am.",
                                         question: "What time is the guided walk on Saturday?"))
    }

    /// "How old" asks an age, which a limit with no top gives without the word "age".
    @Test func howOldIsAnsweredByAnAgeLimit() {
        let asked = QuestionWords("How old do you have to be to join the club?")
        #expect(asked.coverage(of: "You need to be 16 or over to join the club.", weights: [:]).missing.isEmpty)
        #expect(asked.coverage(of: "Joining the club costs £15 a year.", weights: [:]).missing.contains("old"))
    }

    /// "How much extra…" asks the price of an addition; "an extra bed" is a thing.
    @Test func extraInAPriceQuestionAsksTheAddedPriceUnlessANounFollows() {
        #expect(AnswerType.frameWords(of: "How much extra do you charge for next-day delivery?").contains("extra"))
        #expect(AnswerType.frameWords(of: "Do you charge extra for a Saturday night?").contains("extra"))
        #expect(!AnswerType.frameWords(of: "How much is an extra bed?").contains("extra"))
    }

    @Test func listsAndSingleFactsAreNotSplit() {
        #expect(Clauses.of("The pool is closed on 25 December, 26 December and 1 January.") == [])
        #expect(Clauses.of("Lockers take a $1 coin and you get it back.") == [])
    }

    /// "Stage five" of a sentence pricing "Stages 1 to 3" and "Stages 4 to 6" is answered with the second price only.
    @Test func theClauseThatHoldsTheAskedItemIsTheEvidence() {
        let chunk = StoredChunk(id: "l#0", documentID: "l", source: "lessons.md", title: "Lessons", heading: "Prices",
                                text: "A 10-week block costs $72 for Stages 1 to 3 and $80 for Stages 4 to 6.", vector: [])
        let query = "What does a block cost for stage five?"
        let ranked = EvidenceSelector.rank(EvidenceSelector.candidates([chunk]).map { ($0, [Float]()) }, query: query,
                                           question: QuestionWords(query), queryVector: [], weights: [:],
                                           known: ["block", "stage"])
        #expect(ranked.first?.text == "A 10-week block costs $80 for Stages 4 to 6.")
    }

    /// "How long" is answered by the clause with a duration, not by one about the same thing with a count; a
    /// question asking two kinds keeps the whole sentence.
    @Test func theClauseThatStatesTheAskedKindOfFactIsTheEvidence() {
        let chunk = StoredChunk(id: "s#0", documentID: "s", source: "spa.md", title: "Spa", heading: "Hot tub",
                                text: "The hot tub holds six people, and it runs for 15 minutes at a time.", vector: [])
        func best(_ query: String) -> String? {
            EvidenceSelector.rank(EvidenceSelector.candidates([chunk]).map { ($0, [Float]()) }, query: query,
                                  question: QuestionWords(query), queryVector: [], weights: [:], known: ["hot", "tub"]).first?.text
        }
        #expect(best("How long can I use the hot tub?") == "It runs for 15 minutes at a time.")
        #expect(best("How many people fit in the hot tub?") == "The hot tub holds six people.")
        #expect(best("How many can go in the hot tub, and how long can I stay?")
                == "The hot tub holds six people, and it runs for 15 minutes at a time.")
        // A clause about another item states a price, but not the asked one's.
        let other = StoredChunk(id: "s#1", documentID: "s", source: "spa.md", title: "Spa", heading: "Opening",
                                text: "The steam room is open until 9 pm, and lockers cost $1.", vector: [])
        let steam = "How much is the steam room?"
        #expect(EvidenceSelector.rank(EvidenceSelector.candidates([other]).map { ($0, [Float]()) }, query: steam,
                                      question: QuestionWords(steam), queryVector: [], weights: [:],
                                      known: ["steam", "room", "lockers"]).first?.text == "The steam room is open until 9 pm.")
        #expect(AnswerType.asksSeveralKinds("How many can come, and what's the price?"))
        #expect(!AnswerType.asksSeveralKinds("How much is a single and a return?"))
    }

    /// A holiday is demanded of a sentence that gives dates, none of them its own; one that gives no date ("on
    /// public holidays") may still answer for it.
    @Test func aSentenceGivingOtherDatesIsNotAboutTheAskedHoliday() {
        let query = "What time does the café close on New Year's Eve?"
        #expect(Self.unmatched(query, "The café closes at 15:00 on 24 December and 1 January.").contains("eve"))
        #expect(Self.unmatched(query, "The café closes at 15:00 on 31 December.") == [])
        #expect(Self.unmatched(query, "The café closes at 15:00 on public holidays.") == [])
    }

    /// The question words the café's `text`, under "Hours", does not match, of those the knowledge base has.
    static func unmatched(_ query: String, _ text: String, known: Set<String> = ["café", "close"]) -> [String] {
        let chunk = StoredChunk(id: "c#0", documentID: "c", source: "cafe.md", title: "Café", heading: "Hours", text: text, vector: [])
        return EvidenceSelector.rank(EvidenceSelector.candidates([chunk]).map { ($0, [Float]()) }, query: query,
                                     question: QuestionWords(query), queryVector: [], weights: [:],
                                     known: known).first?.unmatched ?? []
    }

    /// A day, even one the knowledge base never writes in full, is demanded of a sentence that names other days; one
    /// that names no day may still answer for it, and asked yes or no, one naming other days answers no.
    @Test func aSentenceNamingOtherDaysIsNotAboutTheAskedDay() {
        let query = "What time does the café close on Saturdays?"
        #expect(Self.unmatched(query, "The café is normally closed on Mondays.") == ["saturdays"])
        #expect(Self.unmatched(query, "The café closes at 16:00 on Saturdays and Sundays.") == [])
        #expect(Self.unmatched(query, "The café closes at 16:00.") == [])
        // Asked yes or no, it answers no.
        #expect(Self.unmatched("Is the café open on Saturdays?", "The café is open on Mondays and Tuesdays.", known: ["café", "open"]) == [])
    }

    /// A table cell with a short row name is evidence however few its words ("Adult, Single: $5.40."); a short
    /// heading or fragment is not.
    @Test func aShortCellIsEvidenceButAShortHeadingIsNot() {
        let fares = StoredChunk(id: "f#0", documentID: "f", source: "fares.html", title: "Fares", heading: "Fares – Ticket",
                                text: "Adult, Single: $5.40.\n\nChild (5–15), Single: $2.70.\n\nPrices from May.\n\nSunday: closed.",
                                vector: [])
        #expect(EvidenceSelector.candidates([fares]).map(\.text) == ["Adult, Single: $5.40.", "Child (5–15), Single: $2.70.", "Sunday: closed."])
    }

    /// A sentence a lead-in with a colon announced is read with the lead-in, so it can answer on its own; a sentence
    /// that only counts something ("…a fixed gangway with two steps.") announces nothing.
    @Test func aSentenceALeadInAnnouncedIsReadWithIt() {
        let notice = StoredChunk(id: "n#0", documentID: "n", source: "notice.txt", title: "Roof works", heading: "Earlier pick-up",
                                 text: "On Tuesdays and Thursdays from 24 February, the school day will end earlier:\n\n"
                                     + "Reception will finish at 2.50pm instead of 3.05pm.\n\nYears 1 to 6 will finish at 3.00pm instead of 3.15pm.",
                                 vector: [])
        let candidates = EvidenceSelector.candidates([notice])
        #expect(candidates.first { $0.text.hasPrefix("Years 1 to 6") }?.previous
                == "On Tuesdays and Thursdays from 24 February, the school day will end earlier:")
        let boats = StoredChunk(id: "b#0", documentID: "b", source: "boats.md", title: "Boarding", heading: "Getting on board",
                                text: "Crew put out a ramp on every sailing, except on the night boat, which has a gangway with two steps. "
                                    + "If you would like help to board, let us know a day ahead.", vector: [])
        #expect(EvidenceSelector.candidates([boats]).first { $0.text.hasPrefix("If you would") }?.previous == nil)
    }

    /// A pronoun's antecedent is looked for past another sentence that opens with a pronoun, within the section.
    @Test func aPronounIsReadWithTheSentenceThatNamesItTwoSentencesBack() {
        let chunk = StoredChunk(id: "w#0", documentID: "w", source: "waste.md", title: "Waste", heading: "Paint",
                                text: "Paint tins and aerosols need care. These can leak in the truck. They go to the recycling centre instead.",
                                vector: [])
        let candidates = EvidenceSelector.candidates([chunk])
        #expect(candidates.first { $0.text.hasPrefix("They go") }?.previous
                == "Paint tins and aerosols need care. These can leak in the truck.")
        #expect(candidates.first { $0.text.hasPrefix("These can") }?.previous == "Paint tins and aerosols need care.")
        #expect(candidates.first { $0.text.hasPrefix("Paint tins") }?.previous == nil)
        // A list item is no antecedent: the paragraph after a list is about what the paragraphs name.
        let hours = StoredChunk(id: "h#0", documentID: "h", source: "hours.md", title: "Hours", heading: "Opening hours",
                                text: "Marina office, Saturday: 9:00 to 11:00\n\nIt closes early in a storm.", vector: [])
        #expect(EvidenceSelector.candidates([hours]).first { $0.text.hasPrefix("It closes") }?.previous == nil)
        let query = "Where do paint tins go?"
        let ranked = EvidenceSelector.rank(candidates.map { ($0, [Float]()) }, query: query, question: QuestionWords(query),
                                           queryVector: [], weights: [:], known: ["paint", "tins"])
        #expect(ranked.first { $0.text.hasPrefix("They go") }?.unmatched == [])
    }

    /// A pronoun sentence that names days of its own is about those days: "It is closed on Sundays" does not answer
    /// for the Saturday of the sentence it is read with, which does.
    @Test func aPronounSentenceWithDaysOfItsOwnIsNotAboutTheDaysOfItsAntecedent() {
        let chunk = StoredChunk(id: "p#0", documentID: "p", source: "pound.md", title: "Towing", heading: "Getting your car back",
                                text: "Removed vehicles go to the Ferry Lane pound, which is open Monday to Friday 8am to 8pm "
                                    + "and Saturday 9am to 1pm. It is closed on Sundays.", vector: [])
        let candidates = EvidenceSelector.candidates([chunk])
        #expect(candidates.first { $0.text.hasPrefix("It is closed") }?.previous != nil)
        let query = "Is the pound open on Saturdays?"
        let ranked = EvidenceSelector.rank(candidates.map { ($0, [Float]()) }, query: query, question: QuestionWords(query),
                                           queryVector: [], weights: [:], known: ["pound", "open", "saturdays"])
        #expect(ranked.first { $0.text.hasPrefix("It is closed") }?.unmatched == ["saturdays"])
        #expect(ranked.first { $0.text.hasPrefix("Removed") }?.unmatched == [])
        // Without days of its own, it is read with its antecedent's.
        let opening = StoredChunk(id: "o#0", documentID: "o", source: "pound.md", title: "Towing", heading: "Getting your car back",
                                  text: "The Ferry Lane pound opens on Saturdays. It closes at 1pm.", vector: [])
        let read = EvidenceSelector.rank(EvidenceSelector.candidates([opening]).map { ($0, [Float]()) }, query: query,
                                         question: QuestionWords(query), queryVector: [], weights: [:],
                                         known: ["pound", "open", "saturdays"])
        #expect(read.first { $0.text.hasPrefix("It closes") }?.unmatched == [])
    }

    /// "How many people" is answered by a count of any kind of person, which WordNet knows; a count of another
    /// thing does not answer it.
    @Test func howManyPeopleIsAnsweredByACountOfAnyKindOfPerson() throws {
        let lexicon = try #require(Lexicon(), "WordNet (wordnet-base) is installed by scripts/setup.sh")
        let chunk = StoredChunk(id: "w#0", documentID: "w", source: "taxi.md", title: "Water taxi", heading: "The boat",
                                text: "The water taxi carries no more than eight passengers. It stops at 12 piers.", vector: [])
        let query = "How many people can fit in the water taxi?"
        let ranked = EvidenceSelector.rank(EvidenceSelector.candidates([chunk]).map { ($0, [Float]()) }, query: query,
                                           question: QuestionWords(query, lexicon: lexicon), queryVector: [], weights: [:],
                                           known: ["water", "taxi", "passengers", "piers"])
        #expect(ranked.first { $0.text.contains("passengers") }?.states_fact == true, "\(ranked)")
        #expect(ranked.first { $0.text.contains("piers") }?.states_fact == false, "\(ranked)")
    }

    /// "Cheaper" asks for a lower price, which a discount states; "cheapest" asks for a comparison no one sentence
    /// makes, so it asks no kind of fact.
    @Test func cheaperAsksForAPriceThatADiscountStates() {
        #expect(AnswerType(question: "If I'm a member, is firing any cheaper?") == .money)
        #expect(AnswerType.money.isStated(in: "Members get 20% off all firing prices.", question: "Is firing any cheaper?"))
        #expect(AnswerType(question: "What's your cheapest stoneware?") == nil)
    }

    /// "Who can…" and "who's allowed…" ask which people may, answered by a kind of people, not a name.
    @Test func whoMayAsksForAKindOfPeopleNotAName() {
        #expect(AnswerType(question: "Who's allowed a bigger rubbish bin?") == nil)
        #expect(AnswerType(question: "Who can join the book club?") == nil)
        #expect(AnswerType(question: "Who designed the bridge?") == .person)
    }

    /// A name after a title ("Mr Gareth Lomax") answers "who"; a title before a name the question already holds
    /// does not.
    @Test func aNameAfterATitleAnswersWho() throws {
        let question = "Who's the main safeguarding person at the school?"
        let who = try #require(AnswerType(question: question))
        #expect(who.isStated(in: "Our Designated Safeguarding Lead is Mr Gareth Lomax, Deputy Headteacher.", question: question))
        #expect(!who.isStated(in: "The safeguarding policy is on the school website.", question: question))
        let brennan = "Who's seeing Dr Brennan's patients?"
        #expect(!(try #require(AnswerType(question: brennan))).isStated(in: "Dr Brennan is on leave until January.", question: brennan))
    }

    /// British English writes a clock time with a full stop ("7.45am"); a price with one is no time.
    @Test func aClockTimeWithAFullStopIsATime() throws {
        let question = "What time does breakfast club start?"
        let time = try #require(AnswerType(question: question))
        #expect(time.isStated(in: "It opens at 7.45am.", question: question))
        #expect(time.isStated(in: "Clubs run 3.15–4.00pm.", question: question))
        #expect(!time.isStated(in: "It costs £4.50 a session.", question: question))
        // "What time" asks for a time of day, which a date alone does not give; "when" is answered by one.
        #expect(!time.isStated(in: "Autumn 2025, Pupils start: Wednesday 3 September 2025.", question: question))
        #expect(time.isStated(in: "The box office shuts 15 minutes after the last film starts.", question: question))
        #expect(time.isStated(in: "Library, Mon–Fri: 9.30–17.30.", question: question))
        #expect(!time.isStated(in: "We stock 5 amazing glazes, from 2 ampoules.", question: question))
        let when = "When does the autumn term start?"
        #expect(try #require(AnswerType(question: when)).isStated(in: "Autumn 2025, Pupils start: Wednesday 3 September 2025.", question: when))
    }

    /// "How long" is answered by a span between two dates; "15p" is a price, as "£0.15" is.
    @Test func aSpanOfDatesSaysHowLongAndPenceAreAPrice() throws {
        let question = "How long is Surgery 2 out of action for?"
        let howLong = try #require(AnswerType(question: question))
        #expect(howLong.isStated(in: "Surgery 2 will be closed for refurbishment from 9 June to 27 June.", question: question))
        #expect(howLong.isStated(in: "The children's floor is closed 3–15 March.", question: question))
        #expect(!howLong.isStated(in: "Surgery 2 is on the first floor, next to room 3.", question: question))
        #expect(!howLong.isStated(in: "Levels of 5 to 10 decibels are normal.", question: question))
        let price = "How much is it per page for colour printing?"
        let money = try #require(AnswerType(question: price))
        #expect(money.isStated(in: "Colour pages are 15p each.", question: price))
        #expect(!money.isStated(in: "Printing closes at 5pm.", question: price))
    }

    @Test func howManyAsksForACountOfTheNamedThing() throws {
        let lanes = try #require(AnswerType(question: "How many lanes has the main pool got?"))
        #expect(lanes.isStated(in: "The main pool is 25 metres long with six lanes.", question: "How many lanes has the main pool got?"))
        #expect(!lanes.isStated(in: "The learner pool is 12 metres by 7 metres.", question: "How many lanes has the main pool got?"))
        let watts = try #require(AnswerType(question: "How many watts is the K9?"))
        #expect(watts.isStated(in: "Power, K9: 2800 W.", question: "How many watts is the K9?"))
        #expect(!watts.isStated(in: "Keep-warm time, K9: 45 minutes.", question: "How many watts is the K9?"))
    }

    /// "How many parking spaces" counts spaces, not parking; a table row names what it counts before its number.
    /// A code after "how many" is what is asked about, not what is counted.
    @Test func howManyCountsACompoundNounAndATableCellNamesItBeforeItsNumber() throws {
        let question = "How many parking spaces does the hotel have?"
        let spaces = try #require(AnswerType(question: question))
        #expect(spaces.isStated(in: "Hotel Marlow, Parking spaces: 40.", question: question))
        #expect(spaces.isStated(in: "The car park has 40 spaces.", question: question))
        #expect(!spaces.isStated(in: "Hotel Marlow, Parking: £12 per night.", question: question))
        // A plural noun is what is counted, not the first of a compound; a clock time is no table cell.
        let lanes = "How many lanes open on Sundays?"
        #expect(try #require(AnswerType(question: lanes)).isStated(in: "Opening hours: 7:00 to 12:00.", question: lanes) == false)
        #expect(try #require(AnswerType(question: lanes)).isStated(in: "Lanes open at 6:30.", question: lanes) == false)
        let code = "How many what is the X5?"
        #expect(try #require(AnswerType(question: code)).isStated(in: "Weight, X5: 1.2 kg.", question: code) == false)
    }

    /// After a question, the next clause qualifies it: "who is 4" asks no name.
    @Test func aClauseAfterAQuestionDoesNotAskAgain() throws {
        #expect(AnswerType(question: "Can I bring my son, who is 4?") == nil)
        #expect(AnswerType(question: "I'm a member — when can I cancel?") == .time)
        #expect(AnswerType(question: "whens the glass collected") == .time, "a contraction without its apostrophe")
    }

    /// "While" and "instead" join or relate clauses and name nothing a sentence must repeat; "people" is the plural
    /// of "person", which WordNet does not say.
    @Test func conjunctionsNameNothingAndPeopleArePersons() throws {
        let lexicon = try #require(Lexicon(), "WordNet (wordnet-base) is installed by scripts/setup.sh")
        let closed = QuestionWords("Can I still use the gym while the pool is shut?", lexicon: lexicon)
        #expect(!closed.focus.contains("while"))
        let table = QuestionWords("What about the six-person table instead?", lexicon: lexicon)
        #expect(!table.focus.contains("instead"))
        #expect(!table.coverage(of: "Large table (6 people): £40 deposit.", weights: [:]).missing.contains("person"))
    }

    /// "How big" is answered by a size and "how heavy" by a weight, in whatever unit, though the sentence never says
    /// "big" or "heavy"; a weight does not answer "how big", nor a size "how heavy".
    @Test func aMeasureAdjectiveIsAnsweredByANumberInOneOfItsUnits() throws {
        let caddy = StoredChunk(id: "c#0", documentID: "c", source: "food.md", title: "Food waste", heading: nil,
                                text: "You have a 7-litre kitchen caddy for indoors and a 23-litre bin for the kerb.", vector: [])
        for (query, found) in [("How big is the kitchen caddy?", true), ("How heavy is the kitchen caddy?", false)] {
            let ranked = EvidenceSelector.rank(EvidenceSelector.candidates([caddy]).map { ($0, [Float]()) }, query: query,
                                               question: QuestionWords(query), queryVector: [], weights: [:],
                                               known: ["kitchen", "caddy", "bin"])
            // Found as a measure, the adjective counts as a word matched inexactly (0.85 of its weight).
            #expect((ranked.first?.coverage ?? 0 > 0.9) == found, "\(query): \(ranked)")
        }
        #expect(AnswerType.givesMeasure(asked: "heavy", TextWords.words("Each bag may weigh up to 20kg.")))
        #expect(AnswerType.givesMeasure(asked: "tall", TextWords.words("Riders must be at least 1.2 m tall.")))
        #expect(!AnswerType.givesMeasure(asked: "tall", TextWords.words("Riders must be at least 8 years old.")))
        // A length said to be another dimension is not the one asked for.
        #expect(!AnswerType.givesMeasure(asked: "deep", TextWords.words("The main pool is 25 metres long with six lanes.")))
        #expect(!AnswerType.givesMeasure(asked: "tall", TextWords.words("Cable length, K9: 0.9 m.")))
        #expect(!AnswerType.givesMeasure(asked: "tall", TextWords.words("Place it at least 20 cm away from walls.")))
        #expect(AnswerType.givesMeasure(asked: "deep", TextWords.words("The diving pit has a depth of 3.8 m.")))
        let howLong = "How long is the cable?"
        #expect(try #require(AnswerType(question: howLong)).isStated(in: "The cable is 0.9 m long.", question: howLong))
        #expect(!(try #require(AnswerType(question: howLong)).isStated(in: "Tie it in bundles 1 metre across.", question: howLong)))
        #expect(try #require(AnswerType(question: howLong)).isStated(in: "The pitch is 10 m wide and 12 m long.", question: howLong))
        #expect(AnswerType.givesMeasure(asked: "big", TextWords.words("The car park on High Street is 40 m wide.")))
    }

    /// "How long does it take" asks a duration: a length does not give one, as it may for "How long is the bridge?".
    @Test func howLongBeforeAVerbAsksADuration() throws {
        let permit = "How long does a van permit take to come through?"
        let type = try #require(AnswerType(question: permit))
        #expect(!type.isStated(in: "Towing a trailer longer than 1.8 metres, you need a van permit.", question: permit))
        #expect(type.isStated(in: "Permits are posted within 10 working days.", question: permit))
        let stay = "How long can I stay in the sauna?"
        #expect(try #require(AnswerType(question: stay)).isStated(in: "Sessions last 15 minutes.", question: stay))
        let bridge = "How long is the bridge?"
        #expect(try #require(AnswerType(question: bridge)).isStated(in: "The bridge is 214 metres long.", question: bridge))
    }

    /// A measure asked by its noun ("the weight limit", "what size") is asked like one after "how": it is said, or
    /// a number in one of its units is given; a sentence about heavy things with no number does not answer.
    @Test func aMeasureNamedByItsNounWantsItsNumber() throws {
        let question = "What's the weight limit for bulky items?"
        #expect(AnswerType.attributeWords(of: question) == ["weight"])
        let type = try #require(AnswerType(question: question))
        #expect(!type.isStated(in: "Staff can help you lift heavy items, but please bring someone with you.", question: question))
        #expect(type.isStated(in: "Each item may weigh up to 40 kg.", question: question))
        #expect(AnswerType.givesMeasure(asked: "weight", TextWords.words("Each item may weigh up to 40 kg.")))
        #expect(AnswerType.givesMeasure(asked: "size", TextWords.words("You get a 240-litre green-lid bin.")))
        #expect(!AnswerType.givesMeasure(asked: "height", TextWords.words("Cable length, K9: 0.9 m.")))
    }

    /// "How much water" asks an amount of water: "500 ml" or "1.7 litres" gives one, "for 3 seconds" does not.
    @Test func anAmountOfAThingIsNotAPeriod() throws {
        let question = "How much water does the K9 hold?"
        let water = try #require(AnswerType(question: question))
        #expect(water.isStated(in: "Capacity, K9: 1.7 litres.", question: question))
        #expect(water.isStated(in: "Fill it with 500 ml of water.", question: question))
        #expect(!water.isStated(in: "It switches on when you hold the dial for 3 seconds.", question: question))
        let time = "How much time does descaling take?"
        #expect(try #require(AnswerType(question: time)).isStated(in: "Descaling takes 20 minutes.", question: time))
        #expect(AnswerType(question: "How much is a monthly pass?") == .money)
    }

    /// "Oh", "um" and "okay" are how people speak, not what they ask about.
    @Test func interjectionsAreNotContentWords() {
        let words = QuestionWords("Oh and um, okay, what goes in the purple bin?").words
        #expect(words.contains("purple") && words.contains("bin") && !words.contains { ["oh", "um", "okay"].contains($0) }, "\(words)")
    }

    /// Speech recognition writes "when's" as "whens" and "isn't" splits into "isn" and "t": neither is a word the
    /// evidence must hold.
    @Test func contractionsWithOrWithoutTheirApostropheAreNotContentWords() {
        #expect(QuestionWords("whens the bottle bank emptied").words == ["bottle", "bank", "emptied"])
        #expect(QuestionWords("My friend isn't a member, can she swim?").words == ["friend", "member", "swim"])
    }

    /// A day the knowledge base never writes is still answered by the days it gives ("Tuesday to Saturday" says
    /// the shop is shut on Mondays): it is no unknown thing asked about, as a word no chunk holds is.
    @Test func aDayTheKnowledgeBaseNeverNamesIsNotAnUnknownWord() {
        let chunk = StoredChunk(id: "s#0", documentID: "s", source: "faq.html", title: "Help and FAQ",
                                heading: "Our shop", text: "The shop on Quay Street is open Tuesday to Saturday, 9:30am to 5pm.", vector: [])
        let query = "Is the shop on Quay Street open on Mondays?"
        let ranked = EvidenceSelector.rank(EvidenceSelector.candidates([chunk]).map { ($0, [Float]()) }, query: query,
                                           question: QuestionWords(query), queryVector: [], weights: [:],
                                           known: ["shop", "quay", "street", "open", "tuesday", "saturday"])
        #expect(ranked.first?.unknown == [], "\(ranked)")
        let other = "Is the shop on Quay Street open on bank holidays?"
        let unknown = EvidenceSelector.rank(EvidenceSelector.candidates([chunk]).map { ($0, [Float]()) }, query: other,
                                            question: QuestionWords(other), queryVector: [], weights: [:],
                                            known: ["shop", "quay", "street", "open", "tuesday", "saturday"])
        #expect(unknown.first?.unknown.contains("holidays") == true, "\(unknown)")
    }

    /// A spec table's rows read "Load, T5: 40 kg."; the question names the unit in full and the one model it means.
    @Test func aUnitAskedByNameMatchesItsSymbolAndASiblingModelsRowIsNotEvidence() {
        let chunk = StoredChunk(id: "t#0", documentID: "t", source: "trolleys.md", title: "T3 and T5 Garden Trolleys",
                                heading: "Specifications", text: "Load, T3: 25 kg. Load, T5: 40 kg. Bed length, T5: 90 cm.", vector: [])
        let query = "How many kilograms can the T5 carry?"
        let ranked = EvidenceSelector.rank(EvidenceSelector.candidates([chunk]).map { ($0, [Float]()) }, query: query,
                                           question: QuestionWords(query), queryVector: [], weights: [:],
                                           known: ["load", "t3", "t5", "bed", "length"])
        let load = ranked.first { $0.text == "Load, T5: 40 kg." }
        #expect(load?.unknown.contains("kilograms") == false && load?.unmatched == [], "\(ranked)")
        let sibling = ranked.first { $0.text == "Load, T3: 25 kg." }
        #expect(sibling?.unmatched == ["t5"], "\(ranked)")
        #expect(QuestionWords.isModelCode("t5") && !QuestionWords.isModelCode("10am") && !QuestionWords.isModelCode("3rd"))
        #expect(AnswerType.givesAmount(in: "centimetres", ["bed", "length", "t5", "90", "cm"]))
        #expect(!AnswerType.givesAmount(in: "kilograms", ["bed", "length", "t5", "90", "cm"]))
    }

    /// A follow-up asked with the question it leans on: the follow-up says what kind of fact is wanted now.
    @Test func theLastQuestionThatNamesAKindOfFactIsTheOneAsked() throws {
        let asked = try #require(AnswerType.asked(in: "What does the boat trip cost? And how long does it take?"))
        #expect(asked.type == .number && asked.question == "And how long does it take?")
        #expect(asked.type.isStated(in: "The trip takes 40 minutes.", question: asked.question))
        #expect(AnswerType.asked(in: "What does the boat trip cost? And for children?")?.type == .money)
        // A yes-or-no follow-up asks its own thing, not the price asked before it.
        #expect(AnswerType.asked(in: "What does it cost for a dog? Do they have to be on a lead?") == nil)
        #expect(AnswerType.asked(in: "What does it cost for a dog? And are they allowed on the night boat?") == nil)
        // So does one with its own question word, unless it only swaps the thing asked about.
        #expect(AnswerType.asked(in: "How much for three big items? How do I book that?") == nil)
        #expect(AnswerType.asked(in: "How late can I cancel? And what happens if I cancel after that?") == nil)
        #expect(AnswerType.asked(in: "What time does it close? What about in winter?")?.type == .time)
        #expect(AnswerType.asked(in: "What time does it close? What if it's a Sunday?")?.type == .time)
        #expect(AnswerType.asked(in: "Tell me about the boat trip") == nil)
    }

    @Test func whyAsksForACauseOrACondition() throws {
        let question = "Why does my kettle switch off before it boils?"
        let type = try #require(AnswerType(question: question))
        #expect(type == .reason)
        #expect(type.isStated(in: "Switches off early, Likely cause: limescale on the plate.", question: question))
        #expect(type.isStated(in: "It switches off when the filter is blocked.", question: question))
        #expect(!type.isStated(in: "Switches off early, What to do: run a descale cycle.", question: question))
        #expect(AnswerType(question: "Why is there a fee for changing a booking?") == .reason, "the reason, not the fee")
    }

    @Test func aPeriodMayQualifyItsUnit() {
        let type = AnswerType.number
        let question = "How long have I got to report a missed bin?"
        #expect(type.isStated(in: "Report it within 2 working days of your collection day.", question: question))
        #expect(type.isStated(in: "Refunds take ten business days.", question: question))
        #expect(!type.isStated(in: "Two staff check the bins every day.", question: question), "a count, not a period")
    }

    @Test func aPriceMayBeStatedRelativeToAnother() throws {
        let price = try #require(AnswerType(question: "How much is it for students?"))
        #expect(price.isStated(in: "Students pay half price.", question: "How much is it for students?"))
        #expect(price.isStated(in: "Members get 20% off every booking.", question: "How much is it for students?"))
        #expect(!price.isStated(in: "The price list is at reception.", question: "How much is it for students?"))
        #expect(!price.isStated(in: "Half of the seats are reserved.", question: "How much is it for students?"))
    }

    @Test func aTimeIsAClockTimeADayOrAPeriodNotAnyNumber() throws {
        let when = try #require(AnswerType(question: "When is the adults-only swim?"))
        #expect(when == .time)
        #expect(!when.isStated(in: "Swimmers under 8 must be accompanied by an adult.", question: "When is the adults-only swim?"))
        #expect(!when.isStated(in: "Single swim, Adult: $4.80.", question: "When is the adults-only swim?"))
        #expect(when.isStated(in: "Adults-only swims run 20:00–21:00.", question: "When is the adults-only swim?"))
        #expect(when.isStated(in: "It closes for 2 weeks.", question: "When is the adults-only swim?"))
        #expect(AnswerType(question: "What are the hours on a bank holiday?") == .time)
        #expect(AnswerType.frameWords(of: "What are the hours on a bank holiday?").contains("hours"))
        #expect(AnswerType(question: "What night are the adult lessons?") == .day)
    }

    /// "How tall" must be answered by a height, not by the cable's length, and "loud" is not heard in "lid".
    @Test func aMeasureNamedAfterHowMustBeInTheSentence() {
        #expect(AnswerType.attributeWords(of: "How tall is the K9?") == ["tall"])
        #expect(AnswerType.attributeWords(of: "How long is the cord?") == [])
        let question = QuestionWords("How loud is the K7 when it boils?")
        #expect(question.coverage(of: "Do not open the lid while the K7 boils.", weights: [:]).missing == ["loud"])
    }

    /// A misheard word is found by its sound ("peer" for "Pier"), but two consonants alone are no sound-alike:
    /// "cat" is not "getting", nor "ferry" "free".
    @Test func aShortSoundAlikeHasAsManySyllables() {
        #expect(QuestionWords("Which peer does the boat go from?").coverage(of: "Boats go from Pier 1.", weights: [:]).missing == [])
        #expect(Set(QuestionWords("Can I take my cat on the ferry?")
            .coverage(of: "Getting on board: assistance dogs travel free.", weights: [:]).missing).isSuperset(of: ["cat", "ferry"]))
        #expect(QuestionWords("Can I bring my cat?").coverage(of: "The boat carries eight passengers.", weights: [:]).missing.contains("cat"))
    }

    /// A verb weighs no more than the lightest word naming the asked thing: where "night" and "boat" are common,
    /// a rare "go" must not sink the row that names both.
    @Test func aVerbWeighsNoMoreThanTheThingAsked() throws {
        let lexicon = try #require(Lexicon(), "WordNet (wordnet-base) is installed by scripts/setup.sh")
        let question = QuestionWords("How often does the night boat go?", lexicon: lexicon)
        #expect(!question.focus.contains("go"))
        let weights = ["night": 0.4, "boat": 0.3, "go": 2.5]
        #expect(question.coverage(of: "Night boat, Frequency: every 75 minutes.", weights: weights).share > 0.65)
    }

    /// "My six year old" is an age: a sentence states it as a bound, and any other "6" is not it.
    @Test func anAgeIsFoundInsideAnAgeBoundOnly() {
        let question = QuestionWords("Must I swim with my six year old?")
        #expect(question.coverage(of: "Swimmers under 8 must swim with an adult.", weights: [:]).missing == [])
        #expect(question.coverage(of: "Swimmers aged 8 to 15 may swim alone.", weights: [:]).missing == ["six"])
        #expect(question.coverage(of: "Children swim through 6 stages.", weights: [:]).missing == ["six"])
        #expect(QuestionWords("Can my 17-year-old swim?").coverage(of: "Over-16s swim alone.", weights: [:]).missing == [])
        // A count is no age, and a bound past any age does not trap.
        #expect(question.coverage(of: "Over 500 titles and 200+ films for all ages.", weights: [:]).missing.contains("six"))
        // Written in words, and as "N and under".
        #expect(question.coverage(of: "Under fives swim free.", weights: [:]).missing.contains("six"))
        #expect(!question.coverage(of: "Six-year-olds swim with an adult.", weights: [:]).missing.contains("six"))
        #expect(!question.coverage(of: "Children 7 and under swim with an adult.", weights: [:]).missing.contains("six"))
    }

    /// Asked whether someone of an age may, a minimum age above it answers no ("Minimum age: 10" to a
    /// 7-year-old); asked a price, only a band that holds the age answers, and an upper limit says nothing of the
    /// older ("Under fives swim free" to "Must I swim with my six year old?").
    @Test func aYesOrNoQuestionAboutAnAgeIsAnsweredByAMinimumAboveIt() {
        let limit = "Stand-up paddleboard, Minimum age: 10."
        #expect(!QuestionWords("Can my 7-year-old go on a paddleboard?").coverage(of: limit, weights: [:]).missing.contains("7"))
        #expect(!QuestionWords("Can my 12-year-old go on a paddleboard?").coverage(of: limit, weights: [:]).missing.contains("12"))
        #expect(QuestionWords("How much is a paddleboard for my 7-year-old?").coverage(of: limit, weights: [:]).missing.contains("7"))
        #expect(QuestionWords("Can my 7-year-old swim alone?").coverage(of: "Swimmers aged 8 to 15 may swim alone.", weights: [:])
            .missing.contains("7"))
        #expect(QuestionWords.minimumAges(in: "Minimum age: 10; 18+ only; over 65s half price; over 500 titles; boats over 12 metres")
                == [10, 18, 66])
        #expect(QuestionWords.minimumAges(in: "Drivers over 25 years old; 4+ people; over one hour; 2+ kg") == [26])
        #expect(AnswerType.asksYesOrNo("Is it £2.50 for my 7-year-old?"))
        #expect(AnswerType.asksYesOrNo("My girl is 12. Does an adult have to come?"))
        #expect(AnswerType.asksYesOrNo("I'm 70, do I pay?") && AnswerType.asksYesOrNo("Can my son, who is 4, come?"))
        #expect(!AnswerType.asksYesOrNo("How much for my 12-year-old?") && !AnswerType.asksYesOrNo("And my 8 year old?"))
    }

    /// A customer gives their own amount ("a 1.4 litre engine", "about 3,200 kilos", "4 tonnes"), a document the
    /// band it falls in: the amount is found only inside a band of its unit, not as any "1" or "3".
    @Test func anAmountWithAUnitIsFoundInTheBandThatHoldsIt() {
        #expect(Measures.asked(in: "How much for a full service on a 1.4 litre Polo?")
                == ["1": .init(unit: "l", value: 1.4), "4": .init(unit: "l", value: 1.4)])
        #expect(Measures.asked(in: "A van that weighs about 3,200 kilos, or 4 tonnes loaded")["200"] == .init(unit: "kg", value: 3200))
        #expect(Measures.asked(in: "It weighs four tonnes")["four"] == .init(unit: "kg", value: 4000))
        let holds = { (text: String, unit: String, value: Double) in
            Measures.bands(in: text)[unit]?.contains { $0.contains(value) } == true
        }
        #expect(holds("Full service, Up to 1.6 litre: £209.", "l", 1.4) && !holds("Full service, 1.6–2.5 litre: £239.", "l", 1.4))
        #expect(holds("Goods vehicles from 3,000 kg to 3,500 kg, Our fee: £52.00.", "kg", 3200))
        #expect(!holds("Goods vehicles from 3,000 kg to 3,500 kg, Our fee: £52.00.", "kg", 4000))
        #expect(!holds("Cars, taxis and light vans up to 3,000 kg, Our fee: £45.00.", "kg", 3200))
        #expect(holds("We can't take vans over 3,500 kg gross weight.", "kg", 4000))
        #expect(holds("Every driver must have no more than 6 penalty points.", "point", 4))
        #expect(holds("More than 10 miles away: sorry.", "mile", 20) && !holds("More than 10 miles away: sorry.", "mile", 8))
        #expect(holds("The main pool is 25 metres long.", "m", 25) && !holds("Bags under 20 kg fly free.", "kg", 20))

        let question = QuestionWords("How much is a full service on a 1.4 litre engine?")
        #expect(question.coverage(of: "Full service, 1.6–2.5 litre: £239.", weights: [:]).missing.contains("1"))
        #expect(!question.coverage(of: "Full service, Up to 1.6 litre: £209.", weights: [:]).missing.contains("1"))
        #expect(!QuestionWords("Can you take a 4 tonne motorhome?").coverage(of: "Nothing over 3,500 kg.", weights: [:]).missing.contains("4"))
    }

    /// What a speaker says of their own situation beside the question is no item the answer must name; where the
    /// question names nothing of its own, the statement names the thing asked about.
    @Test func aStatementBesideTheQuestionIsContextUnlessTheQuestionNamesNothing() {
        #expect(AnswerType.statedContext(in: "I've got 4 points on my licence. Would that stop me getting a loan car?")
                == ["got", "4", "points", "licence"])
        #expect(AnswerType.statedContext(in: "My daughter's 19 and just passed her test, can she drive one of your courtesy cars?")
                == ["daughter", "19", "passed", "test"])
        #expect(AnswerType.statedContext(in: "Can you service my motorhome? It weighs about 4 tonnes.") == ["weighs", "4", "tonnes"])
        #expect(AnswerType.statedContext(in: "I want to hire a jet ski. How much is it?").isEmpty)
        #expect(AnswerType.statedContext(in: "Can I bring my son, who is 4?").isEmpty)
        #expect(AnswerType.statedContext(in: "How much is a 1.4 litre service?").isEmpty)
        #expect(AnswerType.statedContext(in: "For a 1.2 litre car, is it cheaper to book them together?").isEmpty)
        let question = QuestionWords("I've got 4 points on my licence. Would that stop me getting a loan car?")
        #expect(question.context.contains("licence") && !question.context.contains("car"))
    }

    /// "I'm 70" (or, misheard, "im seventy") is an age too, and so is a number said of someone of mine ("my son's
    /// 16", "my sons nine") or after "turning"; "I'm 5 minutes away" and "my bill is 16" are not.
    @Test func aNumberSaidOfAPersonIsAnAge() throws {
        let lexicon = try #require(Lexicon(), "WordNet (wordnet-base) is installed by scripts/setup.sh")
        #expect(QuestionWords("My son's 16, can he come on his own?", lexicon: lexicon).ages == ["16": 16])
        #expect(QuestionWords("my sons nine can i sign him up", lexicon: lexicon).ages == ["nine": 9])
        #expect(QuestionWords("My dad is 70, is it cheaper?", lexicon: lexicon).ages == ["70": 70])
        #expect(QuestionWords("My daughter's turning 6, can she have a party?", lexicon: lexicon).ages == ["6": 6])
        #expect(QuestionWords("My bill is 16, is that right?", lexicon: lexicon).ages.isEmpty)
        let bound = "Members aged over 65 pay half the daily fine."
        #expect(!QuestionWords("I'm 70, do I pay the fine?").coverage(of: bound, weights: [:]).missing.contains("70"))
        #expect(!QuestionWords("im seventy do i pay the fine").coverage(of: bound, weights: [:]).missing.contains("seventy"))
        #expect(QuestionWords("I'm 60, how much is my fine?").coverage(of: bound, weights: [:]).missing.contains("60"))
        #expect(QuestionWords("She's four, is she free?").coverage(of: "Under fives go free.", weights: [:]).missing == [])
        #expect(QuestionWords("I'm 5 minutes away, are you open?").ages.isEmpty)
    }

    @Test func aNumberInsideAStatedRangeCounts() {
        let question = QuestionWords("What does a block cost for stage two?")
        #expect(question.coverage(of: "A block costs $72 for Stages 1 to 3.", weights: [:]).missing == [])
        #expect(question.coverage(of: "A block costs $80 for Stages 4 to 6.", weights: [:]).missing == ["two"])
        #expect(QuestionWords("How many under eights can one adult supervise?")
            .coverage(of: "One adult may supervise two children under 8.", weights: [:]).missing == [])
    }

    /// A day of the month asked as an ordinal is the number a date writes; another day's date does not state it.
    @Test func anOrdinalDayIsTheDateWrittenAsANumber() {
        let question = QuestionWords("Is the market on the 21st of May?")
        #expect(question.coverage(of: "The spring market is held on Saturday 21 May.", weights: [:]).missing == [])
        #expect(question.coverage(of: "The spring market is held on Saturday 14 May.", weights: [:]).missing == ["21st"])
        #expect(SpokenNumbers.value(ofOrdinal: "3rd") == 3 && SpokenNumbers.value(ofOrdinal: "k9") == nil)
    }

    /// A text that names its days is about those alone, however WordNet relates the words ("Saturday" is a
    /// "weekday" to it).
    @Test func aTextNamingOtherDaysDoesNotCoverTheAskedOnes() throws {
        let lexicon = try #require(Lexicon(), "WordNet (wordnet-base) is installed by scripts/setup.sh")
        let question = QuestionWords("What are your hours on weekdays in July?", lexicon: lexicon)
        #expect(question.coverage(of: "Summer (1 June – 31 August), Saturday and Sunday: 8:30 to 20:00", weights: [:])
            .missing == ["weekdays"])
        #expect(question.coverage(of: "Summer (1 June – 31 August), Monday to Friday: 9:00 to 19:00", weights: [:]).missing == [])
    }

    /// Christmas Day, Boxing Day and New Year's Day are public holidays; the eves are not.
    @Test func aPublicHolidayIsOneOfThePublicHolidays() {
        let row = "F1, Days: Sundays and public holidays, First sailing: 08:45."
        #expect(!QuestionWords("When's the first sailing on Boxing Day?").coverage(of: row, weights: [:]).missing.contains("boxing"))
        #expect(QuestionWords("When's the first sailing on Christmas Eve?").coverage(of: row, weights: [:]).missing.contains("eve"))
        #expect(QuestionWords("When's the first sailing on Boxing Day?").coverage(of: "F1, Days: Mon–Fri, First sailing: 06:40.",
                                                                             weights: [:]).missing.contains("boxing"))
    }

    /// "One of the rowing boats" is one of them: the word stands for what follows, and is not looked for.
    @Test func oneOfTheThingsIsNotLookedFor() {
        let question = QuestionWords("How old do you have to be to row one of the rowing boats?")
        #expect(!question.coverage(of: "Wooden rowing boat, Minimum age: 14 to row.", weights: [:]).missing.contains("one"))
        #expect(!QuestionWords("One of the kayaks leaks, who do I tell?").words.contains("one"))
        #expect(QuestionWords("Is there a locker at gate one?").coverage(of: "Lockers are at gate two.", weights: [:]).missing
            .contains("one"))
    }

    /// "Tuesday" is one of "Mon–Fri" and of "weekdays"; "Sat" is a day only as a range's end.
    @Test func aDayInsideAStatedDayRangeCounts() {
        let question = QuestionWords("What time is the first sailing on a Tuesday?")
        #expect(question.coverage(of: "F1, Days: Mon–Fri, First sailing: 06:40.", weights: [:]).missing == [])
        #expect(question.coverage(of: "The first sailing on weekdays is at 06:40.", weights: [:]).missing == [])
        #expect(question.coverage(of: "F1, Days: Friday and Saturday nights, First sailing: 23:30.", weights: [:]).missing == ["tuesday"])
        #expect(AnswerType.daysCovered(by: "Open Fri–Mon") == ["friday", "saturday", "sunday", "monday"])
        #expect(AnswerType.daysCovered(by: "Sat–Sun only") == ["saturday", "sunday"])
        #expect(AnswerType.daysCovered(by: "Wednesdays to Fridays") == ["wednesday", "thursday", "friday"])
        #expect(AnswerType.daysCovered(by: "Extended to Friday") == ["friday"])
        #expect(AnswerType.daysCovered(by: "We sat in the sun") == [])
        #expect(AnswerType.daysCovered(by: "Sundays and public holidays") == ["sunday"])
    }

    /// Days written short as a label or in a range or list are written out for the reranker, which reads "Sun:" as
    /// no day; a short form that is a word of its own stays.
    @Test func shortDaysOfALabelOrARangeAreWrittenOut() {
        #expect(AnswerType.spellingOutDays("Sun: 10.30am - 3.30pm.") == "Sunday: 10.30am - 3.30pm.")
        #expect(AnswerType.spellingOutDays("Mon–Fri 9am-5pm, Sat 10am") == "Monday–Friday 9am-5pm, Sat 10am")
        #expect(AnswerType.spellingOutDays("Tues & Wed: 9am - 5.30pm") == "Tuesday & Wednesday: 9am - 5.30pm")
        #expect(AnswerType.spellingOutDays("Thurs to Sunday: late") == "Thursday to Sunday: late")
        #expect(AnswerType.spellingOutDays("Open Mon. to Fri.") == "Open Monday to Friday.")
        #expect(AnswerType.spellingOutDays("Sun cream and a Sat nav are sold here.") == "Sun cream and a Sat nav are sold here.")
    }

    /// "January" is one of "Nov–Mar" (a range wraps past December) and "late September" of "Apr–Jun and Sep–Oct";
    /// a month outside every range, or "may" and "mar" alone, which are English words too, are not.
    @Test func aMonthInsideAStatedMonthRangeCounts() {
        let question = QuestionWords("How much is a double room for a night in January?")
        #expect(!question.coverage(of: "Double, Low season (Nov–Mar): £95.", weights: [:]).missing.contains("january"))
        #expect(question.coverage(of: "Double, High season (Jul–Aug): £146.", weights: [:]).missing.contains("january"))
        #expect(AnswerType.monthsCovered(by: "Mid season (Apr–Jun and Sep–Oct)")
                == ["april", "may", "june", "september", "october"])
        #expect(AnswerType.monthsCovered(by: "Summer (1 April to 30 September)").count == 6)
        #expect(AnswerType.monthsCovered(by: "You may mar the finish.") == [])
        #expect(AnswerType.monthsCovered(by: "Closed in January") == ["january"])
    }

    /// A holiday with a fixed date is that date: "Boxing Day" is answered by a sentence closed "on 25 December, 26
    /// December and 1 January", or "from Wednesday 24 December to Thursday 1 January"; not by one about other dates.
    @Test func aHolidayWithAFixedDateIsThatDate() throws {
        let boxing = QuestionWords("When is the pool shut on Boxing Day?")
        #expect(boxing.coverage(of: "The pool is shut on 25 December, 26 December and 1 January.", weights: [:]).missing == [])
        #expect(boxing.coverage(of: "The pool is shut from Wednesday 24 December 2025 to Thursday 1 January 2026.",
                                weights: [:]).missing == [])
        #expect(boxing.coverage(of: "The pool is shut on 25 December and 1 January.", weights: [:]).missing == ["boxing", "day"])
        let lexicon = try #require(Lexicon(), "WordNet (wordnet-base) is installed by scripts/setup.sh")
        let christmasEve = QuestionWords("What time does the pool close on Christmas Eve?", lexicon: lexicon)
        #expect(christmasEve.coverage(of: "The pool is closed on 25 December, 26 December and 1 January.",
                                      weights: [:]).missing == ["christmas", "eve"], "other dates, whatever WordNet relates")
        #expect(christmasEve.coverage(of: "Christmas and New Year. The pool is closed on 25 December, 26 December and 1 January.",
                                      weights: [:]).missing == ["eve"], "a heading naming Christmas is not its eve")
        let eve = QuestionWords("Does the library close early on New Year's Eve?")
        #expect(eve.coverage(of: "On 24 December and 31 December the library closes early, at 14:00.", weights: [:]).missing == [])
        #expect(AnswerType.holidayWords(in: "Christmas Eve or Boxing Day?") == ["christmas": [1224], "eve": [1224], "boxing": [1226], "day": [1226]])
        #expect(AnswerType.holidayWords(in: "What's new this year?") == [:])
        #expect(AnswerType.holidayWords(in: "Where does the Christmas tree go?") == [:])
        #expect(AnswerType.withHolidayDates("Is the pool open on Boxing Day?") == "Is the pool open on Boxing Day (26 December)?")
        #expect(AnswerType.withHolidayDates("Open Christmas Eve or New Year's Day") == "Open Christmas Eve or New Year's Day (1 January, 24 December)")
        #expect(AnswerType.withHolidayDates("Where does the Christmas tree go?") == "Where does the Christmas tree go?")
        #expect(AnswerType.datesCovered(by: "Open December 24; closed 25th and 26th Dec.") == [1224, 1225, 1226])
        #expect(AnswerType.datesCovered(by: "Packages run 30 December to 2 January.") == [1230, 1231, 101, 102])
        #expect(AnswerType.datesCovered(by: "Closed 24–26 December.") == [1224, 1225, 1226])
        #expect(AnswerType.datesCovered(by: "Bring 2 marks and 3 decks.") == [])
    }

    /// A number said in two words ("sixty-two") is the number a sentence writes in digits ("The 62 bus").
    @Test func aNumberSaidInTwoWordsMatchesItsDigits() {
        let question = QuestionWords("How often does the sixty-two bus run on a Sunday?")
        #expect(question.coverage(of: "The 62 bus runs every hour on Sundays.", weights: [:]).missing == [])
        #expect(Set(question.coverage(of: "The 26 bus runs every hour on Sundays.", weights: [:]).missing) == ["sixty", "two"])
    }

    /// An adverb says how, when or where something is asked about, which a sentence may say in other words; an
    /// adjective or noun that English also uses as an adverb ("late", "home") still names.
    @Test func anAdverbIsNotAnItemAskedAbout() throws {
        let lexicon = try #require(Lexicon(), "WordNet (wordnet-base) is installed by scripts/setup.sh")
        let shop = QuestionWords("Different thing, where's your shop actually?", lexicon: lexicon)
        #expect(!shop.focus.contains("actually") && shop.focus.contains("shop"))
        #expect(!QuestionWords("My bins normally go on a Thursday, when will they be picked up?", lexicon: lexicon).focus.contains("normally"))
        #expect(QuestionWords("Is the late boat running?", lexicon: lexicon).focus.contains("late"))
        #expect(QuestionWords("Can I work from home?", lexicon: lexicon).focus.contains("home"))
        // "Own" after a possessive only stresses whose.
        let wiring = QuestionWords("The fault was my own wiring, do I pay?", lexicon: lexicon)
        #expect(wiring.focus.contains("wiring") && !wiring.focus.contains("own"))
    }

    /// "Friday night" asks for a time on Friday, which a sentence gives as the day and its hours; and in "What time
    /// does the bar close?" the word after the subject is what is done, not a thing a sentence must name, as is the
    /// verb of a relative clause ("the router that came with Starter").
    @Test func aPartOfTheDayAndTheVerbAfterTheSubjectAreNotItemsAskedAbout() throws {
        let lexicon = try #require(Lexicon(), "WordNet (wordnet-base) is installed by scripts/setup.sh")
        let night = QuestionWords("What time does the bar shut on a Friday night?", lexicon: lexicon)
        #expect(!night.focus.contains("night") && night.focus.contains("bar"))
        #expect(!QuestionWords("Is the wall open on a Wednesday lunchtime?", lexicon: lexicon).focus.contains("lunchtime"))
        #expect(!QuestionWords("What time does the bar close on a Tuesday?", lexicon: lexicon).focus.contains("close"))
        #expect(QuestionWords("When does the night boat leave?", lexicon: lexicon).focus.contains("night"))
        #expect(QuestionWords("Does the bar menu have vegan food?", lexicon: lexicon).focus.contains("menu"))
        // "That" after a noun opens a relative clause, whose verb names nothing; as a determiner it names.
        #expect(QuestionWords("Do I have to return the router that came with Starter?", lexicon: lexicon).focus == ["router", "starter"])
        #expect(QuestionWords("Is that router free?", lexicon: lexicon).focus.contains("router"))
    }

    /// A sentence about a kind of the asked thing is about it: "boat" asked, "ferries" written. Hyponyms that are
    /// mostly adjectives ("free" is a kind of "people" in WordNet) are not followed.
    @Test func aKindOfTheAskedThingMatchesIt() throws {
        let lexicon = try #require(Lexicon(), "WordNet (wordnet-base) is installed by scripts/setup.sh")
        let question = QuestionWords("When is the first boat?", lexicon: lexicon)
        #expect(question.coverage(of: "The first ferry leaves at 06:40.", weights: [:]).missing == [])
        #expect(!lexicon.related("people").contains("free"))
        #expect(!lexicon.related("boat").contains("ship"), "a boat is a kind of vessel, not of ship")
    }

    /// A daughter is a "female offspring", which English has no one word for: WordNet's next step up, "child",
    /// is what she is. Only the commonest sense takes that second step: "Christmas" the day is a public holiday,
    /// but "Christmas" is first the season, so "Christmas Eve" is not read as one.
    @Test func aKindNamedOnlyByAPhraseIsAKindOfItsOwnKind() throws {
        let lexicon = try #require(Lexicon(), "WordNet (wordnet-base) is installed by scripts/setup.sh")
        #expect(lexicon.related("daughter").contains("child"))
        #expect(lexicon.related("son").contains("child"))
        #expect(!lexicon.related("christmas").contains("holiday"))
        let question = QuestionWords("Can I take a photo of my daughter?", lexicon: lexicon)
        #expect(!question.coverage(of: "Parents may photograph their own child.", weights: [:]).missing.contains("daughter"))
    }

    /// "The most I'd pay" asks for a bound, stated as a maximum or a cap; "the most expensive" picks an item out
    /// and is said only as it is. "Anything" and "more" name nothing to find.
    @Test func mostAndLeastAskForABoundAndQuantifiersNameNothing() throws {
        let lexicon = try #require(Lexicon(), "WordNet (wordnet-base) is installed by scripts/setup.sh")
        let most = QuestionWords("What's the most I'd pay to hire the room?", lexicon: lexicon)
        #expect(!most.coverage(of: "Hire costs $18 per hour, up to a daily cap of $90.", weights: [:]).missing.contains("most"))
        #expect(most.coverage(of: "Hire costs $18 per hour.", weights: [:]).missing.contains("most"))
        #expect(!most.words.contains("d"), "what is left of I'd is no word to find")
        let least = QuestionWords("What's the least water I can put in?", lexicon: lexicon)
        #expect(!least.coverage(of: "Minimum fill: 250 ml of water.", weights: [:]).missing.contains("least"))
        #expect(least.coverage(of: "Place it at least 20 cm from walls.", weights: [:]).missing.contains("water"))
        let superlative = QuestionWords("What's the most expensive ticket?", lexicon: lexicon)
        #expect(superlative.coverage(of: "A family ticket costs up to $25, the maximum fare.", weights: [:]).missing.contains("most"))
        let anything = QuestionWords("Is there anything for my four year old?", lexicon: lexicon)
        #expect(!anything.focus.contains("anything"))
    }

    /// "How many times" asks how often, answered by "twice a month" or "3 times", not by the word "times"; a new
    /// thing is the thing, and "people who…" or "the craft things" are said by the words around them.
    @Test func timesAgeAdjectivesAndGenericNounsAreNoItemToMatch() throws {
        let lexicon = try #require(Lexicon(), "WordNet (wordnet-base) is installed by scripts/setup.sh")
        let times = "How many times a week can I bring a friend?"
        #expect(!QuestionWords(times, lexicon: lexicon).focus.contains("times"))
        let spare = QuestionWords("What does a new charger for the T4 cost?", lexicon: lexicon)
        #expect(!spare.focus.contains("new"))
        #expect(spare.focus.contains("charger"))
        let outsiders = QuestionWords("Can people who don't live here use the courts?", lexicon: lexicon)
        #expect(!outsiders.focus.contains("people"))
        #expect(outsiders.focus.contains("courts"))
    }

    /// An amount of a liquid is a volume: a sentence giving one in litres or millilitres is about it, but a weight
    /// is not, and a solid is not found by a volume.
    @Test func anAmountOfALiquidIsAVolume() throws {
        let lexicon = try #require(Lexicon(), "WordNet (wordnet-base) is installed by scripts/setup.sh")
        let milk = QuestionWords("How much milk does the jug take?", lexicon: lexicon)
        #expect(!milk.coverage(of: "Jug, capacity: 600 ml.", weights: [:]).missing.contains("milk"))
        #expect(milk.coverage(of: "Jug, weight: 400 g.", weights: [:]).missing.contains("milk"))
        let sand = QuestionWords("How much sand does the bag take?", lexicon: lexicon)
        #expect(sand.coverage(of: "Bag, capacity: 20 litres.", weights: [:]).missing.contains("sand"))
        let boil = QuestionWords("Can I boil milk in the jug?", lexicon: lexicon)
        #expect(boil.coverage(of: "Jug, capacity: 600 ml.", weights: [:]).missing.contains("milk"), "no amount is asked")
    }

    /// One of a thing is what a rate per that thing prices.
    @Test func oneOfAThingIsWhatARatePrices() {
        let copy = QuestionWords("I need one colour copy, what do I pay?")
        #expect(!copy.coverage(of: "Colour copies cost 40p per copy.", weights: [:]).missing.contains("one"))
        #expect(copy.coverage(of: "Colour copies cost 40p per minute of scanning.", weights: [:]).missing.contains("one"))
        #expect(copy.coverage(of: "A colour printer is by the door.", weights: [:]).missing.contains("one"), "no rate")
    }

    /// "They", "the last one" and "the Gigabit one" stand for something said before; a sentence need not repeat
    /// them. "One adult" and "one way" still count.
    @Test func pronounsAndAProFormOneAreNoWordsToMatch() {
        #expect(QuestionWords("Do they have to be on a lead?").words == ["lead"])
        #expect(QuestionWords("And the last one?").words == ["last"])
        #expect(QuestionWords("And the Gigabit one?").words == ["gigabit"])
        #expect(QuestionWords("What about the sea view one?").words == ["sea", "view"])
        #expect(QuestionWords("How much is one way?").words.contains("one"))
        #expect(QuestionWords("Where is gate one?").words.contains("one"))
    }

    /// Asked what number to ring, a sentence must give a number: one about clause numbers says none.
    @Test func whatNumberAsksForANumber() throws {
        for question in ["What number do I call to cancel?", "What's the number for reporting a fault?", "What is the phone number?"] {
            let type = try #require(AnswerType(question: question))
            #expect(type == .number)
            #expect(type.isStated(in: "8.3 Faults: 01632 960 418, 7am–11pm every day.", question: question))
            #expect(!type.isStated(in: "Clause numbers stay the same, so you can quote them when you call us.", question: question))
        }
        #expect(AnswerType(question: "Do I need my account number?") == nil)
        #expect(AnswerType(question: "What about my number?") == nil, "asks what becomes of it")
    }

    /// "How often" asks when, repeatedly: "every 20 minutes" and "hourly" answer it, a price does not; "often" is
    /// no word to find.
    @Test func howOftenAsksForATimeNotTheWordOften() throws {
        let question = "How often does the ferry go?"
        let type = try #require(AnswerType(question: question))
        #expect(type == .time)
        #expect(type.isStated(in: "F1, Frequency: every 20 minutes.", question: question))
        #expect(type.isStated(in: "F2, Frequency: hourly.", question: question))
        #expect(!type.isStated(in: "A single costs $4.", question: question))
        // A frequency, not any time word: the night boat's pier says nothing of how often it goes.
        #expect(!type.isStated(in: "The night boat leaves from Pier 3 at 22:00.", question: question))
        #expect(!QuestionWords(question).words.contains("often"))
    }

    /// The speaker's own people ("my Year 1 daughter", "his big sister") are who the answer is for, not what it is
    /// about; a person asked about is still asked, and "my dog" is a dog.
    @Test func theSpeakersOwnPeopleAreNotTheAskedItem() throws {
        let lexicon = try #require(Lexicon(), "WordNet (wordnet-base) is installed by scripts/setup.sh")
        #expect(QuestionWords("What clubs can my Year 1 daughter do on a Monday?", lexicon: lexicon).context.contains("daughter"))
        #expect(QuestionWords("What about his big sister? She's in Year 4.", lexicon: lexicon).context.contains("sister"))
        #expect(!QuestionWords("Is there a school nurse I can talk to?", lexicon: lexicon).context.contains("nurse"))
        #expect(!QuestionWords("How much is a ticket for a pensioner?", lexicon: lexicon).context.contains("pensioner"))
        #expect(!QuestionWords("Can I bring my dog over to the Loft?", lexicon: lexicon).context.contains("dog"), "a dog, first of all")
    }

    /// A greeting ("Morning, …") is no time asked about, "each" and "all" name nothing, and after "does that" comes
    /// a verb ("Does that mean…").
    @Test func greetingsQuantifiersAndADemonstrativesVerbNameNothing() throws {
        let lexicon = try #require(Lexicon(), "WordNet (wordnet-base) is installed by scripts/setup.sh")
        #expect(!QuestionWords("Morning, my boy won't be in today. How do I let you know?", lexicon: lexicon).focus.contains("morning"))
        #expect(QuestionWords("What time does the office open in the morning?", lexicon: lexicon).focus.contains("morning"))
        #expect(!QuestionWords("How much reading should he do each week?", lexicon: lexicon).focus.contains("each"))
        #expect(!QuestionWords("We get free meals. Does that mean he can do a club for free?", lexicon: lexicon).focus.contains("mean"))
        #expect(QuestionWords("Does that red bin take glass?", lexicon: lexicon).focus.contains("red"))
        #expect(QuestionWords("Morning — is the pool open this morning?", lexicon: lexicon).focus.contains("morning"))
        #expect(AnswerType.frameWords(of: "Is choir free, and what day is it?").contains("day"))
    }

    /// A hyphenated word and its particle are looked up whole: a "grown-up" is an "Adult".
    @Test func aWordAndItsParticleAreLookedUpAsOne() throws {
        let lexicon = try #require(Lexicon(), "WordNet (wordnet-base) is installed by scripts/setup.sh")
        let question = QuestionWords("What does a single cost for a grown-up?", lexicon: lexicon)
        #expect(question.coverage(of: "Adult, Single: $4.50.", weights: [:]).missing == [])
    }

    @Test func aWordMostlyUsedAsAVerbIsNotTheAskedItem() throws {
        let lexicon = try #require(Lexicon(), "WordNet (wordnet-base) is installed by scripts/setup.sh")
        #expect(lexicon.isMostlyVerb("mean"), "tagged mostly as a verb though WordNet lists more adjective senses")
        #expect(lexicon.isMostlyVerb("pass"))
        #expect(!lexicon.isMostlyVerb("room"))
        #expect(!QuestionWords("What does E2 mean?", lexicon: lexicon).focus.contains("mean"))
        #expect(QuestionWords("How much is a monthly pass?", lexicon: lexicon).focus == ["monthly", "pass"],
                "after a determiner it names a thing")
    }
}
