import Foundation
import VoiceCore

/// Evidence selection: the retrieved chunks split into sentences, each ranked by its MiniLM similarity to the
/// question blended with how much of the question it covers, word by word, allowing for misheard words. A small
/// model given three such sentences has little to get wrong; given three whole chunks it picks the wrong number.
struct EvidenceSelector {
    /// Sentences shorter than this are headings or fragments, not evidence.
    static let minimumWords = 4

    struct Candidate {
        var text: String
        var chunk: StoredChunk
        /// The section the sentence is in: the chunk's heading, or one met inside the chunk before the sentence.
        var heading: String?
        /// The sentence before, in the same section, when this one opens with a pronoun ("They cost $2." after
        /// "Lockers take a coin."): what the pronoun stands for is there; two sentences when the one before opens
        /// with a pronoun too. For a sentence a lead-in announced, the lead-in.
        var previous: String?
    }

    /// Words that stand for something named before them.
    static let pronouns: Set<String> = ["it", "its", "they", "their", "them", "this", "these", "that", "those", "he", "she",
                                        "his", "her", "there"]

    static func opensWithPronoun(_ sentence: String) -> Bool {
        TextWords.words(String(sentence.prefix(24))).first.map(pronouns.contains) ?? false
    }

    /// The distinct sentences of `chunks`, in retrieval order; headings inside a chunk are not evidence but name
    /// the section of the sentences after them.
    static func candidates(_ chunks: [StoredChunk]) -> [Candidate] {
        var seen = Set<String>()
        var candidates: [Candidate] = []
        for chunk in chunks {
            var heading = chunk.heading
            // A heading of two sentences ("I live in a flat. How are my bins collected?") is split like text: each
            // of its sentences names the section, and none is evidence.
            var headingParts: [String: String] = [:]
            for heading in chunk.sectionHeadings {
                let parts = Chunker.sentences(heading + ".")
                if parts.count > 1 { parts.forEach { headingParts[$0] = heading } }
            }
            var sentences: [(text: String, heading: String?)] = []
            for sentence in Chunker.sentences(chunk.text) {
                if sentence.hasSuffix("."), chunk.sectionHeadings.contains(String(sentence.dropLast())) {
                    heading = String(sentence.dropLast())
                } else if let whole = headingParts[sentence] {
                    heading = whole
                } else {
                    sentences.append((sentence, heading))
                }
            }
            var leadIn: (text: String, heading: String?)?
            // The last lead-in ending with a colon, and where it stands.
            var announced: (text: String, index: Int, heading: String?)?
            for (index, sentence) in sentences.enumerated() {
                var text = sentence.text
                var readWithLeadIn = false
                if leadIn?.heading != sentence.heading { leadIn = nil }
                if text.hasSuffix(":") {
                    leadIn = (text, sentence.heading)
                } else if let last = text.last, !".!?".contains(last),
                          !text.contains(where: \.isNumber) || Chunker.wordCount(text) < minimumWords,
                          leadIn != nil || sentence.heading != nil {
                    // A list item that is no sentence and states no value ("Takeaway coffee cups and their lids"), or
                    // one too short to be evidence ("£27 per child"), says nothing alone: it is read with what it is
                    // an item of, the section and the list's lead-in ("Red-lid general waste bin: No, thank you:
                    // Takeaway coffee cups and their lids.", "Spin It Party (pottery wheel): £27 per child.").
                    text = ([sentence.heading.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ",;: ")) + ":" }, leadIn?.text].compactMap { $0 } + [text]).joined(separator: " ") + "."
                    readWithLeadIn = true
                }
                if isLeadIn(text) {
                    // "…comes from two kernel features." says there are two; the sentences after it name them.
                    let following = sentences[(index + 1)...].prefix { $0.heading == sentence.heading }.prefix(leadInFollowers)
                    // Only a colon announces for sure: "…a fixed gangway with two steps." counts, but lists nothing.
                    if text.hasSuffix(":") { announced = (text, index, sentence.heading) }
                    text = ([text] + following.map(\.text)).joined(separator: " ")
                }
                // What a pronoun stands for may be named two sentences back, past another sentence that opens with a
                // pronoun ("Drinking glasses and Pyrex. These melt at another temperature. They go in the red-lid bin.").
                var previous: [String] = []
                if opensWithPronoun(text) {
                    // A list item is no antecedent: "It closes early…" after a list of hours is about the place
                    // the paragraphs name, not the last item ("Saturday: 9:00 to 11:00").
                    for before in sentences[..<index].reversed().prefix(pronounChain) {
                        guard before.heading == sentence.heading,
                              let end = before.text.last(where: { !"\"”’')]".contains($0) }), ".!?…".contains(end) else { break }
                        previous.insert(before.text, at: 0)
                        if !opensWithPronoun(before.text) { break }
                    }
                }
                // A sentence a lead-in announced ("On Tuesdays and Thursdays from 24 February, the school day will end
                // earlier:" over "Years 1 to 6 will finish at 3.00pm.") is read with it, as one opening with a
                // pronoun is with the sentence before: it may be the one answer, short enough to say.
                if previous.isEmpty, !readWithLeadIn, let lead = announced, lead.heading == sentence.heading,
                   index > lead.index, index - lead.index <= leadInFollowers {
                    previous = [lead.text]
                }
                if isEvidence(text) && seen.insert(text).inserted {
                    candidates.append(Candidate(text: text, chunk: chunk, heading: sentence.heading,
                                                previous: previous.isEmpty ? nil : previous.joined(separator: " ")))
                }
            }
        }
        return candidates
    }

    /// Whether a sentence can be evidence: one of at least ``minimumWords`` words, or a shorter one that gives a
    /// label's value, as a table's cells do ("Adult, Single: $5.40.", "Sunday: closed."); a shorter one without is a
    /// heading or a fragment.
    static func isEvidence(_ sentence: String) -> Bool {
        let words = Chunker.wordCount(sentence)
        guard words < minimumWords else { return true }
        guard words >= 2, let colon = sentence.firstIndex(of: ":") else { return false }
        return sentence[sentence.index(after: colon)...].contains { $0.isLetter || $0.isNumber }
    }

    /// Sentences back that a pronoun's antecedent is looked for in.
    static let pronounChain = 2

    /// Sentences that a lead-in brings along.
    static let leadInFollowers = 2

    /// Whether a sentence announces what the next ones list: it ends with a colon, or with a small count of things
    /// ("two kernel features.", "three main parts.") that are not a measure ("35 minutes.", "12 items.").
    static func isLeadIn(_ sentence: String) -> Bool {
        if sentence.hasSuffix(":") { return true }
        guard sentence.hasSuffix(".") else { return false }
        let words = TextWords.words(sentence)
        guard let last = words.last, last.hasSuffix("s"), !measures.contains(last) else { return false }
        return words.suffix(4).dropLast().contains { counts.contains($0) }
    }

    static let counts: Set<String> = ["two", "three", "four", "five", "six", "several", "few"]
    static let measures: Set<String> = [
        "seconds", "minutes", "hours", "days", "weeks", "months", "years", "metres", "meters", "miles", "kilometres",
        "dollars", "cents", "euros", "pounds", "percent", "people", "passengers", "items", "cars", "times",
    ]

    /// Ranks `candidates` (with their vectors) for `query`; `weights` gives each content word's rarity weight and
    /// `known` the words some chunk of the knowledge base holds.
    static func rank(_ candidates: [(Candidate, [Float])], query: String, question: QuestionWords, queryVector: [Float],
                     weights: [String: Double], known: Set<String>,
                     followUp: (words: QuestionWords, weights: [String: Double])? = nil) -> [EvidenceSentence] {
        let wanted = AnswerType.asked(in: query)
        let clauseKind = wanted.flatMap { AnswerType.asksSeveralKinds($0.question) ? nil : $0 }
        return candidates.map { candidate, vector in
            let similarity = Double(VectorMath.dot(queryVector, vector))
            // The sentence before a pronoun says what the pronoun stands for ("Replacement lids are available.
            // They are not sold online; call…"): its words count as the sentence's own, as its heading's do.
            let itself = [candidate.text, candidate.heading ?? "", candidate.chunk.title ?? ""].joined(separator: " ")
            let own = itself + " " + (candidate.previous ?? "")
            // But a sentence that names days or months of its own is about those ("It is closed on Sundays." after
            // "…open Monday to Saturday"), not the ones of the sentence it is read with.
            let namesItsDates = candidate.previous != nil
                && (!(question.askedDays.isEmpty || AnswerType.daysCovered(by: candidate.text).isEmpty)
                    || !(question.askedMonths.isEmpty || AnswerType.monthsCovered(by: candidate.text).isEmpty))
            var (coverage, missing) = question.coverage(of: own, weights: weights, calendar: namesItsDates ? itself : nil)
            // A sentence of side-by-side facts answers with the one clause that holds all it matched of the
            // question ("stage five" of "$72 for Stages 1 to 3 and $80 for Stages 4 to 6"), when only one does.
            // A clause that states the kind of fact asked comes first: "how long" asks the clause with a duration
            // ("each visit is limited to 20 minutes"), not the one about the same thing with a count ("It seats
            // eight people"), unless the question asks two kinds.
            var text = candidate.text
            let context = [candidate.heading ?? "", candidate.chunk.title ?? ""].joined(separator: " ")
            if let best = Clauses.uniqueBest(of: candidate.text, by: { clause in
                let (share, lacking) = question.coverage(of: clause + " " + context, weights: weights)
                // Only a clause about the same item, by name or by a pronoun ("…, and it should soak for 10
                // minutes"): "Lockers cost $1" does not price the sauna of "The sauna is open until 9pm, and
                // lockers cost $1".
                let sameItem = opensWithPronoun(clause) || question.focus.intersection(lacking).isSubset(of: missing)
                return share + (sameItem && clauseKind.map { $0.type.isStated(in: clause, question: $0.question) } == true ? 1 : 0)
            }),
               best.score >= coverage - Clauses.tolerance {
                text = best.clause
            }
            // A sentence that names its item by a code ("Power, K7: 2200 W.") is not about another code asked for
            // ("K9"), even where its title or heading names both.
            let codes = Set(TextWords.words(text).filter(QuestionWords.isModelCode))
            if !codes.isEmpty {
                missing += question.names.filter { QuestionWords.isModelCode($0) && !codes.contains($0) && !missing.contains($0) }.sorted()
            }
            var states = wanted.map { $0.type.isStated(in: text, question: $0.question) }
            // "How many people" is answered by a count of any kind of person ("eight passengers", "30 guests"), which
            // WordNet knows.
            if states == false, let wanted, AnswerType.asksHowManyPeople(wanted.question), let lexicon = question.lexicon,
               AnswerType.numberFollowed(by: { lexicon.isKind($0, of: ["person"]) }, in: TextWords.words(text)) {
                states = true
            }
            // A follow-up asked with the question before it is covered by its own words ("book" in "How do I book
            // it?") as much as by the two questions' together.
            if let followUp, !followUp.words.words.isEmpty {
                coverage = (coverage + followUp.words.coverage(of: own, weights: followUp.weights).share) / 2
            }
            let score = EvidenceSentence.score(similarity: similarity, coverage: coverage, statesFact: states)
            // A code is demanded whether or not the knowledge base has it, and so is a holiday by a sentence that
            // gives dates, none of them its own: "closed on 25 December" is about other days than Christmas Eve.
            // Undated ("Sundays and public holidays") it may still answer.
            let dated = !question.askedHolidays.isEmpty && !AnswerType.datesCovered(by: own).isEmpty
            // So is a day by a sentence that names days, none of them the asked one ("Market Row is closed on Mondays"
            // for "What time does it close on Saturdays?"), though the knowledge base writes that day only in short
            // ("Sat:"). Asked yes or no, such a sentence answers no ("Students get 15% off on Tuesdays and Wednesdays"
            // for "Can I get a discount on a Saturday?").
            let daysNamed = !question.askedDays.isEmpty && !question.asksYesOrNo
                && !AnswerType.daysCovered(by: namesItsDates ? itself : own).isEmpty
            return EvidenceSentence(text: text, source: candidate.chunk.source, title: candidate.chunk.title,
                                    heading: candidate.heading, score: rounded(score), coverage: rounded(coverage),
                                    similarity: rounded(similarity),
                                    unmatched: missing.filter { question.names.contains($0) || (dated && question.askedHolidays[$0] != nil)
                                        || (daysNamed && question.askedDays[$0] != nil)
                                        || (known.contains($0) && question.focus.contains($0) && !question.context.contains($0)) },
                                    unknown: missing.filter { !known.contains($0) && question.focus.contains($0) && !question.isCalendarWord($0)
                                        && !question.context.contains($0) },
                                    states_fact: states)
        }.sorted { $0.score > $1.score }
    }

    static func rounded(_ value: Double) -> Double { (value * 10_000).rounded() / 10_000 }
}

