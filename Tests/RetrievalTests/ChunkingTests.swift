import Foundation
@testable import Retrieval
import Testing
import VoiceCore

/// Text extraction and sentence-aware chunking, without a model.
@Suite struct ChunkingTests {
    func words(_ count: Int, topic: String) -> String {
        (0..<count / 10).map { "Sentence \($0) about \(topic) has exactly ten words in it." }.joined(separator: " ")
    }

    @Test func sentencesSplitAtEndsButNotAtAbbreviations() {
        let sentences = Chunker.sentences("Dr. Varga built it, e.g. the arches. It opened in 1847! Was it late? Yes.\n\nNew paragraph")
        #expect(sentences == ["Dr. Varga built it, e.g. the arches.", "It opened in 1847!", "Was it late?", "Yes.", "New paragraph"])
    }

    @Test func noEndsASentenceAfterOtherWordsButNotBeforeANumberOrAsTheWholeAnswer() {
        let sentences = Chunker.sentences("Take bus No. 38 from the quay. Parcel room, Closed while it happens?: No. Bike store, Cleaning: "
                                          + "Mondays. No. The store takes cards only.")
        #expect(sentences == ["Take bus No. 38 from the quay.", "Parcel room, Closed while it happens?: No.", "Bike store, Cleaning: Mondays.",
                              "No. The store takes cards only."])
    }

    @Test func longSectionsBecomeChunksOf150To300WordsThatOverlap() {
        let document = DocumentText(title: "T", sections: [DocumentSection(heading: "Long", text: words(1000, topic: "ferries"))])
        let chunks = Chunker().chunks(document)
        #expect(chunks.count >= 4)
        for chunk in chunks.dropLast() {
            #expect((150...300).contains(chunk.wordCount), "\(chunk.wordCount) words")
            #expect(chunk.heading == "Long")
        }
        for (first, second) in zip(chunks, chunks.dropFirst()) {
            let lastSentence = Chunker.sentences(first.text).last!
            #expect(second.text.hasPrefix(lastSentence) || second.text.contains(lastSentence), "consecutive chunks overlap")
        }
    }

    @Test func shortSectionsMergeAndKeepTheirHeadingsAsText() {
        let document = DocumentText(title: "Cafe", sections: [
            DocumentSection(heading: "Hours", text: "We open at 6:30 am. We close at 4 pm."),
            DocumentSection(heading: "Prices", text: "A Kelp Latte costs $4.50."),
            DocumentSection(heading: "Long", text: words(400, topic: "bridges")),
        ])
        let chunks = Chunker().chunks(document)
        #expect(chunks[0].heading == "Hours")
        #expect(chunks[0].text.contains("Prices. A Kelp Latte costs $4.50."))
        #expect(chunks.allSatisfy { $0.wordCount <= 300 })
    }

    @Test func markdownGivesTitleSectionsAndPlainWords() {
        let text = DocumentText.markdown("# Guide\n\nIntro **bold** and [a link](http://x).\n\n## Setup\n\n- Run `make`.\n")
        #expect(text.title == "Guide")
        #expect(text.sections.map(\.heading) == ["Guide", "Setup"])
        #expect(text.sections[0].text.contains("Intro bold and a link."))
        #expect(text.sections[1].text.contains("Run make."))
    }

    @Test func htmlDropsScriptsAndNavigationAndDecodesEntities() {
        let html = "<html><head><title>Market &amp; Stalls</title><script>var x = 1;</script></head><body><nav>Home</nav>"
            + "<h2>When</h2><p>Saturdays&nbsp;8&ndash;1 &#8212; rain or shine.</p><script>track()</script></body></html>"
        let text = DocumentText.html(html)
        #expect(text.title == "Market & Stalls")
        #expect(text.sections.count == 1)
        #expect(text.sections[0].heading == "When")
        #expect(text.sections[0].text.contains("Saturdays 8–1 — rain or shine."))
        #expect(!text.sections.map(\.text).joined().contains("track"))
        #expect(!text.sections.map(\.text).joined().contains("Home"))
        // Footnote marks, accents and fractions, by name; the name's case matters.
        #expect(DocumentText.decodeEntities("Third permit&dagger;&Dagger;, Caf&eacute; &frac12; &sect;4 &AMP;")
            == "Third permit†‡, Café ½ §4 &")
    }

    @Test func textThatIsNotUTF8IsRefused() {
        #expect(throws: APIError.self) { try DocumentText.extract(Data([0x66, 0x6F, 0xFF, 0xFE, 0x6F]), format: .text) }
    }

    @Test func csvHandlesQuotesCommasAndNewlines() throws {
        let pairs = try QACSV.parse("question,answer,tags\n\"What, really?\",\"Line one\nline \"\"two\"\"\",a;b\r\nQ2,A2,\n")
        #expect(pairs == [QAPair(question: "What, really?", answer: "Line one\nline \"two\"", tags: ["a", "b"]),
                          QAPair(question: "Q2", answer: "A2")])
        #expect(throws: APIError.self) { try QACSV.parse("q,a\nx,y\n") }
        #expect(throws: APIError.self) { try QACSV.parse("question,answer\n\"open") }
    }

    @Test func vocabularyKeepsNamesAndSkipsSentenceStartsHeadingsAndEverydayWords() {
        let terms = DomainVocabulary.terms(in: [
            "Opening hours\nThe cafe on Saltmere Quay sells a Kelp Latte. It opens at 6:30 on Monday, and we use GGUF files.",
            "Boats leave Saltmere at noon from the quay; the quay is short. Run docker ps, docker run and docker rm, then ask Docker.",
        ])
        #expect(terms.first == "Saltmere")
        #expect(Set(terms) == ["Saltmere", "Kelp", "Latte"], "\(terms)")
    }

    /// Coverage forgives what speech recognition does to names: split words, sound-alikes, endings.
    @Test func coverageMatchesMisheardNamesAndEndings() {
        func coverage(_ question: String, _ text: String) -> Double { QuestionWords(question).coverage(of: text, weights: [:]).share }
        // Each misheard or inflected word counts 0.85 of an exact one ("time" in "What time" asks for a time).
        func near(_ value: Double, _ expected: Double) -> Bool { abs(value - expected) < 0.001 }
        #expect(near(coverage("What is a pot in Cooper Nettie's?", "A pod in Kubernetes is a group of containers."), 0.85))
        #expect(near(coverage("What time does the drift wood cafe open?", "The Driftwood Cafe opens at 6:30 am."), (0.85 * 3 + 1) / 4))
        #expect(near(coverage("When did the sore blot bridge open?", "The Zorblat Bridge opened in 1847."), (0.85 * 3 + 1) / 4))
        #expect(near(coverage("How much is a return fairy ticket?", "A return ferry ticket costs $11."), (0.85 + 2) / 3))
        #expect(coverage("When is storytime?", "Story time is every Wednesday.") == 0.85)
        #expect(coverage("How long does the ferry crossing take?", "The ferry crossing takes 35 minutes.") > 0.9,
                "\"long\" asks for a number and is not a word to find")
        #expect(coverage("Does the cafe have a vegan breakfast menu?", "Every price on the menu includes tax.") < 0.5)
    }

    @Test func aHardWrappedListItemIsOneSentenceUntilABlankLine() {
        let text = DocumentText.markdown("""
            ## What members get

            - A free hot drink on your birthday.
            - Entry to our navigation evening, held on the first Thursday of
              each month at 7pm. Non-members pay £5.

            Ask at the till.
            """)
        #expect(text.sentences == [
            "A free hot drink on your birthday.", "Entry to our navigation evening, held on the first Thursday of each month at 7pm.",
            "Non-members pay £5.", "Ask at the till."])
    }

    /// A chunk that runs from one section into the next: the later heading names the sentences after it and is not
    /// evidence itself; a sentence that starts with code stays a sentence of its own.
    @Test func evidenceSentencesKnowTheSectionTheyAreIn() {
        let text = DocumentText.markdown("""
            # Ferry

            ## Summer timetable

            Departures from the pier: 7:15 am and 9:00 am.

            ## Winter timetable

            Departures from the island: 9:00 am and 5:00 pm.

            ## Compose

            It reads one file per project. `docker compose up` starts the whole application.
            """)
        let chunks = Chunker().chunks(text)
        #expect(chunks.count == 1)
        let stored = StoredChunk(id: "ferry#0", documentID: "ferry", source: "ferry.md", title: text.title, heading: chunks[0].heading,
                                 text: chunks[0].text, vector: [], sectionHeadings: Set(text.sections.compactMap(\.heading)))
        let candidates = EvidenceSelector.candidates([stored])
        #expect(candidates.map(\.text) == ["Departures from the pier: 7:15 am and 9:00 am.", "Departures from the island: 9:00 am and 5:00 pm.",
                                           "It reads one file per project.", "docker compose up starts the whole application."])
        #expect(candidates.map(\.heading) == ["Summer timetable", "Winter timetable", "Compose", "Compose"])
    }

    /// An FAQ heading of two sentences names its section; neither of its sentences is offered as evidence.
    @Test func aHeadingOfTwoSentencesIsNoEvidence() {
        let text = DocumentText.markdown("""
            # Bins

            ## Bulky items

            Book a bulky item collection online.

            ## I live in a flat. How are my bins collected?

            Flats share large communal bins, emptied every Tuesday.
            """)
        let chunks = Chunker().chunks(text)
        let stored = chunks.enumerated().map { index, chunk in
            StoredChunk(id: "bins#\(index)", documentID: "bins", source: "bins.md", title: text.title, heading: chunk.heading,
                        text: chunk.text, vector: [], sectionHeadings: Set(text.sections.compactMap(\.heading)))
        }
        let candidates = EvidenceSelector.candidates(stored)
        #expect(!candidates.contains { $0.text.hasPrefix("I live in a flat") }, "\(candidates.map(\.text))")
        let flats = try? #require(candidates.first { $0.text.hasPrefix("Flats share") })
        #expect(flats?.heading == "I live in a flat. How are my bins collected?")
    }

    /// A list item that is no sentence ("Takeaway coffee cups") is read with its section and its list's lead-in,
    /// which say what the list is, as is a value too short to be evidence ("£27 per child"); an item stating a value
    /// ("Spare filter: $7.50") or a sentence stands alone.
    @Test func aListItemThatIsNoSentenceIsReadWithItsSectionAndLeadIn() {
        let text = DocumentText.markdown("""
            # Bins

            ## Red-lid general waste bin (140 litres)

            **No, thank you:**

            - Takeaway coffee cups and their lids
            - Spare mesh filter: $7.50
            - Shredded paper. It falls through the sorting machines.

            ## Spin It Party

            - £27 per child
            - 2 hours on the wheel, then cake
            """)
        let chunks = Chunker().chunks(text)
        let stored = chunks.enumerated().map { index, chunk in
            StoredChunk(id: "bins#\(index)", documentID: "bins", source: "bins.md", title: text.title, heading: chunk.heading,
                        text: chunk.text, vector: [], sectionHeadings: Set(text.sections.compactMap(\.heading)))
        }
        let candidates = EvidenceSelector.candidates(stored).map(\.text)
        #expect(candidates.contains("Red-lid general waste bin (140 litres): No, thank you: Takeaway coffee cups and their lids."))
        #expect(candidates.contains("Spare mesh filter: $7.50"))
        #expect(candidates.contains("It falls through the sorting machines."))
        // Too short to be evidence alone, an item with a value is read with its section too; a longer one stands.
        #expect(candidates.contains("Spin It Party: £27 per child."))
        #expect(candidates.contains("2 hours on the wheel, then cake"))
    }

    /// "…two kernel features." answers nothing by itself; the sentences after it name them.
    @Test func aLeadInSentenceBringsTheSentencesThatListWhatItAnnounces() {
        #expect(EvidenceSelector.isLeadIn("On Linux, isolation comes from two kernel features."))
        #expect(EvidenceSelector.isLeadIn("Docker has three main parts."))
        #expect(EvidenceSelector.isLeadIn("The menu has these sections:"))
        #expect(!EvidenceSelector.isLeadIn("The crossing takes two hours."))
        #expect(!EvidenceSelector.isLeadIn("Members may borrow up to twelve items at a time."))
        #expect(!EvidenceSelector.isLeadIn("Two kernel features isolate containers."))
        let text = "On Linux, isolation comes from two kernel features. Namespaces give a process its own view. "
            + "Control groups, usually called cgroups, limit what it may consume. Virtual machines boot their own kernel."
        let chunk = StoredChunk(id: "c#0", documentID: "c", source: "containers.md", title: "Containers", heading: "Isolation",
                                text: text, vector: [])
        let candidates = EvidenceSelector.candidates([chunk]).map(\.text)
        #expect(candidates.first == "On Linux, isolation comes from two kernel features. Namespaces give a process its own view. "
            + "Control groups, usually called cgroups, limit what it may consume.")
        #expect(candidates.count == 4)
    }

    /// A column that lists what each row covers (a zone's streets) joins the row's name, so a cell's sentence is
    /// found by a street and says its zone; a column of facts or of single words does not.
    @Test func aColumnListingWhatARowCoversJoinsTheRowsName() {
        let html = "<table><thead><tr><th>Zone</th><th>Areas included</th><th>Recycling (yellow lid)</th></tr></thead>"
            + "<tbody><tr><td>Zone 1</td><td>Northfield, Brackley Park</td><td>Tuesday, alternate weeks</td></tr>"
            + "<tr><td>Zone 2</td><td>Orchard Rise, Quay Street</td><td>Monday, every week</td></tr></tbody></table>"
        let text = DocumentText.html(html).sections.map(\.text).joined(separator: "\n\n")
        #expect(Chunker.sentences(text).contains("Zone 1, Areas included: Northfield, Brackley Park, Recycling (yellow lid): Tuesday, alternate weeks."))
        #expect(!Chunker.sentences(text).contains { $0.hasPrefix("Zone 1, Areas included: Northfield, Brackley Park.") })
        let prices = "<table><thead><tr><th>Ticket</th><th>Notes</th><th>Price</th></tr></thead>"
            + "<tbody><tr><td>Adult</td><td>Weekdays</td><td>$5</td></tr><tr><td>Child</td><td>Under 16</td><td>$3</td></tr></tbody></table>"
        #expect(DocumentText.html(prices).sections.map(\.text).joined().contains("Adult, Price: $5."))
        #expect(speakable("Zone 1, Recycling (yellow lid): Tuesday.") == "Zone 1, Recycling, yellow lid: Tuesday.")
    }

    /// A table is read one cell at a time, each with its row's name and its column's header: never the table.
    @Test func htmlTableCellsBecomeSentencesNamedByTheirRowAndColumn() {
        let html = "<h2>Prices</h2><table><thead><tr><th>Ticket</th><th>Adult</th><th>Child (5-15)</th></tr></thead>"
            + "<tbody><tr><td>Single swim</td><td>$4.80</td><td>$3.20</td></tr>"
            + "<tr><td>Family swim</td><td colspan=\"2\">$13.50 for the group. Weekends only.</td></tr>"
            + "<tr><td>Sauna</td><td>$2.50</td><td>–</td></tr></tbody></table>"
        let sentences = DocumentText.html(html).sentences
        #expect(sentences == ["Single swim, Adult: $4.80.", "Single swim, Child (5-15): $3.20.",
                              "Family swim: $13.50 for the group; Weekends only.", "Sauna, Adult: $2.50."])
    }

    @Test func aCellSpanningRowsIsInEachOfThemAndTheCellsAfterItKeepTheirColumns() {
        let html = "<table><tr><th>Group</th><th>Item</th><th>Monthly</th><th>Notes</th></tr>"
            + "<tr><th rowspan=\"2\">Parking</th><td>Standard permit</td><td>£60</td><td rowspan=\"2\">One per flat</td></tr>"
            + "<tr><td>Second permit</td><td>£85</td></tr>"
            + "<tr><th>Gym</th><td>Membership</td><td>Included</td><td>Induction first</td></tr></table>"
        let sentences = DocumentText.html(html).sentences
        #expect(sentences == ["Parking, Item: Standard permit, Monthly: £60.", "Parking, Item: Standard permit, Notes: One per flat.",
                              "Parking, Item: Second permit, Monthly: £85.", "Parking, Item: Second permit, Notes: One per flat.",
                              "Gym, Item: Membership, Monthly: Included.", "Gym, Item: Membership, Notes: Induction first."])
    }

    /// The first column's header says what each row is ("Child (5-15)" is a ticket): the rows are a section headed
    /// by it under the page's heading, so a question's "ticket" finds them, and the text after the table is under
    /// the page's heading again. A table without that header stays in its section.
    @Test func aTablesFirstColumnHeaderHeadsItsRowsWithoutBeingSpoken() throws {
        let html = "<h1>Fares</h1><p>Fares apply on all routes.</p><table><tr><th>Ticket</th><th>Single</th></tr>"
            + "<tr><td>Child (5-15)</td><td>$2.70</td></tr></table><p>Children under 5 travel free.</p>"
        let sections = DocumentText.html(html).sections
        try #require(sections.map(\.heading) == ["Fares", "Fares – Ticket", "Fares"])
        #expect(sections[1].text.contains("Child (5-15), Single: $2.70."))
        // A subscript is part of its word; a superscript, which may be a footnote's number, is not.
        let marked = DocumentText.html("<h1>Permits</h1><table><tr><th>Band</th>"
            + "<th>CO<sub>2</sub></th><th>Third permit<sup>&dagger;</sup></th></tr><tr><td>A</td><td>100</td><td>£110</td></tr></table>").sections
        #expect(marked.map(\.heading) == ["Permits – Band"])
        #expect(marked.first?.text.contains("A, CO2: 100.") == true && marked.first?.text.contains("A, Third permit †: £110.") == true)
        // A "<" in a cell is text, not a tag that swallows the rest of the page.
        let escaped = DocumentText.html("<h1>Fees</h1><table><tr><th>Age</th><th>Fee</th></tr><tr><td>&lt; 5</td><td>$0</td></tr></table>"
            + "<h2>Rules</h2><p>No running &gt; ever.</p>").sections
        #expect(escaped.map(\.heading) == ["Fees – Age", "Rules"])
        #expect(escaped.map(\.text).joined().contains("< 5, Fee: $0."))
        #expect(!escaped.map(\.text).joined().contains(where: { ("\u{1}"..."\u{4}").contains($0) }))
        let markdown = DocumentText.markdown("## Problems\n\n| Problem | Fix |\n|---|---|\n| Loud clicking | None needed |\n\nCall us.\n"
            + "\n## Sizes\n\n| | K7 |\n|---|---|\n| Capacity | 1.2 litres |\n")
        #expect(markdown.sections.map(\.heading) == ["Problems – Problem", "Problems", "Sizes"])
        // A heading straight after a table starts a section of its own, not the table's.
        let adjacent = DocumentText.markdown("## Spares\n\n| Part | Price |\n|---|---|\n| Lid | $9 |\n## Care\n\nDescale monthly.\n")
        #expect(adjacent.sections.map(\.heading) == ["Spares – Part", "Care"])
    }

    /// A timetable repeats its route once per day range: each cell's sentence names both, so that the 06:40 is
    /// the weekday one, and the days are no sentence of their own.
    @Test func rowsThatRepeatTheirFirstCellAreNamedByTheNextOneToo() {
        let html = "<table><tr><th>Route</th><th>Days</th><th>First</th></tr>"
            + "<tr><td>F1 Gull Island</td><td>Mon–Fri</td><td>06:40</td></tr>"
            + "<tr><td>F1 Gull Island</td><td>Saturday</td><td>07:30</td></tr>"
            + "<tr><td>Water taxi</td><td>Daily</td><td>07:00</td></tr></table>"
        let sentences = DocumentText.html(html).sentences
        #expect(sentences == ["F1 Gull Island, Days: Mon–Fri, First: 06:40.", "F1 Gull Island, Days: Saturday, First: 07:30.",
                              "Water taxi, Days: Daily, First: 07:00."])
    }

    /// A comparison table marks what a plan includes with ticks and crosses: a listener hears "yes" and "no", and a
    /// yes-or-no question finds its answer in them.
    @Test func ticksAndCrossesInACellAreSaidAsYesAndNo() {
        let markdown = DocumentText.markdown("## Plans\n\n| | Solo | Team |\n|---|---|---|\n| Offline mode | ✓ | ✔️ Up to 3 devices |\n"
            + "| API access | ✗ | ✓ £5 extra |\n| Price | £4 × 12 | £9 |\n")
        #expect(markdown.sentences == [
            "Offline mode, Solo: Yes.", "Offline mode, Team: Yes, Up to 3 devices.", "API access, Solo: No.",
            "API access, Team: Yes, £5 extra.", "Price, Solo: £4 × 12.", "Price, Team: £9."])
    }

    @Test func aCellThatRepeatsAnotherHoldsItsValue() {
        let markdown = DocumentText.markdown("## Gym\n\n| Day | Opening hours |\n|---|---|\n| Saturday | 07:00–21:00 |\n"
            + "| Sunday | 08:00–20:00 |\n| Bank holidays | as Sunday |\n| Christmas Day | as needed |\n\n"
            + "## Cleaning\n\n| Room | Routine cleaning | Closed while it happens? |\n|---|---|---|\n"
            + "| Gym | Every night | No |\n| Laundry room | Every morning | as above |\n| Parcel room | as above | ditto |\n")
        #expect(markdown.sentences == [
            "Saturday, Opening hours: 07:00–21:00.", "Sunday, Opening hours: 08:00–20:00.",
            "Bank holidays, Opening hours: 08:00–20:00.", "Christmas Day, Opening hours: as needed.",
            "Gym, Routine cleaning: Every night.", "Gym, Closed while it happens?: No.",
            "Laundry room, Routine cleaning: Every morning.", "Laundry room, Closed while it happens?: No.",
            "Parcel room, Routine cleaning: Every morning.", "Parcel room, Closed while it happens?: No."])
    }

    @Test func markdownPipeTablesAndListItemsStayApart() {
        let text = DocumentText.markdown("# Kettle\n\n| Specification | K7 | K9 |\n|---|---|---|\n| Capacity | 1.2 litres | 1.7 litres |\n\n"
            + "## Spares\n\n- Spare filter: $7.50\n- Descaler: $9\n\n1. Fill the kettle\n2. Press the dial\n")
        let sentences = text.sentences
        #expect(sentences == ["Capacity, K7: 1.2 litres.", "Capacity, K9: 1.7 litres.", "Spare filter: $7.50", "Descaler: $9",
                              "1) Fill the kettle", "2) Press the dial"])
        // Packed into a chunk and split again, an item without a full stop still ends before the next one.
        #expect(Chunker.sentences(Chunker.join(["Spare filter: $7.50", "Descaler: $9"])) == ["Spare filter: $7.50", "Descaler: $9"])
    }

    /// A nested list item is about its parent, as a table cell is about its row: it is read after the parent's
    /// name (its bold opening, or its words before a dash); the next top-level item, or prose, ends the nesting.
    @Test func aNestedListItemIsReadAfterItsParentsName() {
        let text = DocumentText.markdown("""
            # Staff

            - **Ines Kaur** – Head Coach
              - Pool: Lane 4
              - Days: Monday and Friday
            - Tom Reyes - Lifeguard
                * Pool: Lane 1

            Lockers cost £1.
            - Kit: bring a towel
            """)
        let sentences = text.sentences
        #expect(sentences == ["Ines Kaur – Head Coach", "Ines Kaur, Pool: Lane 4", "Ines Kaur, Days: Monday and Friday",
                              "Tom Reyes - Lifeguard", "Tom Reyes, Pool: Lane 1", "Lockers cost £1.", "Kit: bring a towel"])
    }

    /// An item nested two deep is read after both its parents' names, a label's with its colon; a label over items
    /// is not read alone, as its items say it.
    @Test func aListItemNestedTwoDeepIsReadAfterEveryParentsName() {
        let text = DocumentText.markdown("""
            ## Zone C

            - **Streets:**
              - Castle Ward
                - Castle Street
                - Tanners Yard
              - Minster Ward
                - Friars Walk
            - **Hours:** every day 9am to 9pm
            """)
        #expect(text.sentences == [
            "Streets: Castle Ward", "Streets: Castle Ward, Castle Street", "Streets: Castle Ward, Tanners Yard",
            "Streets: Minster Ward", "Streets: Minster Ward, Friars Walk",
            "Hours: every day 9am to 9pm",
        ])
        // Too short to be evidence alone, such an item is read with its section.
        let chunk = StoredChunk(id: "z#0", documentID: "z", source: "zones.md", title: nil, heading: "Zone A",
                                text: "Streets: Quay Street\n\nStreets: Anchor Row", vector: [])
        #expect(EvidenceSelector.candidates([chunk]).map(\.text) == ["Zone A: Streets: Quay Street.", "Zone A: Streets: Anchor Row."])
    }

    /// A parent without a name before a dash is named by all of it, and a dash inside its brackets is a range:
    /// "Summer (1 June – 31 August)" is one season, not "Summer (1 June".
    @Test func aNestedListItemKeepsItsParentsWholeShortNameAndBracketedRange() {
        let text = DocumentText.markdown("""
            - Summer (1 June – 31 August)
              - Weekends: 8:30 to 20:00
            - Marina office (all year)
              - Saturday: 9:00 to 11:00
            """)
        let sentences = text.sentences
        #expect(sentences.contains("Summer (1 June – 31 August), Weekends: 8:30 to 20:00"))
        #expect(sentences.contains("Marina office (all year), Saturday: 9:00 to 11:00"))
        // A parent that is a sentence names nothing.
        let said = DocumentText.markdown("- Lockers cost £1.\n  - Key: at the desk\n").sentences
        #expect(said.contains("Key: at the desk"))
    }

    @Test func htmlDefinitionListQuestionsHeadTheirAnswers() {
        let text = DocumentText.html("<dl><dt>Do you have lockers?</dt><dd>They take a $1 coin.</dd></dl>")
        #expect(text.sections == [DocumentSection(heading: "Do you have lockers?", text: text.sections.first?.text ?? "")])
        #expect(text.sections.first?.text.contains("They take a $1 coin.") == true)
    }

    @Test func htmlAccordionQuestionsHeadTheirAnswers() {
        let text = DocumentText.html("""
            <h2>Questions</h2>
            <details><summary>Can I bring my own bike?</summary><p>Yes, it travels free on the rear deck.</p></details>
            <details open><summary class="q">Is there a cash machine?</summary>
            <p>No. The shop takes cards only.</p></details>
            """)
        #expect(text.sections.map(\.heading) == ["Can I bring my own bike?", "Is there a cash machine?"])
        #expect(text.sections.map { Chunker.sentences($0.text) } == [["Yes, it travels free on the rear deck."],
                                                                     ["No. The shop takes cards only."]])
    }

    @Test func plainTextHeadingsAndItemsAreRecognisedButFactsOnTheirOwnLineAreNot() {
        let text = DocumentText.plain("KETTLE WARRANTY\n\n1. HOW LONG YOU ARE COVERED\n\nTwo years from purchase.\n\n"
            + "2. WHAT IS NOT COVERED\n\nThe warranty excludes:\n- limescale damage\n- drops and dents\n\nOpen daily 9 to 5\n")
        #expect(text.title == "KETTLE WARRANTY")
        #expect(text.sections.map(\.heading) == ["HOW LONG YOU ARE COVERED", "WHAT IS NOT COVERED"])
        #expect(text.sections.dropFirst().first.map { Chunker.sentences($0.text) } == ["The warranty excludes:", "limescale damage",
                                                                                   "drops and dents", "Open daily 9 to 5"])
    }

    /// A notice's letterhead titles it, and a line underlined with dashes heads what follows, with or without a
    /// blank line between: the dashes are never read out as part of a sentence. An opening block of facts is no title.
    @Test func plainTextLetterheadsAndUnderlinedHeadingsAreStructure() {
        let text = DocumentText.plain("TOWN COUNCIL\nWASTE SERVICES - CHRISTMAS 2025/26\n\nPosted today.\n\n"
            + "Extra cardboard\n---------------\nLeave it next to your bin.\n\nReal trees\n==========\n\nTake them to the tip.\n")
        #expect(text.title == "TOWN COUNCIL – WASTE SERVICES - CHRISTMAS 2025/26")
        #expect(text.sections.map(\.heading) == [nil, "Extra cardboard", "Real trees"])
        #expect(!text.sections.contains { $0.text.contains("---") || $0.text.contains("===") })
        #expect(DocumentText.plain("Open daily\nMon to Fri 9 to 5\n\nClosed on Sundays.\n").title == nil)
    }

    /// A line in capitals heads the text under it even when it holds a number, and is not read out with its
    /// first sentence; a fact on a line of its own in ordinary case is still a sentence.
    @Test func aLineInCapitalsHeadsItsTextEvenWithANumber() {
        let text = DocumentText.plain("NOTICE\n\nSURGERY 2 REFURBISHMENT\nSurgery 2 will be closed from 9 June to 27 June.\n\n"
            + "Opening hours\nOpen daily 9 to 5\n")
        #expect(text.sections.map(\.heading) == ["SURGERY 2 REFURBISHMENT", "Opening hours"])
        #expect(text.sections.first.map { Chunker.sentences($0.text) } == ["Surgery 2 will be closed from 9 June to 27 June."])
        #expect(text.sections.last.map { Chunker.sentences($0.text) } == ["Open daily 9 to 5"])
        // Over an address that opens with its number, and over the records after it.
        let branch = DocumentText.plain("OPENING HOURS\n\nMARKET ROW\n14 Market Row, Castlebridge\nPhone: 01632 418 270\n\n"
            + "Sat: 8.30am - 4pm\nSunday: closed\n")
        #expect(branch.sections.map(\.heading) == ["MARKET ROW"])
        #expect(branch.sentences.suffix(2) == ["Sat: 8.30am - 4pm.", "Sunday: closed."])
    }

    /// "What is happening" straight above its text heads it, and is not read out with the text's first sentence;
    /// a hard-wrapped sentence, going on in lower case, is no heading.
    @Test func aPlainTextHeadingStraightAboveItsTextHeadsIt() {
        let text = DocumentText.plain("NOTICE\n\nWhat is happening\nFrom Monday the floor is closed.\n\n"
            + "Also during the closure\n- Reserved items wait at the front desk\n\n"
            + "The library will stay open while the new\ncarpet is laid on the second floor.\n")
        #expect(text.sections.map(\.heading) == ["What is happening", "Also during the closure"])
        #expect(text.sections.first.map { Chunker.sentences($0.text) } == ["From Monday the floor is closed."])
        #expect(text.sections.last?.text.contains("The library will stay open while the new carpet") == true
            || text.sections.last?.text.contains("The library will stay open while the new\ncarpet") == true)
    }

    /// Plain text laid out one record a line, a space-aligned table or labelled values, is read a value at a time,
    /// each with its row's name (and its column's header): run together, the lines were one sentence of every value.
    @Test func plainTextRecordsOneALineAreReadAsTableRows() {
        let text = DocumentText.plain("ROUTER SPECIFICATION\n\nRouter model ....... CL-400\nPower draw:        9 W\n\n"
            + "Lead times by area:\nArea            Lead time\n-----------     ---------\nTown centre     5 working days\n"
            + "Villages        10 working days\n\nUsual day        New day\nThursday 25 December  ->  Friday 26 December\n"
            + "Friday 26 December    ->  Saturday 27 December\n\n"
            + "Contact\nPhone: 01632 960 123\nEmail: help@copperline.example\n\n"
            + "Q:  Can I pay by card?\nA:  Yes, we take all major cards.\n\nWe reply within 2 days.  Most replies are faster.\nAsk us...\n")
        let sentences = text.sentences
        #expect(sentences == ["Router model: CL-400.", "Power draw: 9 W.", "Lead times by area:",
                              "Town centre, Lead time: 5 working days.", "Villages, Lead time: 10 working days.",
                              "Thursday 25 December, New day: Friday 26 December.", "Friday 26 December, New day: Saturday 27 December.",
                              "Phone: 01632 960 123.", "Email: help@copperline.example.", "Q:  Can I pay by card?",
                              "A:  Yes, we take all major cards.", "We reply within 2 days.", "Most replies are faster.", "Ask us..."])
        #expect(text.sections.map(\.heading) == [nil, "Area", "Usual day", "Contact"])
        // Of two columns, a first line with a value in it is a record, not the columns' header.
        let hours = DocumentText.plain("OPENING\n\nSunday      Closed\nMonday      9–5\nTuesday     9–5\n\nColour ........ White\n"
            + "Power draw .... 9 W\nWeight ........ 300 g\n")
        #expect(hours.sentences == ["Sunday: Closed.", "Monday: 9–5.", "Tuesday: 9–5.",
                                                                       "Colour: White.", "Power draw: 9 W.", "Weight: 300 g."])
        // A header underlined in one piece still heads its columns.
        let underlined = DocumentText.plain("LEAD TIMES\n\nArea            Lead time\n-------------------------\n"
            + "Town centre     5 working days\nVillages        10 working days\n")
        #expect(underlined.sentences == ["Town centre, Lead time: 5 working days.",
                                                                            "Villages, Lead time: 10 working days."])
    }

    /// A table as pdftotext writes it, a cell a paragraph and row after row, is read back as the table: each value
    /// with its row's name and its column's name, the table's name heading it. The cells of one table end where a
    /// row would have no value (the next table's name and columns); a line that is no cell ends them all. The
    /// footnotes under the table are sentences of their own, and their marks are not said.
    @Test func aTableWrittenOneCellAParagraphIsReadBackAsTheTable() {
        let cells = ["DAY ENTRY", "Peak", "Off-peak", "Member", "Adult (16+)", "£13.50", "£11.00", "Free",
                     "Under-16s†", "£9.00", "£7.50", "Free", "Family (2 adults + 2 under-16s)", "£36.00", "£30.00", "–",
                     "MEMBERSHIPS (monthly)", "Per month", "Joining fee", "Climbing", "Adult", "£48.00", "£25.00", "Unlimited",
                     "Junior (8–15)", "£27.00", "£10.00", "Unlimited§"]
        let text = DocumentText.plain("PRICE LIST\n\nPrices include VAT.\n\n" + cells.joined(separator: "\n\n")
            + "\n\n\u{0C}† Under-16s climb with a paying adult.\n", cells: true)
        #expect(text.sentences == [
            "Prices include VAT.", "Adult (16+), Peak: £13.50.", "Adult (16+), Off-peak: £11.00.", "Adult (16+), Member: Free.",
            "Under-16s†, Peak: £9.00.", "Under-16s†, Off-peak: £7.50.", "Under-16s†, Member: Free.",
            "Family (2 adults + 2 under-16s), Peak: £36.00.", "Family (2 adults + 2 under-16s), Off-peak: £30.00.",
            "Adult, Per month: £48.00.", "Adult, Joining fee: £25.00.", "Adult, Climbing: Unlimited.",
            "Junior (8–15), Per month: £27.00.", "Junior (8–15), Joining fee: £10.00.", "Junior (8–15), Climbing: Unlimited§.",
            "† Under-16s climb with a paying adult.",
        ])
        #expect(text.sections.map(\.heading) == [nil, "DAY ENTRY", "MEMBERSHIPS (monthly)", nil])
        // Footnote marks start footnotes and are not said.
        #expect(Chunker.sentences("Under-16s pay £6.00 at any time. ‡ Cards are valid for 12 months.")
            == ["Under-16s pay £6.00 at any time.", "‡ Cards are valid for 12 months."])
        #expect(speakable("Under-16s†, Peak: £9.00.") == "Under-16s, Peak: £9.00.")
        #expect(speakable("† Under-16s climb free.") == "Under-16s climb free.")
        #expect(speakable("Press * then 1.") == "Press * then 1.")
        // A numbered clause's or step's own number is not said; a number that opens a sentence is.
        #expect(speakable("7.1 Contractors may work from 08:30 to 17:30.") == "Contractors may work from 08:30 to 17:30.")
        #expect(speakable("5) For a vegan set menu, please give us 48 hours' notice.") == "For a vegan set menu, please give us 48 hours' notice.")
        #expect(speakable("3. You must book the lift.") == "You must book the lift.")
        #expect(speakable("10 Downing Street is closed.") == "10 Downing Street is closed.")
        #expect(speakable("2.5 kilograms is the limit.") == "2.5 kilograms is the limit.")
        // Rows stay in step: a page footer among them ends the table, and its cells are read as they were.
        let footer = DocumentText.plain(["Peak", "Off-peak", "Adult", "£13", "£11", "Child", "£9", "£7", "Page 1 of 2",
                                         "Senior", "£8", "£6"].joined(separator: "\n\n"), cells: true)
        #expect(footer.sentences.prefix(4)
            == ["Adult, Peak: £13.", "Adult, Off-peak: £11.", "Child, Peak: £9.", "Child, Off-peak: £7."])
        // Short lines that lay out no table (a single row) stay as they were, and plain text is never read so.
        let lines = "NOTICE\n\nOpen daily\n\nClosed on Christmas Day\n\nAdult\n\n£5\n"
        #expect(DocumentText.plain(lines, cells: true) == DocumentText.plain(lines))
        #expect(!DocumentText.plain(cells.joined(separator: "\n\n")).sentences
            .contains("Adult (16+), Peak: £13.50."))
    }

    /// Plain text's heading rules take nothing that states a fact: a numbered list's first step, a sentence
    /// hard-wrapped before a name or a day, a document that is all letterhead, or a first sentence after blank lines.
    @Test func plainTextHeadingRulesKeepStepsWrappedSentencesAndShortDocumentsAsText() {
        let steps = DocumentText.plain("HOW TO ORDER\n\nTo order a bin:\n\n1. Fill in the online form\n2. Pay the fee\n")
        #expect(steps.sections.map(\.heading) == [nil])
        #expect(steps.sections.first?.text.contains("Fill in the online form") == true)
        let wrapped = DocumentText.plain("NOTICE\n\nGarden waste collections will resume\nMonday morning as usual.\n\n"
            + "Bins go out on\nTuesday night.\n")
        #expect(wrapped.sections.map(\.heading) == [nil])
        #expect(wrapped.sections.first.map { Chunker.sentences($0.text) }
            == ["Garden waste collections will resume Monday morning as usual.", "Bins go out on Tuesday night."])
        let onlyLetterhead = DocumentText.plain("Bins go out on Monday night\nGarden waste is collected every other week\n")
        #expect(onlyLetterhead.title == nil)
        #expect(onlyLetterhead.sections.first?.text.contains("Garden waste is collected every other week") == true)
        let leadingBlank = DocumentText.plain("\n\nDEPOT HOURS\n\nOpen from nine.\n")
        #expect(leadingBlank.title == "DEPOT HOURS")
    }

    /// Lines of "Label: value" are statements of their own, ended or not, and a value's later sentences keep its
    /// label; a value wrapped onto the next line goes on there.
    @Test func labelLinesAreEachAStatementWithTheirLabel() {
        let text = DocumentText.plain("FINDING US\n\nParking: No on-site parking. The multi-storey is a 2 minute walk away.\n"
            + "Cycling: Covered bike rack by the front door\nFinding us: On the riverside path, three doors\n"
            + "down from the footbridge.\n\nQ: Can I pay by card? A: Yes. We take all cards.\n")
        #expect(text.sentences == ["Parking: No on-site parking.", "Parking: The multi-storey is a 2 minute walk away.",
                                   "Cycling: Covered bike rack by the front door.",
                                   "Finding us: On the riverside path, three doors down from the footbridge.",
                                   "Q: Can I pay by card?", "A: Yes.", "We take all cards."])
    }

    /// A numbered clause hard-wrapped over several lines is one item: its lines go on under it, indented, in lower
    /// case or after a comma; a line that starts anew is a sentence of its own, and a numbered heading over its
    /// clauses ("4. Cancellation by you" over "4.1 …") names their section.
    @Test func aHardWrappedNumberedClauseIsReadWhole() {
        let text = DocumentText.plain("TERMS\n\n1.  We accept stoneware rated to at least\n    cone 6, as long as you bring\n"
            + "    the labelled bag.\n\n2.  Bisque work must reach us by\n    12 noon on Tuesday,\nor by post.\n\n"
            + "3.  Pay at drop-off.\nVouchers are not accepted.\n\n4. Cancellation by you\n4.1 You get a full refund.\n")
        #expect(text.sentences == [
            "1) We accept stoneware rated to at least cone 6, as long as you bring the labelled bag.",
            "2) Bisque work must reach us by 12 noon on Tuesday, or by post.", "3) Pay at drop-off.",
            "Vouchers are not accepted.", "4.1 You get a full refund.",
        ])
        #expect(text.sections.last?.heading == "Cancellation by you")
        // A sentence cut by the wrap goes on before a capital; a short item is no cut sentence.
        let notice = DocumentText.plain("NOTICE\n\n2. Late night at Market Row. From Friday 6 June our late night at Market\n"
            + "Row moves from Thursday to Friday. Market Row will be open Fridays\n9am-8pm, and Thursdays close at 5.30pm.\n\n"
            + "- Towels\nPlease bring your own.\n")
        #expect(notice.sentences == ["2) Late night at Market Row.", "From Friday 6 June our late night at Market Row moves from Thursday to Friday.",
                                     "Market Row will be open Fridays 9am-8pm, and Thursdays close at 5.30pm.", "Towels",
                                     "Please bring your own."])
        // A numbered item over a clause numbered otherwise is no heading.
        let list = DocumentText.plain("TERMS\n\nWhat to bring\n\n2. Your own towel\n3.1 metres of rope is enough.\n")
        #expect(list.sentences.first == "2) Your own towel")
    }

    /// What a question is about: its nouns, not its verbs ("bring"), relations ("back") or the kind of fact asked ("cost").
    @Test func theAskedItemIsInFocusButVerbsRelationsAndTheAskedKindAreNot() {
        let question = QuestionWords("How much does the steam room cost before I can bring my towel back?")
        #expect(question.words == ["steam", "room", "before", "bring", "towel", "back"])
        #expect(question.focus == ["steam", "room", "towel"])
        // "Money off" is a discount, which a sentence states as "15% off"; "both" and "pieces" name nothing.
        #expect(QuestionWords("Do students get money off?").words == ["students", "off"])
        // "Bank holiday Mondays" are bank holidays, not Mondays.
        let holiday = QuestionWords("Are you open on bank holiday Mondays?")
        #expect(holiday.words.contains("holiday") && !holiday.words.contains("mondays") && holiday.askedDays.isEmpty)
        let focus = QuestionWords("If both my girls sign up, when do bisque pieces go in?").focus
        #expect(focus.isSuperset(of: ["girls", "bisque"]) && focus.isDisjoint(with: ["both", "pieces"]))
    }

    /// A sentence about the sauna does not answer a question about the steam room, however close in meaning.
    @Test func evidenceAboutAnotherItemNamesTheQuestionWordsItLacks() {
        let chunk = StoredChunk(id: "p#0", documentID: "p", source: "prices.html", title: "Prices", heading: "Extras",
                                text: "Sauna add-on, Adult: $2.50. Our new steam room opens later this year.", vector: [])
        let candidates = EvidenceSelector.candidates([chunk]).map { ($0, [Float]()) }
        let ranked = EvidenceSelector.rank(candidates, query: "How much is the steam room?",
                                           question: QuestionWords("How much is the steam room?"), queryVector: [],
                                           weights: [:], known: ["steam", "room"])
        let sauna = ranked.first { $0.text.hasPrefix("Sauna") }
        #expect(sauna?.unmatched == ["steam", "room"])
        #expect(sauna?.states_fact == true)
        let steam = ranked.first { $0.text.contains("steam room") }
        #expect(steam?.unmatched == [])
        #expect(steam?.states_fact == false, "it says when the steam room opens, not what it costs")
    }

    @Test func ftsQueriesQuoteContentWordsOnly() {
        #expect(SearchText.ftsQuery(SearchText.searchTerms("How much does a cup lot cost?")) == "\"cup\" OR \"lot\" OR \"cost\"")
        #expect(SearchText.ftsQuery(SearchText.searchTerms("what is it?")) == nil)
        #expect(SearchText.ftsQuery(SearchText.searchTerms("NEAR(\"x\" AND y*)")) == "\"near\" OR \"x\" OR \"y\"")
    }
}

extension DocumentText {
    /// The document's sentences as the chunker splits them, section by section.
    var sentences: [String] { sections.flatMap { Chunker.sentences($0.text) } }
}