/// A question's content words, matched against a text the way a listener would: "drift wood" is driftwood,
/// "sore blot" sounds like Zorblat, "opens" is "open".
struct QuestionWords {
    let words: [String]
    /// The measure asked for ("tall"): matched as written or by meaning, never by sound.
    let attributes: Set<String>
    /// Adjacent pairs written as one word ("member ship" → "membership"), with the two words they stand for.
    let joined: [(word: String, parts: [String])]

    /// Relates words to others of the same meaning ("grown-up" → "adult"); without it, words match only as said.
    let lexicon: Lexicon?
    /// The stems of the words WordNet relates to each content word and each pair of them ("grown up").
    let related: [String: Set<String>]

    init(_ query: String, lexicon: Lexicon? = nil) {
        self.lexicon = lexicon
        attributes = AnswerType.attributeWords(of: query)
        let all = TextWords.words(query)
        // "long" in "How long…" and "cost" in "What does it cost?" ask for a kind of fact (``AnswerType``), which a
        // sentence states in numbers, not in that word.
        let frame = AnswerType.frameWords(of: query)
        // "One" that stands for a thing said before ends its phrase after a determiner, an ordinal or an adjective
        // ("the last one", "which one", "a cheaper one"), or ends a phrase a determiner opens ("the Gigabit one",
        // "the sea view one"); "one adult", "one way" and "gate one" count.
        let proForm = all.indices.filter { all[$0] == "one" }.allSatisfy { index in
            // "One of the rowing boats" is one of them, which the rest of the phrase names.
            if index + 2 < all.count, all[index + 1] == "of", Self.determiners.contains(all[index + 2]) { return true }
            guard index > 0, index + 1 == all.count || TextWords.stopWords.contains(all[index + 1]) else { return false }
            let before = all[index - 1]
            let modifiers = all[..<index].reversed().prefix { !TextWords.stopWords.contains($0) }.count
            return Self.determiners.contains(before) || Self.relations.contains(before) || before == "which"
                || lexicon?.isMostlyAdjective(before) == true
                || ((1...2).contains(modifiers) && index > modifiers && Self.determiners.contains(all[index - modifiers - 1]))
        }
        // "My three year old": an age, which a sentence states as a bound ("Children under 5"), so "year" and "old"
        // are not looked for, and the number counts only inside such a bound, not as any "3".
        var ages: [String: Int] = [:]
        var ageWords: Set<String> = []
        for index in all.indices.dropFirst().dropLast() where ["year", "years"].contains(all[index])
            && ["old", "olds"].contains(all[index + 1]) {
            guard let value = SpokenNumbers.value(orPluralOf: all[index - 1]) ?? Int(all[index - 1]) else { continue }
            ages[all[index - 1]] = value
            ageWords.formUnion([all[index], all[index + 1]])
        }
        // "I'm 70, do I pay…", "she is four", "my son's 16", "my dad is 70", "my lad's turning 7": a bare number
        // said of a person, with no unit after it, is an age. Speech recognition writes "I'm" as "im" too, and
        // "my son's nine" as "my sons nine".
        let isPerson = { (word: String) in lexicon?.isKind(word, of: ["person"], depth: 8) == true }
        let possessives: Set<String> = ["my", "our"]
        for index in all.indices.dropFirst() where all[index - 1] == "im" || all[index - 1] == "turning"
            || (index >= 2 && ((all[index - 2] == "i" && ["m", "am"].contains(all[index - 1]))
                || (["he", "she"].contains(all[index - 2]) && ["s", "is"].contains(all[index - 1]))
                || (possessives.contains(all[index - 2]) && isPerson(all[index - 1]))))
            || (index >= 3 && possessives.contains(all[index - 3]) && ["s", "is"].contains(all[index - 1]) && isPerson(all[index - 2])) {
            guard let value = SpokenNumbers.value(of: all[index]) ?? Int(all[index]),
                  index + 1 == all.count || TextWords.stopWords.contains(all[index + 1]) else { continue }
            ages[all[index]] = value
        }
        self.ages = ages
        context = AnswerType.statedContext(in: query).union(Self.ownPeople(in: all, lexicon: lexicon))
        measures = Measures.asked(in: query).filter { ages[$0.key] == nil }
        asksYesOrNo = AnswerType.asksYesOrNo(query)
        // "One black and white page": a single one of a thing, named by the phrase's last word, which a rate
        // prices ("$0.15 per page").
        unitsOfOne = Set(all.indices.filter { all[$0] == "one" || all[$0] == "1" }.compactMap { index in
            all[(index + 1)...].prefix(while: { $0 == "and" || !TextWords.stopWords.contains($0) }).last { $0 != "and" }
        }.map(SoundKey.stem))
        // "Money off" is a discount and "money back" a refund, which a sentence states as "15% off" or "refunded",
        // not in the word "money".
        let moneyIdiom = zip(all, all.dropFirst()).contains { $0 == "money" && ["off", "back"].contains($1) }
        // "Bank holiday Mondays" are bank holidays, which a sentence states as such ("On bank holidays we open
        // 10am-4pm"), not a weekday asked about. "Easter Monday" is a day of its own, which the documents name.
        let holidayDays = Set(zip(all, all.dropFirst()).filter { ["holiday", "holidays"].contains($0.0) }
            .map(\.1).filter { !AnswerType.dayNames(in: $0).isEmpty })
        words = SearchText.searchTerms(query).filter {
            !frame.contains($0) && !(proForm && $0 == "one") && !ageWords.contains($0) && !(moneyIdiom && $0 == "money")
                && !holidayDays.contains($0)
        }
        joined = zip(all, all.dropFirst()).map { ($0 + $1, [$0, $1]) }
        // English puts the verb after its pronoun subject or "to", a modal maybe between ("how do I turn", "ready to
        // pair", "I can bring"): such a word says what is done, which a sentence may say in other words, not what it
        // is done to.
        // So does a question that puts its subject between the auxiliary and the verb ("What time does the bar
        // close?"): the word after "does the bar" is the verb, unless English uses it mostly as a noun ("does the
        // bar menu…").
        let verbs = Set(all.indices.dropFirst().filter { index in
            Self.subjects.contains(all[index - 1])
                // "Does that mean…", "will this work": a demonstrative after an auxiliary is its subject.
                || (index >= 2 && Self.auxiliaries.contains(all[index - 2]) && ["that", "this"].contains(all[index - 1])
                    && lexicon?.isMostlyVerb(all[index]) == true)
                || (index >= 2 && Self.subjects.contains(all[index - 2]) && TextWords.stopWords.contains(all[index - 1]))
                || (index >= 3 && Self.auxiliaries.contains(all[index - 3]) && Self.determiners.contains(all[index - 2])
                    && !TextWords.stopWords.contains(all[index - 1]) && lexicon?.isMostlyNoun(all[index]) == false)
        }.map { all[$0] })
        // A part of the day after a day ("Friday night", "Monday evening") says when within that day, which a
        // sentence states as the day and a time ("Friday and Saturday: 11:00 to midnight").
        var dayParts = Set(all.indices.dropFirst().filter { index in
            Self.partsOfTheDay.contains(all[index]) && !AnswerType.dayNames(in: all[index - 1]).isEmpty
        }.map { all[$0] })
        // "Morning, my little boy…", "Good evening —": a greeting, not a time asked about.
        if let greeting = query.firstMatch(of: #/^\s*(?:good\s+)?(morning|afternoon|evening)\s*[,!.–—-]/#.ignoresCase()),
           all.filter({ $0 == greeting.output.1.lowercased() }).count == 1 {
            dayParts.insert(greeting.output.1.lowercased())
        }
        // A word right after a determiner, or after a determiner and an adjective ("the filter", "a monthly pass"),
        // is a noun however often English uses it as a verb; after a noun it is most often the verb ("the filter
        // go"), and elsewhere the word's usage decides ("What does E2 mean?").
        // "That" after a noun opens a relative clause ("the router that came with Starter"): what follows is its
        // verb, not a thing it names.
        let relative = { (index: Int) in
            all[index] == "that" && index >= 1 && !TextWords.stopWords.contains(all[index - 1])
                && lexicon?.isMostlyNoun(all[index - 1]) == true
        }
        let named = Set(all.indices.dropFirst().filter { index in
            (Self.determiners.contains(all[index - 1]) && !relative(index - 1))
                || (index >= 2 && Self.determiners.contains(all[index - 2]) && !relative(index - 2)
                    && lexicon?.isMostlyAdjective(all[index - 1]) == true)
        }.map { all[$0] })
        // "A new base" is the one that replaces a lost or broken one ("Replacement power base: $29"): a sentence
        // about the thing need not say "new"; "own" ("my own wiring", "on my own") only stresses whose. An adverb
        // ("actually", "normally", "abroad") says how, when or where, not what, and a sentence may say it in other
        // words ("in the EU"), as it may a verb.
        focus = Set(words.filter { word in
            !verbs.contains(word) && !Self.relations.contains(word) && !Self.quantifiers.contains(word)
                && !Self.genericNouns.contains(word) && word != "new" && word != "own" && !dayParts.contains(word)
                && (named.contains(word) || (lexicon?.isMostlyVerb(word) != true && lexicon?.isMostlyAdverb(word) != true))
        })
        let content = Set(words)
        // A code ("E4", "K5") names the item asked about, whether or not the knowledge base has it. Capitalised
        // words are not taken as names: speech recognition capitalises its mishearings too ("Zorba bridge").
        names = content.filter(TextWords.isCode)
        askedDays = Dictionary(uniqueKeysWithValues: content.compactMap { word in
            let days = AnswerType.daysCovered(by: word)
            return days.isEmpty ? nil : (word, days)
        })
        askedMonths = Set(content.filter(AnswerType.isMonthName))
        askedHolidays = AnswerType.holidayWords(in: query)
        let pairs = joined.filter { $0.parts.allSatisfy(content.contains) }.map(\.word)
        // "The most I'd pay", "the least water": an amount's bound, which a sentence states as one ("up to a daily
        // cap of $90"). Before an adjective they make a superlative ("the most expensive"), which only they say.
        let askedBounds = Dictionary(zip(all, all.dropFirst()).compactMap { pair -> (String, Set<String>)? in
            guard let limits = Self.bounds[pair.0], TextWords.stopWords.contains(pair.1) || lexicon?.isMostlyAdjective(pair.1) != true
            else { return nil }
            return (pair.0, limits)
        }) { first, _ in first }
        related = Dictionary((words + pairs).map { word in
            (word, Set(((lexicon?.related(word) ?? []).union(askedBounds[word] ?? [])).map(SoundKey.stem)))
        }) { first, _ in first }
        liquids = Set([AnswerType.measuredNoun(in: query)].compactMap { $0 }.filter { lexicon?.isKind($0, of: ["liquid"]) == true })
    }

    /// The people of the speaker's own in `words` (a question's, lower case): "my daughter", "our son", "my little
    /// boy", "my Year 1 daughter", "his big sister". They are who the answer is for, not what it is about, so a
    /// sentence about the asked thing need not name them; nor are they a word misheard ("my son" is no "Sun hat").
    /// A word is a person by its commonest sense: "my dog" is the dog asked about, though WordNet also calls a person
    /// one.
    static func ownPeople(in words: [String], lexicon: Lexicon?) -> Set<String> {
        let owners: Set<String> = ["my", "our", "his", "her", "their"]
        let isPerson = { (word: String) in lexicon?.isKind(word, of: ["person"], depth: 8, senses: 1) == true }
        return Set(words.indices.filter { index in
            isPerson(words[index]) && (1...3).contains { back in
                index >= back && owners.contains(words[index - back])
                    && words[(index - back + 1)..<index].allSatisfy { !TextWords.stopWords.contains($0) && !isPerson($0) }
            }
        }.map { words[$0] })
    }

    /// The liquid whose amount "how much" asks ("How much water does it hold?", a kind of liquid in WordNet): a
    /// volume answers it ("Capacity: 1.7 litres") without naming it.
    let liquids: Set<String>

    /// The stems of the things asked one of ("page" in "one black and white page"): a rate per one ("per page",
    /// "each page") is about one of the thing.
    let unitsOfOne: Set<String>

    /// The question's codes: letters with digits.
    let names: Set<String>
    /// The words said only of the speaker's own situation, beside the question (``AnswerType/statedContext(in:)``):
    /// a sentence about the asked thing need not name them ("licence" in "I've got 4 points on my licence. Would
    /// that stop me getting a loan car?").
    let context: Set<String>
    /// The ages the question gives, by their number word ("three" → 3).
    let ages: [String: Int]
    /// The amounts with a unit the question gives, by each word of their number ("1" and "4" of "1.4 litre").
    let measures: [String: Measures.Measure]
    /// Whether the question asks yes or no ("Can my son, who is 4, come?"), not for a fact.
    let asksYesOrNo: Bool
    /// Whether `word` is a day or month the question names. A knowledge base that never writes it ("Monday",
    /// "August") still answers it, by the days or months it does give ("open Tuesday to Saturday"), so it is no
    /// unknown thing asked about.
    func isCalendarWord(_ word: String) -> Bool { askedDays[word] != nil || askedMonths.contains(word) }

    /// The days each of the question's day words means ("tuesdays", "weekend").
    let askedDays: [String: Set<String>]
    /// The months the question names.
    let askedMonths: Set<String>
    /// The dates of the fixed holidays the question names, by each word naming them ("boxing" → 26 December).
    let askedHolidays: [String: Set<Int>]

    /// A model's code: letters, then digits ("k9", "x5"), not a time, a measure or an ordinal ("10am", "20cm", "3rd").
    static func isModelCode(_ word: String) -> Bool { word.wholeMatch(of: #/[a-z]{1,3}\d+[a-z]?/#) != nil }

    /// The words that name what the question is about: every content word but verbs (by position, or because
    /// WordNet knows them mostly as verbs) and relation words.
    var focus: Set<String>

    static let subjects: Set<String> = ["i", "you", "we", "they", "it", "he", "she", "to"]
    /// English's auxiliary and modal verbs, which open a question before its subject ("does the bar close"). Not
    /// "is" and "are": after "is the pool" comes what it is ("heated"), the attribute asked about.
    static let auxiliaries: Set<String> = ["do", "does", "did", "will", "would", "can", "could", "shall", "should",
                                           "may", "might", "must"]
    /// The parts of a day, a closed class of English.
    static let partsOfTheDay: Set<String> = ["morning", "mornings", "lunchtime", "lunchtimes", "midday", "afternoon",
                                             "afternoons", "evening", "evenings", "night", "nights"]
    static let determiners: Set<String> = ["a", "an", "the", "my", "your", "our", "their", "his", "her", "its", "this",
                                           "that", "these", "those", "each", "every", "any", "some", "no"]
    /// English's closed classes of prepositions, conjunctions, particles and ordinals: they relate or order things
    /// ("before killing", "send it back", "the last ferry", "while you're closed") and name none, so a sentence may
    /// state the relation in a time, a list or other words.
    static let relations: Set<String> = [
        "before", "after", "over", "under", "between", "during", "since", "until", "till", "through", "across", "around",
        "near", "inside", "outside", "without", "within", "per", "off", "up", "down", "back", "away", "again",
        "first", "last", "next", "only", "still", "ever", "even", "really", "other", "another", "same", "while",
        "whilst", "instead",
    ]

    /// Nouns for anyone or anything: "people who aren't members" are non-members, "the networking things" are
    /// networking events; what such a noun stands for is said by the words around it.
    static let genericNouns: Set<String> = ["people", "person", "persons", "folk", "folks", "thing", "things", "stuff",
                                            "piece", "pieces", "item", "items", "bit", "bits"]

    /// English's quantifiers and indefinite pronouns: they say how much or which of something ("more than one",
    /// "anything for my four-year-old") and name nothing, so a sentence states them as a limit, a list or not at all.
    static let quantifiers: Set<String> = [
        "more", "less", "fewer", "enough", "anything", "something", "everything", "nothing", "anyone", "someone",
        "everyone", "anybody", "somebody", "everybody", "both", "either", "neither", "each", "every", "all",
    ]

    /// The words that state the bound "most" or "least" asks for.
    static let bounds: [String: Set<String>] = [
        "most": ["maximum", "max", "cap", "capped", "limit", "limited"],
        "least": ["minimum", "min"],
    ]

    /// What a word found only as a stem, a prefix or a sound-alike counts for: the same word is surer.
    static let inexactCredit = 0.85
    /// The most a word outside the focus (a verb, a relation word) weighs: that of a word in about a third of the
    /// chunks (log 3).
    static let nonFocusWeight = 1.1
    /// What a word counts for when only a word WordNet relates to it is found ("toddlers" for "children").
    static let relatedCredit = 0.7

    /// Whether the text has a word that means the same as `word` (or what it is a kind of), by stem (`textStems`,
    /// irregular forms included); or, for a number word or an ordinal, the number in digits ("ten" and "10-swim
    /// card", "the 12th of January" and "12 January").
    func relatedMatches(_ word: String, in textWords: Set<String>, stems textStems: Set<String>) -> Bool {
        if let value = SpokenNumbers.value(orPluralOf: word) ?? SpokenNumbers.value(ofOrdinal: word),
           textWords.contains(String(value)) { return true }
        return !(related[word] ?? []).isDisjoint(with: textStems)
    }

    /// Whether `word` and a word of the text are forms of one lemma that no ending relates: "went" and "go",
    /// "person" and "people" (`stems` holds the text's stems and irregular bases).
    func isIrregularForm(_ word: String, of textWords: Set<String>, stems: Set<String>) -> Bool {
        stems.contains(word) || (lexicon?.irregularBases(word) ?? []).contains(where: textWords.contains)
    }

    /// The words that ask an age after "how".
    static let askingAge: Set<String> = ["old", "young"]

    /// The ranges a text gives ("Stages 1 to 3", "ages 5-15"), not times ("9:00–13:00") or decimals.
    static func ranges(in text: String) -> [ClosedRange<Int>] {
        text.matches(of: #/(?:^|[^\d:.,])(\d{1,4})\s*(?:to|–|-)\s*(\d{1,4})(?![\d:.,]\d)/#).compactMap { match in
            guard let low = Int(match.output.1), let high = Int(match.output.2), low < high else { return nil }
            return low...high
        }
    }

    /// The open end of "over 65", and older than anyone a rule of age is about ("over 500 titles" is no age).
    static let oldestAge = 150

    /// The ages a text states: a range ("aged 8 to 15", "Child (5–15)"), a bound ("under 5", "under fives",
    /// "over-16s", "65 and over", "5 and under", "18+") or one age ("aged 3", "six-year-olds"), in digits or words.
    /// `minimumAges` are the text's own (``minimumAges(in:)``), worked out once by the caller, which reads them too.
    static func ageBounds(in text: String, minimumAges: [Int]) -> [ClosedRange<Int>] {
        let text = text.lowercased()
        var bounds = ranges(in: text) + minimumAges.map { $0...max($0, Self.oldestAge) }
        for match in text.matches(of: #/\bunder[ -]?(\d{1,3}|[a-z]+?)s?\b/#) {
            if let age = age(match.1), age > 0 { bounds.append(0...(age - 1)) }
        }
        for match in text.matches(of: #/\b(\d{1,3})\s*(?:and|or)\s*(?:under|younger|below)\b/#) {
            if let age = age(match.1) { bounds.append(0...age) }
        }
        for match in text.matches(of: #/\b(?:aged?\s+(\d{1,3}|[a-z]+)\b(?!\s*(?:to|–|-)\s*\d)|(\d{1,3}|[a-z]+)[ -]years?[ -]olds?\b)/#) {
            if let age = age(match.1 ?? match.2) { bounds.append(age...age) }
        }
        return bounds
    }

    /// An age as written: digits or a number word ("four", "fours").
    static func age(_ written: Substring?) -> Int? {
        guard let written else { return nil }
        return Int(written) ?? SpokenNumbers.value(orPluralOf: String(written))
    }

    /// The youngest ages `text` allows, from a limit with no top: "Minimum age: 10", "18+", "21 or over", "over
    /// 65"; only ages a person can be ("over 500 titles" is a count).
    static func minimumAges(in text: String) -> [Int] {
        let text = text.lowercased()
        let ages = { (matches: [Regex<(Substring, Substring)>.Match], above: Int) in
            matches.filter { !Self.isMeasure(after: $0.range.upperBound, in: text) }.compactMap { age($0.1).map { $0 + above } }
        }
        let written = ages(text.matches(of: #/\bminimum age\W{0,3}(\d{1,3})\b/#), 0)
            + ages(text.matches(of: #/\b(\d{1,3})\s*(?:\+|and over|or over|and older|or older)/#), 0)
            + ages(text.matches(of: #/\bover[ -]?(\d{1,3}|[a-z]+?)s?\b/#), 1)
        return written.filter { $0 <= Self.oldestAge }
    }

    /// Whether a unit or a count of things follows `index` ("over 12 metres", "4+ people", "over one hour"): the
    /// number before it measures that, and is no age; "18 years" still is one.
    static func isMeasure(after index: String.Index, in text: String) -> Bool {
        guard let unit = TextWords.words(String(text[index...].prefix(16))).first, !unit.hasPrefix("year") else { return false }
        return AnswerType.physicalUnits.contains(unit) || EvidenceSelector.measures.contains(unit)
            || EvidenceSelector.measures.contains(unit + "s")
    }

    /// The number two number words say together ("sixty two" for the 62 bus), when they make one.
    static func compoundNumber(_ parts: [String]) -> Int? {
        guard parts.allSatisfy(SpokenNumbers.isNumberWord) else { return nil }
        let numbers = SpokenNumbers.numbers(in: parts.joined(separator: " "))
        guard numbers.count == 1, let number = numbers.first, number.parts.count == 1 else { return nil }
        return Int(truncating: number.value as NSDecimalNumber)
    }

    /// Whether `word` is a code of letters then digits ("k9") whose first letter sounds like `letter` and whose
    /// number is `value`.
    static func isCode(_ word: String, letter: Character, value: Int) -> Bool {
        guard let first = word.first, first.isLetter, let digits = word.firstIndex(where: \.isNumber),
              Int(word[digits...]) == value else { return false }
        let key = SoundKey.of(String(first))
        return !key.isEmpty && key == SoundKey.of(String(letter))
    }

    /// The word of `textWords` that two spoken words are when said as one: the same letters ("stow ford" →
    /// "stowford"), a code said aloud ("K nine", misheard "cave nine", → "k9") or, given `keys` (the ``SoundKey`` of
    /// each word of `textWords`, to it), the same sound ("cooper netties" → "kubernetes"; not by a shared start:
    /// "replacement lid" is not "replacement").
    static func writtenAsOne(_ first: String, _ second: String, in textWords: Set<String>, keys: [String: String] = [:]) -> String? {
        let word = first + second
        if textWords.contains(word) { return word }
        let key = SoundKey.of(word)
        if key.count >= 3, let written = keys[key] { return written }
        guard let value = SpokenNumbers.value(of: second), let letter = first.first, letter.isLetter else { return nil }
        return textWords.filter { isCode($0, letter: letter, value: value) }.min()
    }

    /// Weighted share of the content words found in `text` (1 when the question has none), and the words not found;
    /// an asked day, or a month inside a range ("Nov–Mar"), is looked for in `calendar` where given, the part of
    /// `text` whose days and months count (a month named outright counts wherever `text` names it).
    func coverage(of text: String, weights: [String: Double], calendar: String? = nil) -> (share: Double, missing: [String]) {
        guard !words.isEmpty else { return (1, []) }
        let tokens = TextWords.words(text)
        let textWords = Set(tokens)
        let written = Dictionary(textWords.map { (SoundKey.of($0), $0) }, uniquingKeysWith: min)
        let keys = Set(written.keys)
        // "storytime" asked of "Story time": adjacent words of the text written as one.
        let textPairs = Set(zip(tokens, tokens.dropFirst()).map { $0 + $1 })
        let textStems = Set(textWords.flatMap { word in [SoundKey.stem(word)] + (lexicon?.irregularBases(word) ?? []) })
        // Only a question with a number can fall in a range; the regular expression is slow enough to matter.
        let ranges = words.contains { SpokenNumbers.value(orPluralOf: $0) != nil || Int($0) != nil } ? Self.ranges(in: text) : []
        // Only a question with a day can fall in a text's day range.
        let textDays = askedDays.isEmpty ? [] : AnswerType.daysCovered(by: calendar ?? text)
        let textMonths = askedMonths.isEmpty ? [] : AnswerType.monthsCovered(by: calendar ?? text)
        let textDates = askedHolidays.isEmpty ? [] : AnswerType.datesCovered(by: text)
        let textBands = measures.isEmpty ? [:] : Measures.bands(in: text)
        let minimumAges = ages.isEmpty && attributes.isDisjoint(with: Self.askingAge) ? [] : Self.minimumAges(in: text)
        let ageBounds = ages.isEmpty ? [] : Self.ageBounds(in: text, minimumAges: minimumAges)
        var credit: [String: Double] = [:]
        for word in words {
            if let age = ages[word] {
                // Asked whether someone may ("Can my 7-year-old go on a paddleboard?"), a minimum above the age
                // answers no ("Minimum age: 10"); asked anything else ("How much for my 12-year-old?"), only a band
                // that holds the age answers.
                if ageBounds.contains(where: { $0.contains(age) }) || (asksYesOrNo && minimumAges.contains { age < $0 }) {
                    credit[word] = Self.inexactCredit
                }
            } else if let measure = measures[word], let bands = textBands[measure.unit] {
                // An amount the question gives ("a 1.4 litre engine", "about 3,200 kilos") is found inside a band of
                // its unit that the text gives ("Up to 1.6 litre", "from 3,000 kg to 3,500 kg"), not as any "1" or
                // "3" ("1.6–2.5 litre", "up to 3,000 kg"). Asked yes or no, any bound of the unit answers ("Can you
                // take a 4 tonne motorhome?" of "nothing over 3,500 kg").
                if asksYesOrNo || bands.contains(where: { $0.contains(measure.value) }) { credit[word] = Self.inexactCredit }
            } else if let days = askedDays[word], !textDays.isEmpty {
                // A text that names its days is about those alone: "Tuesday" is one of "Mon–Fri", and of "weekdays";
                // "weekdays" is not "Saturday and Sunday", however WordNet relates the words.
                if days.isSubset(of: textDays) { credit[word] = textWords.contains(word) ? 1 : Self.inexactCredit }
            } else if textWords.contains(word) {
                credit[word] = 1
            } else if let dates = askedHolidays[word], !textDates.isEmpty {
                // "Boxing Day" is 26 December, and one of "closed from 24 December to 1 January"; a text that gives
                // other dates is about them, however near WordNet puts "Christmas" to "December".
                if !dates.isDisjoint(with: textDates) { credit[word] = Self.inexactCredit }
            } else if let dates = askedHolidays[word], dates.isSubset(of: AnswerType.publicHolidayDates),
                      zip(tokens, tokens.dropFirst()).contains(where: { ["public", "bank"].contains($0) && $1.hasPrefix("holiday") }) {
                // Boxing Day is one of "Sundays and public holidays"; Christmas Eve is not.
                credit[word] = Self.inexactCredit
            } else if attributes.contains(word)
                        ? textStems.contains(SoundKey.stem(word)) || AnswerType.givesMeasure(asked: word, tokens)
                            // "How old do you have to be?" is answered by an age limit ("you need to be 16 or over").
                            || (Self.askingAge.contains(word) && !minimumAges.isEmpty)
                        : textPairs.contains(word) || TextWords.matches(word, in: textWords, keys: keys)
                            || isIrregularForm(word, of: textWords, stems: textStems) {
                credit[word] = Self.inexactCredit
            } else if AnswerType.givesAmount(in: word, tokens) {
                credit[word] = Self.inexactCredit
            } else if liquids.contains(word), AnswerType.givesMeasure(asked: "capacity", tokens) {
                credit[word] = Self.relatedCredit
            } else if word == "one" || word == "1", zip(tokens, tokens.dropFirst()).contains(where: { rate, unit in
                ["per", "each", "every"].contains(rate) && unitsOfOne.contains(SoundKey.stem(unit))
            }) {
                credit[word] = Self.inexactCredit
            } else if relatedMatches(word, in: textWords, stems: textStems) {
                credit[word] = Self.relatedCredit
            } else if let value = SpokenNumbers.value(orPluralOf: word) ?? Int(word), ranges.contains(where: { $0.contains(value) }) {
                // "stage two" is one of "Stages 1 to 3".
                credit[word] = Self.inexactCredit
            } else if askedMonths.contains(word), textMonths.contains(word) {
                // "January" is one of "Nov–Mar".
                credit[word] = Self.inexactCredit
            }
        }
        // Two words the text writes as one ("drift wood", "cave nine" for "K9"), or that mean one thing ("grown up"
        // → "adult").
        // A holiday named to a text that gives dates is decided by its date alone, above.
        for pair in joined where textDates.isEmpty || !pair.parts.contains(where: { askedHolidays[$0] != nil }) {
            let value = Self.writtenAsOne(pair.parts[0], pair.parts[1], in: textWords, keys: written) != nil
                    || Self.compoundNumber(pair.parts).map { textWords.contains(String($0)) } == true ? Self.inexactCredit
                : relatedMatches(pair.word, in: textWords, stems: textStems) ? Self.relatedCredit : 0
            guard value > 0 else { continue }
            for part in pair.parts { credit[part] = max(credit[part] ?? 0, value) }
        }
        // A verb the knowledge base never uses ("got" in "How many lanes has the pool got?") is rare, so it would
        // weigh most; it says what is done, which the sentence may say in other words, so it weighs as a common word.
        // Nor does it weigh more than any word naming the thing asked about.
        let lightestFocus = focus.map { weights[$0] ?? 1 }.min() ?? Self.nonFocusWeight
        func weight(_ word: String) -> Double {
            let weight = weights[word] ?? 1
            return focus.contains(word) ? weight : min(weight, Self.nonFocusWeight, lightestFocus)
        }
        let total = words.reduce(0) { $0 + weight($1) }
        let found = words.reduce(0) { $0 + weight($1) * (credit[$1] ?? 0) }
        return (total > 0 ? found / total : 1, words.filter { credit[$0] == nil })
    }
}
