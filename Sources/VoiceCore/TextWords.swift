public import Foundation

/// Word-level text handling shared by retrieval (question matching, evidence ranking) and generation (the
/// groundedness guard).
public enum TextWords {
    /// Lower case, diacritics off, split at anything but letters and digits.
    public static func words(_ text: String) -> [String] {
        text.lowercased().folding(options: .diacriticInsensitive, locale: nil)
            .split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }

    /// A code of letters and digits ("K9", "E4", "10am"): it names one thing, whatever a text calls it otherwise.
    public static func isCode(_ word: String) -> Bool { word.contains(where: \.isNumber) && word.contains(where: \.isLetter) }

    /// Question words and fillers: matching on them would rank every question-shaped text alike. Personal pronouns
    /// are among them ("Do they have to be on a lead?" is about what "they" stands for, which a follow-up takes from
    /// the question before), but not "us" and "mine", which are nouns too.
    public static let stopWords: Set<String> = [
        "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "for", "from", "by", "with", "about", "as",
        "is", "are", "was", "were", "be", "been", "am", "do", "does", "did", "can", "could", "will", "would", "should",
        "shall", "may", "might", "must", "have", "has", "had", "i", "me", "my", "we", "our", "you", "your", "it", "its",
        "this", "that", "these", "those", "there", "what", "which", "who", "whom", "whose", "when", "where", "whereabouts",
        "why", "how", "much", "many", "tell", "please", "if", "so", "than", "then", "not", "no", "yes", "any", "some", "get",
        "s", "t", "into", "out", "also", "just", "like", "know", "want", "they", "them", "their", "theirs", "he", "him",
        "his", "she", "her", "hers", "ours", "yours", "ones",
        // What is left of "I'd", "we'll", "they're", "I've", "isn't" once split at the apostrophe.
        "d", "ll", "re", "ve", "isn", "aren", "wasn", "weren", "doesn", "don", "didn", "hasn", "haven", "hadn",
        "couldn", "wouldn", "shouldn", "mustn", "needn",
        // Contractions as speech recognition often writes them, without the apostrophe ("whens the recycling
        // picked up"); not those that are words too ("we'd" → "wed", "I'll" → "ill", "she'll" → "shell").
        "whats", "whens", "wheres", "whos", "hows", "whys", "thats", "theres", "heres", "im", "ive", "youre",
        "theyre", "youve", "theyve", "weve", "dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent", "cant",
        "couldnt", "wouldnt", "shouldnt", "hasnt", "havent", "wont",
        // Interjections and fillers, which speech recognition writes down as said ("Oh and while I've got you…").
        "oh", "um", "uh", "er", "erm", "hmm", "ah", "okay", "ok", "hey", "hi", "hello", "thanks",
    ]

    /// Whether `word` is in `text` the way a listener would hear it: the same word, the same stem ("opens",
    /// "open"), one the start of the other ("open", "opening"), or a sound-alike (``SoundKey``).
    public static func matches(_ word: String, in textWords: Set<String>, keys: Set<String>) -> Bool {
        if textWords.contains(word) { return true }
        let stem = SoundKey.stem(word)
        if textWords.contains(where: { SoundKey.stem($0) == stem || sharesPrefix(word, $0) }) { return true }
        let key = SoundKey.of(word)
        guard key.count >= 2, keys.contains(key) else { return false }
        // Two consonants are a weak key, shared by "cat", "getting" and "eight": such sound-alikes must also have
        // as many syllables and start alike, both with that consonant or both with a vowel ("peer" and "pier" do).
        return key.count >= 3 || textWords.contains {
            SoundKey.of($0) == key && SoundKey.syllables($0) == SoundKey.syllables(word)
                && SoundKey.startsWithVowel($0) == SoundKey.startsWithVowel(word)
        }
    }

    /// Whether an answer says it does not know ("I don't know", "the context does not say").
    public static func declinesToAnswer(_ text: String) -> Bool {
        let text = text.lowercased().replacing("’", with: "'")
        return ["i don't know", "i do not know", "i'm not sure", "i am not sure", "does not say", "doesn't say"]
            .contains { text.contains($0) }
    }

    /// "open" and "opening", "plan" and "planned": one is the other with an English ending, its last consonant
    /// doubled or not, both at least four letters. Any ending would make "marshend" a form of "marsh".
    public static func sharesPrefix(_ a: String, _ b: String) -> Bool {
        let (short, long) = a.count <= b.count ? (a, b) : (b, a)
        guard short.count >= 4, long.count - short.count <= 3, long.hasPrefix(short) else { return false }
        var ending = long.dropFirst(short.count)
        if ending.count > 1, ending.first == short.last { ending = ending.dropFirst() }
        return ending.isEmpty || endings.contains(String(ending))
    }

    /// Inflections and the commonest derivational suffixes of up to three letters.
    static let endings: Set<String> = ["s", "es", "d", "ed", "er", "ers", "est", "ing", "y", "ly", "al", "ion", "ive",
                                       "ful", "ist", "ity", "ery", "ory", "ous", "ure", "ent", "ant", "ism", "ian"]
}

/// The kind of fact a question asks for, when its wording says: "how much" wants a price, "when" a time or date,
/// "who" a name. A sentence without one does not answer it, however many of its words it shares: "How much did
/// the bridge cost?" is not answered by "The bridge is named after the Zorblat family."
public enum AnswerType: Equatable, Sendable {
    case money, number, time, person, day, reason

    /// From the question's opening words ("when" inside "keep data when it is removed" asks for no time), or,
    /// for prices, words anywhere that ask for one ("the late fee").
    public init?(question: String) {
        // Speech recognition's "whens" is "when's": the question word.
        let question = question.replacing(#/\b(what|when|where|who|how|why)s\b/#.ignoresCase()) { $0.1 + "'s" }
        // A follow-up's "And…" or "So…" comes before the words that ask.
        let words = Array(TextWords.words(question).drop(while: Self.followUpOpeners.contains))
        // A question after a statement opens where its clause does: "I'm a member — how late can I cancel?",
        // "I'm on Quay Street, what day is the bin?". After a question the next clause qualifies it ("Can I bring
        // my son, who is 4?" asks no name).
        let clauses = question.split(whereSeparator: { ",;:—–".contains($0) }).map { clause in
            Array(TextWords.words(String(clause)).drop(while: Self.followUpOpeners.contains))
        }
        let asksFirst = clauses.first?.first.map { Self.yesNoOpeners.contains($0) || Self.interrogatives.contains($0) } ?? true
        let openings = (asksFirst ? Array(clauses.prefix(1)) : clauses).map { " " + $0.prefix(3).joined(separator: " ") + " " }
        func opens(_ phrases: String...) -> Bool {
            phrases.contains { phrase in openings.contains { $0.hasPrefix(" \(phrase) ") } }
        }
        // "how long" asks for a measure wherever it stands ("After an E1 error, how long should I wait?").
        let anywhere = " " + words.joined(separator: " ") + " "
        func says(_ phrases: String...) -> Bool { phrases.contains { anywhere.contains(" \($0) ") } }
        // "How much is…" asks a price; "How much water…" a quantity.
        let quantity = Self.measuredNoun(in: question) != nil
        if opens("why", "how come") {
            // "Why is there a fee…?" asks for the reason, not the fee.
            self = .reason
        } else if (says("how much") && !quantity) || words.contains(where: Self.priceWords.contains) {
            self = .money
        } else if quantity || says("how many", "how long", "how far") || !Self.attributeWords(of: question).isEmpty
                    || Self.asksWhichNumber(clauses.first ?? []) {
            self = .number
        } else if opens("when", "what time", "what year", "which year", "how early", "how late") || says("how often")
                    || (opens("what", "which") && words.contains(where: Self.timeNouns.contains)) {
            self = .time
        } else if opens("which day", "what day", "which days", "what days", "on which day", "on what day", "which night",
                        "what night", "which evening", "what evening", "which morning", "what morning") {
            self = .day
        } else if opens("who", "whom", "whose", "by whom") {
            // "Who can join?", "Who's allowed a bigger bin?" ask which people may, which a sentence answers with a
            // kind of people ("households of 6 or more"), not a name.
            if opens("who can", "who could", "who is allowed", "who s allowed", "who is eligible", "who s eligible", "who gets",
                     "who qualifies") {
                return nil
            }
            self = .person
        } else {
            return nil
        }
    }

    /// "What number do I ring?", "What's the number for faults?", "What is the phone number?", "which room
    /// number": asked what number, a sentence must give one, not say "numbers". "What about my number?" asks what
    /// becomes of it.
    static func asksWhichNumber(_ clause: [String]) -> Bool {
        guard let opening = clause.first, ["what", "which"].contains(opening), clause.dropFirst().first != "about"
        else { return false }
        return clause.prefix(5).contains("number")
    }

    /// The kind of fact asked for now in a text of several questions ("How much is a block for stage two? And how
    /// long is each lesson?": a follow-up after the question it leans on), with the question that asks it: the
    /// last one that names a kind; "And for children?" names none, and the one before it does.
    public static func asked(in text: String) -> (type: AnswerType, question: String)? {
        for question in questions(in: text).reversed() {
            if let type = AnswerType(question: question) { return (type, question) }
            // A yes-or-no question asks its own thing ("Do they have to be on a lead?" after "How much is it for a
            // dog?"), and so does one with its own question word ("How do I book that?" after "How much for three
            // items?"); only an elliptic one ("And for children?", "What about in winter?") asks what the question
            // before it asked.
            let words = TextWords.words(question).drop { followUpOpeners.contains($0) }
            guard let opening = words.first else { continue }
            if yesNoOpeners.contains(opening) { return nil }
            if interrogatives.contains(opening), !["about", "if"].contains(words.dropFirst().first) { return nil }
        }
        return nil
    }

    /// Whether the last question of `text` asks yes or no: its first clause that asks opens with a verb ("Can my
    /// son, who is 4, come?", "I'm 70, do I pay?", "My girl is 12. Does an adult have to come?"), not with a
    /// question word ("How much for my 12-year-old?").
    public static func asksYesOrNo(_ text: String) -> Bool {
        let asked = questions(in: text).last ?? ""
        // A sentence ends at a full stop before a space, not inside "£2.50".
        let sentence = asked.split(separator: #/[.!]\s/#).last ?? ""
        for clause in sentence.split(whereSeparator: { ",;:—–".contains($0) }) {
            let words = TextWords.words(String(clause)).drop(while: followUpOpeners.contains)
            guard let opening = words.first else { continue }
            if yesNoOpeners.contains(opening) { return true }
            if interrogatives.contains(opening) { return false }
        }
        return false
    }

    /// The words a text says only in a statement beside its question ("I've got 4 points on my licence. Would that
    /// stop me getting a loan car?", "My daughter's 19 and just passed her test, can she drive one?"): what the
    /// speaker tells of their own situation, not the thing they ask about, so a sentence need not repeat them. Only
    /// where the question names something of its own: in "I want to hire a jet ski. How much is it?" the statement
    /// names the thing asked about, and nothing is left out. A statement is a clause before the first one that asks
    /// (a question word or a verb first), or in a sentence with none that does not end with a question mark, that
    /// opens with its subject; the clauses after the one that asks qualify the question ("Can I bring my son, who
    /// is 4?").
    public static func statedContext(in text: String) -> Set<String> {
        var asking: [String] = [], stating: [String] = []
        // A sentence ends at a full stop before a space, not inside "1.4 litres".
        for sentence in text.replacing(#/([.?!])\s+/#, with: { $0.1 + "\n" }).split(separator: "\n") {
            let clauses = sentence.split(whereSeparator: { ",;:—–".contains($0) }).map(String.init)
                .filter { !TextWords.words($0).isEmpty }
            let firstAsking = clauses.firstIndex { clause in
                TextWords.words(clause).drop(while: followUpOpeners.contains).first
                    .map { interrogatives.contains($0) || yesNoOpeners.contains($0) } ?? false
            }
            // A statement opens with its subject, the speaker or something of theirs ("I've got…", "My car…", "It
            // weighs…"); a phrase that opens the question ("For a 1.2 litre car, is it cheaper…?", "If I cancel,
            // do I…?") is part of what it asks.
            let states = { (clause: String) in
                TextWords.words(clause).drop { followUpOpeners.contains($0) || greetings.contains($0) }.first
                    .map(statementSubjects.contains) ?? false
            }
            let before = clauses[..<(firstAsking ?? clauses.endIndex)]
            if firstAsking == nil, sentence.trimmingCharacters(in: .whitespaces).hasSuffix("?") {
                asking += clauses
            } else {
                stating += before.filter(states)
                asking += before.filter { !states($0) } + clauses[(firstAsking ?? clauses.endIndex)...]
            }
        }
        let asked = Set(asking.flatMap(TextWords.words))
        guard asked.contains(where: { !TextWords.stopWords.contains($0) }) else { return [] }
        return Set(stating.flatMap(TextWords.words)).subtracting(asked).filter { !TextWords.stopWords.contains($0) }
    }

    /// The words a statement about the speaker's own situation opens with: its subject.
    static let statementSubjects: Set<String> = ["i", "im", "ive", "me", "my", "we", "our", "us", "he", "his", "she", "her",
                                                 "it", "its", "they", "their"]
    /// Greetings said before a statement ("Hi, I've got…").
    static let greetings: Set<String> = ["hi", "hiya", "hello", "hey", "oh", "um", "er", "erm", "well"]

    /// Whether `question` asks for two kinds of fact joined by "and" ("How many people can come on a charter, and
    /// what's the starting price?"): no one clause of a sentence answers it.
    public static func asksSeveralKinds(_ question: String) -> Bool {
        let kinds = question.components(separatedBy: " and ").compactMap { AnswerType(question: $0) }
        return kinds.contains { $0 != kinds[0] }
    }

    /// Words a follow-up opens with before the words that ask.
    static let followUpOpeners: Set<String> = ["and", "so", "but", "then", "ok", "okay"]

    /// The words that ask for something other than yes or no.
    public static let interrogatives: Set<String> = ["what", "where", "whereabouts", "when", "which", "who", "whom", "whose", "why",
                                                     "how", "whats", "wheres", "whens", "whos", "hows", "whys"]
    /// The verbs a yes-or-no question opens with, also negated ("Don't", split at the apostrophe).
    public static let yesNoOpeners: Set<String> = ["do", "does", "did", "is", "are", "was", "were", "am", "can", "could", "will",
                                           "would", "should", "shall", "must", "may", "might", "has", "have", "had",
                                           "don", "doesn", "didn", "isn", "aren", "wasn", "weren", "cannot", "couldn",
                                           "won", "wouldn", "shouldn", "hasn", "haven", "hadn"]

    /// The questions of `text`, each up to its question mark.
    static func questions(in text: String) -> [String] {
        text.split(separator: "?").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map { $0 + "?" }
    }

    /// Words that give a reason or the condition behind something.
    static let reasonWords: Set<String> = ["because", "cause", "causes", "caused", "due", "reason", "reasons", "result",
                                           "when", "if", "unless"]

    /// Nouns that ask for a time in a "what" question ("What are the hours on a bank holiday?").
    static let timeNouns: Set<String> = ["hours", "times", "timetable", "schedule"]

    /// Words that ask for a price wherever they stand in a question; "cheaper" asks for a lower one, which a
    /// discount states ("20% off for members"). Not "cheapest": the answer is a comparison no one sentence makes.
    static let priceWords: Set<String> = ["cost", "costs", "price", "prices", "fee", "fees", "charge", "charges",
                                          "cheap", "cheaper", "expensive", "dearer", "pricier"]
    /// Words that ask for an amount added to a price when no noun follows them.
    static let addedAmounts: Set<String> = ["extra", "more"]

    /// The words of `question` that only ask for its kind of fact ("long" in "How long…", "time" in "What time…",
    /// "cost" in "What does it cost?"): a sentence states such a fact in numbers or names, not in these words.
    public static func frameWords(of text: String) -> Set<String> {
        // "Is choir free, and what day is it?" asks two things, each in its own words.
        questions(in: text).flatMap { [$0] + $0.components(separatedBy: " and ").dropFirst() }
            .reduce(into: Set<String>()) { $0.formUnion(frameWords(ofOne: $1)) }
    }

    static func frameWords(ofOne question: String) -> Set<String> {
        guard let type = AnswerType(question: question) else { return [] }
        let words = TextWords.words(question)
        var frame: Set<String> = type == .money ? Set(words.filter(priceWords.contains))
            : type == .time ? Set(words.filter(timeNouns.contains)) : []
        // "How much extra do you charge…", "Do you charge extra for…": the price of an addition, which the sentence
        // gives as "a supplement of £20" or "£7.95 on top"; but "an extra bed" is a thing.
        if type == .money {
            frame.formUnion(words.indices.filter { index in
                Self.addedAmounts.contains(words[index]) && (index + 1 == words.count || TextWords.stopWords.contains(words[index + 1]))
            }.map { words[$0] })
        }
        for (index, word) in words.enumerated().dropLast() where ["how", "what", "which"].contains(word) {
            frame.insert(words[index + 1])
        }
        // "How many times…" asks how often, which a sentence states as "twice a year" or "3 times", not as times.
        if type == .number, countedNouns(in: question) == ["times"] { frame.insert("times") }
        return frame.subtracting(attributeWords(of: question))
    }

    /// The words after "how" that name the measure asked for ("tall" in "How tall is it?", "loud", "heavy"): unlike
    /// "much", "many", "long", "often" and "far", which any measure answers, such a word must be in the sentence as
    /// itself or as its measure ("height", "weight"), not as a sound-alike. A measure named by its noun anywhere
    /// ("the weight limit", "what size", "the cable length") is asked the same way.
    public static func attributeWords(of question: String) -> Set<String> {
        let words = TextWords.words(question)
        return Set(zip(words, words.dropFirst()).filter { $0.0 == "how" && !TextWords.stopWords.contains($0.1) }
            .map(\.1).filter { !genericMeasures.contains($0) }).union(words.filter(measureNouns.contains))
    }

    /// Measures named by a noun, each by the adjective that asks for it after "how" ("weight" for "heavy"); a
    /// capacity is a volume, which no one adjective asks for alone.
    static let measureAdjectives: [String: String] = [
        "weight": "heavy", "height": "tall", "width": "wide", "depth": "deep", "length": "short", "size": "big",
        "temperature": "hot", "speed": "fast",
    ]
    static let measureNouns = Set(measureAdjectives.keys).union(["capacity"])

    static let genericMeasures: Set<String> = ["much", "many", "long", "often", "far", "soon", "early", "late", "come"]

    nonisolated(unsafe) static let howLongBeforeAVerb =
        #/ how long (?:do|does|did|will|would|can|could|should|must|may|might|has|have|had|to|until|till) /#

    public func isStated(in sentence: String, question: String) -> Bool {
        let words = TextWords.words(sentence)
        let hasNumber = words.contains(where: Self.isNumber)
        switch self {
        case .money:
            // "15p" is fifteen pence.
            return sentence.contains("$") || sentence.contains("€") || sentence.contains("£") || sentence.contains(#/\b\d+p\b/#)
                || words.contains { ["dollar", "dollars", "cent", "cents", "euro", "euros", "pound", "pounds", "free"].contains($0) }
                // A price relative to another one: "children pay half price", "20% off for members".
                || zip(words, words.dropFirst()).contains { ["half", "full", "reduced", "discounted"].contains($0.0) && ["price", "fare", "rate"].contains($0.1) }
                || (sentence.contains("%") && words.contains { ["off", "discount", "less", "cheaper"].contains($0) })
        case .number:
            if let counted = Self.countedNouns(in: question) { return counted.contains { Self.counts($0, in: sentence) } }
            // "How much water…" asks an amount of the thing, which a period does not give ("hold the dial for 3
            // seconds"), unless the thing is time.
            if let measured = Self.measuredNoun(in: question), measured != "time" {
                return words.indices.contains { index in
                    Self.isNumber(words[index])
                        && (index + 1 == words.count || !Self.timeUnits.contains(SoundKey.stem(words[index + 1])))
                }
            }
            // "How long" and "how far" want a period or a length ("20 minutes", "0.75 m"), not a count ("eight
            // people").
            let asked = " " + TextWords.words(question).joined(separator: " ") + " "
            guard asked.contains(" how long ") || asked.contains(" how far ") else { return hasNumber }
            let period = Self.statesPeriod(words) || words.contains { ["until", "till", "overnight"].contains($0) }
                || Self.statesDateRange(sentence)
            // "How long" before a verb ("How long does a permit take?", "how long can I stay?") asks a duration,
            // which a length does not give ("trailers longer than 1.8 metres"); "How long is the bridge?" may ask
            // either.
            if asked.contains(Self.howLongBeforeAVerb) { return period }
            // A length the sentence says is a width, depth or height ("1 metre across"), and not also a length, is no
            // length of time or way.
            return period
                || (Self.numberFollowed(by: Self.lengthUnits.contains, in: words)
                    && (words.contains { ["long", "length"].contains($0) } || !words.contains(where: Self.crossDimensionWords.contains)))
        case .time:
            let asked = TextWords.words(question)
            let spaced = " " + asked.joined(separator: " ") + " "
            // "How often" wants a frequency ("every 20 minutes", "hourly", "twice a week"), not a time of day or a
            // "night" in the boat's name.
            if spaced.contains(" how often ") {
                return words.contains(where: Self.frequencyWords.contains)
                    || zip(words, words.dropFirst()).contains { Self.isNumber($0.0) && $0.1 == "times" }
            }
            // British English writes a clock time with a full stop ("7.45am").
            // So is a range of them with no am or pm ("9.30–17.30").
            let clock = sentence.contains(#/\b\d{1,2}:\d{2}\b|\b\d{1,2}(?:\.\d{2})?\s?(?:am|pm|a\.m\.|p\.m\.)(?![a-z])|\b\d{1,2}\.\d{2}\s?[–-]\s?\d{1,2}\.\d{2}\b/#.ignoresCase())
                || words.contains { ["noon", "midnight", "midday", "o'clock", "oclock"].contains($0) }
            // "What time do you close?" asks the hours: a time of something else ("a guided walk every Saturday at
            // 9:30am") does not say them; a range of times does ("9am-5:30pm"), or a sentence saying what opens or
            // shuts and when ("We close at 5:30pm on Saturdays").
            if asked.contains(where: Self.openingWords.contains), !words.contains(where: Self.hoursWords.contains),
               !sentence.contains(Self.timeRange) {
                return false
            }
            // "What time" asks for a time of day, or one relative to another ("15 minutes after the last film"): a
            // day or a date alone ("Pupils start: Wednesday 3 September") does not say it.
            if spaced.contains(#/ what times? /#) {
                return clock || Self.statesPeriod(words)
            }
            // A time of day, a day, a date or a period ("after 2 weeks"), not any number: "under 8" says no "when".
            if clock || words.contains(where: { Self.days.contains($0) || Self.months.contains($0) || Self.timeWords.contains($0) })
                || sentence.contains(#/\b(?:19|20)\d{2}\b/#) {
                return true
            }
            return Self.statesPeriod(words)
        case .day:
            return !Self.daysCovered(by: sentence).isEmpty
        case .reason:
            // A cause, or the condition under which it happens ("It flashes red when the water is below the line").
            return words.contains(where: Self.reasonWords.contains)
        case .person:
            // A capitalised word the question does not already hold, soon after "by", a role or a title: "designed by
            // the engineer Ottoline Varga", "founder Ada Brook", "Our Designated Safeguarding Lead is Mr Gareth Lomax".
            let asked = Set(TextWords.words(question))
            let tokens = sentence.split(whereSeparator: \.isWhitespace).map(String.init)
            return tokens.indices.contains { index in
                let word = tokens[index].lowercased().trimmingCharacters(in: .punctuationCharacters)
                if Self.personalTitles.contains(word), index + 1 < tokens.count, tokens[index + 1].first?.isUppercase == true {
                    return !asked.contains(TextWords.words(tokens[index + 1]).first ?? "")
                }
                guard ["by", "founder", "owner", "architect", "engineer", "mayor", "manager", "director"]
                    .contains(tokens[index].lowercased()) else { return false }
                return tokens[(index + 1)..<min(index + 5, tokens.count)].contains { token in
                    guard let first = token.first, first.isUppercase else { return false }
                    return !asked.contains(TextWords.words(token).first ?? "")
                }
            }
        }
    }

    /// The words that say a place opens or shuts.
    static let openingWords: Set<String> = ["open", "opens", "opening", "opened", "reopen", "reopens", "reopening", "close",
                                            "closes", "closing", "closed", "shut", "shuts", "shutting"]
    /// What says hours are given: opening or shutting, or the end of a span ("until 3pm").
    static let hoursWords = openingWords.union(["until", "till"])
    /// Two times of day with a dash or a word between them: "9am-5:30pm", "10:00 to 16:00", "11:00 to midnight".
    nonisolated(unsafe) static let timeRange =
        #/\b(?:\d{1,2}(?:[:.]\d{2})?\s?(?:am|pm)?|noon|midday)\s?(?:[–-]|to|until|till)\s?(?:\d{1,2}(?:[:.]\d{2})?\s?(?:am|pm)?(?![\d%])|midnight|noon|midday)/#.ignoresCase()

    /// The titles written before a person's name.
    static let personalTitles: Set<String> = ["mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "rev"]

    /// The thing whose amount "how much" asks ("water" in "How much water does it hold?"); none when "how much" asks
    /// a price ("How much is it?").
    public static func measuredNoun(in question: String) -> String? {
        let words = TextWords.words(question)
        guard let much = words.indices.dropLast(2).first(where: { words[$0] == "how" && words[$0 + 1] == "much" }),
              !TextWords.stopWords.contains(words[much + 2]) else { return nil }
        return words[much + 2]
    }

    /// What "how many" counts: the noun after it ("lanes" in "How many lanes…", "watts") or, for a compound, either
    /// of its two words ("guest passes"), unless it is itself a number ("under eights"). A code names a thing, not
    /// what is counted: "How many what is the K9?" (misheard "watts") counts nothing.
    static func countedNouns(in question: String) -> [String]? {
        let words = TextWords.words(question)
        guard let many = words.indices.dropLast().first(where: { words[$0] == "how" && words[$0 + 1] == "many" }),
              let first = words[(many + 2)...].firstIndex(where: { !TextWords.stopWords.contains($0) && !["under", "over", "more", "extra"].contains($0) }),
              SpokenNumbers.value(orPluralOf: words[first]) == nil
        else { return nil }
        // A compound's first noun is not plural: "guest passes", but not "lanes open" ("bus", "glass" are singular).
        let next = words.index(after: first)
        let plural = words[first].hasSuffix("s") && !["ss", "us", "is"].contains { words[first].hasSuffix($0) }
        let nouns = next < words.count && !TextWords.stopWords.contains(words[next]) && !plural
            ? [words[first], words[next]] : [words[first]]
        return nouns.filter { !TextWords.isCode($0) }
    }

    /// Whether `sentence` gives a count of `noun`: a number then, within two words, the noun ("six lanes", "2800 W"
    /// for watts, "up to 8 adult swimmers"), a table cell that names the noun before its number ("Guest passes: 2
    /// per month"), or "once"/"twice" for times.
    static func counts(_ noun: String, in sentence: String) -> Bool {
        let words = TextWords.words(sentence)
        let stem = SoundKey.stem(noun)
        if stem == "tim", words.contains(where: ["once", "twice", "thrice"].contains) { return true }
        func names(_ word: String) -> Bool { SoundKey.stem(word) == stem || TextWords.sharesPrefix(word, noun) || unitSymbols[word] == stem }
        // The label ends in a letter: in "open at 6:30" the colon is a clock time's.
        if sentence.matches(of: #/([^,.;:]*[a-zA-Z)]):\s*(?:up to\s+)?\d/#).contains(where: { TextWords.words(String($0.1)).contains(where: names) }) {
            return true
        }
        return words.indices.contains { index in
            guard isNumber(words[index]) else { return false }
            return words[(index + 1)..<min(index + 4, words.count)].contains(where: names)
        }
    }

    /// A word of digits ("20", "2800") or a number word ("six").
    static func isNumber(_ word: String) -> Bool {
        word.first?.isNumber == true || numberWords.contains(word)
    }

    /// Whether "how many" counts people ("How many people can fit…?"), which a sentence may count by any kind of
    /// person ("eight passengers").
    public static func asksHowManyPeople(_ question: String) -> Bool {
        countedNouns(in: question)?.contains { ["people", "person", "persons"].contains($0) } == true
    }

    /// Whether a number is followed by a word `isUnit` accepts ("20 minutes", "0.75 m").
    public static func numberFollowed(by isUnit: (String) -> Bool, in words: [String]) -> Bool {
        words.indices.dropLast().contains { isNumber(words[$0]) && isUnit(words[$0 + 1]) }
    }

    /// Whether `words` give a number in the unit `unit` names, as its symbol: "2800 W" for "watts", "20 cm" for
    /// "centimetres". The name itself is matched as any word is.
    public static func givesAmount(in unit: String, _ words: [String]) -> Bool {
        // Twice: "litres" → "litre" → "litr".
        let stem = SoundKey.stem(SoundKey.stem(unit))
        return numberFollowed(by: { unitSymbols[$0] == stem }, in: words)
    }

    /// Whether `sentence` gives a span between two dates ("from 9 June to 27 June", "9–27 June", "Monday 2 June
    /// until Sunday 29 June"): how long something lasts.
    static func statesDateRange(_ sentence: String) -> Bool {
        sentence.lowercased().contains(dateRange)
    }

    /// A range from one date to another, the first date's month maybe left to the second's; a weekday may stand
    /// before the second date ("to Thursday 1 January").
    nonisolated(unsafe) static let dateRange = try! Regex(
        #"\b"# + dayPattern + #"(?:\s+"# + monthPattern + #"\.?(?:\s+\d{4})?)?\s*(?:to|until|till|through|–|—|-)\s*(?:[a-z]+\s+)?"#
            + dayPattern + #"\s+"# + monthPattern)

    /// Whether the words give a period ("2 weeks", "20 minutes", "2 working days": one word may qualify the unit).
    static func statesPeriod(_ words: [String]) -> Bool {
        let isUnit = { (word: String) in timeUnits.contains(SoundKey.stem(word)) }
        return numberFollowed(by: isUnit, in: words) || words.indices.dropLast(2).contains {
            isNumber(words[$0]) && !isNumber(words[$0 + 1]) && !TextWords.stopWords.contains(words[$0 + 1]) && isUnit(words[$0 + 2])
        }
    }

    /// Whether `words` give a number in a unit of the measure that `attribute` asks for ("How big is the caddy?"
    /// answered by "a 7-litre caddy", "How heavy…" by "20 kg"): the sentence need not name the attribute.
    public static func givesMeasure(asked attribute: String, _ words: [String]) -> Bool {
        let attribute = measureAdjectives[attribute] ?? attribute
        guard let units = measureUnits[attribute] else { return false }
        // A length that the sentence says is another dimension ("25 metres long", "Cable length: 0.9 m") does not
        // answer "how deep" or "how tall".
        if let own = dimensionWords[attribute], words.contains(where: { Self.otherDimensionWords.contains($0) && !own.contains($0) }) {
            return false
        }
        // "20 kg", or written as one word, "20kg".
        return numberFollowed(by: units.contains, in: words) || words.contains { word in
            guard word.first?.isNumber == true else { return false }
            return units.contains(String(word.drop { $0.isNumber || $0 == "." }))
        }
    }

    /// The units of a physical measure, which a number before them measures ("over 12 metres", "20 kg").
    public static let physicalUnits = lengthUnits.union(volumeUnits).union(weightUnits).union(areaUnits).union(["mph", "kph"])

    static let volumeUnits: Set<String> = ["l", "ml", "cl", "litre", "litres", "liter", "liters", "millilitres",
                                           "milliliters", "gallon", "gallons", "pint", "pints", "cup", "cups"]
    static let areaUnits: Set<String> = ["sq", "square", "m2", "hectare", "hectares", "acre", "acres"]
    static let weightUnits: Set<String> = ["kg", "g", "mg", "lb", "lbs", "kilo", "kilos", "kilogram", "kilograms", "gram",
                                           "grams", "tonne", "tonnes", "ton", "tons", "stone", "ounce", "ounces", "oz"]
    /// The words that name each one dimension of length, as the adjective asking for it and as a noun.
    static let dimensionWords: [String: Set<String>] = [
        "tall": ["tall", "high", "height"], "high": ["tall", "high", "height"], "deep": ["deep", "depth"],
        "wide": ["wide", "width", "across"], "narrow": ["wide", "width", "across", "narrow"],
        "thick": ["thick", "thickness"], "short": ["short", "long", "length"],
    ]
    /// The words that say a length is of one dimension, or a distance between things ("20 cm away from walls"),
    /// which is no dimension of one. Not "high" or "deep", which say other things as often ("High Street", "a deep
    /// clean").
    static let otherDimensionWords: Set<String> = ["long", "length", "wide", "width", "across", "depth", "height", "tall",
                                                   "thick", "thickness", "away", "apart", "distance"]
    /// Those of a width, depth or height.
    static let crossDimensionWords = otherDimensionWords.subtracting(["long", "length", "away", "apart", "distance"])

    /// The units each measure adjective is answered in, by the dimension English uses it for.
    static let measureUnits: [String: Set<String>] = {
        let size = lengthUnits.union(volumeUnits).union(areaUnits)
        let temperature: Set<String> = ["degree", "degrees", "c", "f", "celsius", "fahrenheit"]
        let sound: Set<String> = ["db", "decibel", "decibels"]
        let speed: Set<String> = ["mph", "kph", "knot", "knots"]
        var units: [String: Set<String>] = [:]
        for word in ["big", "large", "small", "little", "huge", "tiny"] { units[word] = size }
        for word in ["tall", "high", "wide", "deep", "thick", "short", "narrow"] { units[word] = lengthUnits }
        for word in ["heavy", "light"] { units[word] = weightUnits }
        for word in ["hot", "warm", "cold", "cool"] { units[word] = temperature }
        for word in ["loud", "quiet", "noisy"] { units[word] = sound }
        units["fast"] = speed
        units["capacity"] = volumeUnits
        return units
    }()

    /// SI and common unit symbols, by the stem of the unit's name: a table writes "2800 W" for watts.
    static let unitSymbols: [String: String] = [
        "w": "watt", "kw": "kilowatt", "v": "volt", "a": "amp", "mah": "milliamp", "ml": "millilitr", "l": "litr",
        "cl": "centilitr", "g": "gram", "kg": "kilogram", "mg": "milligram", "m": "metr", "cm": "centimetr",
        "mm": "millimetr", "km": "kilometr", "min": "minut", "mins": "minut", "h": "hour", "hr": "hour", "hrs": "hour",
        "s": "second", "sec": "second", "secs": "second", "db": "decibel", "ghz": "gigahertz", "mhz": "megahertz",
        "kb": "kilobyte", "mb": "megabyte", "gb": "gigabyte", "tb": "terabyte",
    ]

    /// Whether `word` names a time that the answer rules read by themselves: a day or days ("Sundays", "weekend"), a
    /// month, a frequency ("daily") or a fixed holiday ("Christmas"). A sentence about another time is not about
    /// this one, however close their meanings ("Sunday" and "Tuesday").
    public static func namesATime(_ word: String) -> Bool {
        !daysCovered(by: word).isEmpty || isMonthName(word) || frequencyWords.contains(word) || !holidayWords(in: word).isEmpty
    }

    /// The days `text` names, plurals made singular ("Tuesdays" → "tuesday").
    public static func dayNames(in text: String) -> Set<String> {
        Set(TextWords.words(text).map { days.contains($0) ? $0 : String($0.dropLast()) }.filter(days.contains))
    }

    /// The days of the week `text` covers, as full names: named ("Tuesdays"), shortened ("Tue"), in a range
    /// ("Mon–Fri", "Monday to Friday"), or by a word for several ("weekdays", "weekends", "daily", "every day").
    /// "Wed", "Sat" and "Sun" are English words too, so shortened they count only as a range's ends.
    public static func daysCovered(by text: String) -> Set<String> {
        let words = TextWords.words(text)
        func day(_ word: String, shortened: Bool) -> Int? {
            let singular = weekdays.contains(word) ? word : String(word.dropLast())
            if let index = weekdays.firstIndex(of: singular) { return index }
            guard shortened, word.count >= 3 else { return nil }
            return weekdays.firstIndex { $0.hasPrefix(word) }
        }
        var covered = Set<Int>()
        for (index, word) in words.enumerated() {
            if let named = day(word, shortened: !["wed", "sat", "sun"].contains(word)) { covered.insert(named) }
            switch word {
            case "weekday", "weekdays": covered.formUnion(0...4)
            case "weekend", "weekends": covered.formUnion(5...6)
            case "daily": covered.formUnion(0...6)
            case "day" where index > 0 && words[index - 1] == "every": covered.formUnion(0...6)
            default: break
            }
        }
        // Ranges ("Mon–Fri", "Monday to Friday"); the regular expression is slow enough to skip where none can be.
        let lowered = text.lowercased()
        guard words.contains(where: { day($0, shortened: true) != nil }),
              lowered.contains(where: { "–—-".contains($0) }) || words.contains(where: ["to", "until", "till", "through"].contains)
        else { return Set(covered.map { weekdays[$0] }) }
        for match in lowered.matches(of: #/\b((?:mon|tue|wed|thu|fri|sat|sun)[a-z]*)\.?\s*(?:–|—|-|\bto\b|\buntil\b|\btill\b|\bthrough\b)\s*((?:mon|tue|wed|thu|fri|sat|sun)[a-z]*)\b/#) {
            guard let first = day(String(match.output.1), shortened: true), let last = day(String(match.output.2), shortened: true)
            else { continue }
            // A range may wrap past Sunday ("Fri–Mon").
            covered.formUnion(cyclicSpan(from: first, to: last, count: weekdays.count))
        }
        return Set(covered.map { weekdays[$0] })
    }

    /// `text` with the days a label or a range names in short written out ("Sat: 8.30am - 4pm" → "Saturday: 8.30am -
    /// 4pm", "Mon–Fri" → "Monday–Friday", "Tues & Wed:" → "Tuesday & Wednesday:"), for a reader that does not know the
    /// short forms: the cross-encoder read "Sun: 10.30am - 3.30pm" as no answer to "Are you open on a Sunday?" (-9.0),
    /// and "Sunday: …" as nearly one (-2.0). A short form elsewhere ("Sun cream", "Sat nav") is a word of its own.
    public static func spellingOutDays(_ text: String) -> String {
        guard text.contains(where: \.isUppercase) else { return text }
        func full(_ day: Substring) -> String {
            let short = day.lowercased().prefix(3)
            return weekdays.first { $0.hasPrefix(short) }?.capitalized ?? String(day)
        }
        return text.replacing(joinedShortDays) { match in
            full(match.output.1) + match.output.2 + full(match.output.3)
        }.replacing(labelShortDay) { full($0.output.1) }
    }

    /// Two days in short, or one in short and one in full, joined as a range or a list ("Mon–Fri", "Tues & Wed"); a
    /// full stop after the second is the sentence's end.
    nonisolated(unsafe) static let joinedShortDays =
        #/\b(Mon|Tues?|Wed|Thu(?:rs?)?|Fri|Sat|Sun|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\.?(\s*(?:–|—|-|&|\bto\b|\band\b|\buntil\b|\btill\b)\s*)(Mon|Tues?|Wed|Thu(?:rs?)?|Fri|Sat|Sun|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b/#
    /// A day in short before a label's colon ("Sat:").
    nonisolated(unsafe) static let labelShortDay = #/\b(Mon|Tues?|Wed|Thu(?:rs?)?|Fri|Sat|Sun)\.?(?=\s*:)/#

    /// The months `text` covers, as full names: named ("January"), or in a range whose ends may be shortened and
    /// dated ("Nov–Mar", "Apr–Jun and Sep–Oct", "1 April to 30 September"), wrapping past December. "May" and a
    /// shortened month ("mar", "sep") are English words too, so they count only as a range's ends.
    public static func monthsCovered(by text: String) -> Set<String> {
        let words = TextWords.words(text)
        func month(_ word: String) -> Int? {
            calendarMonths.firstIndex(of: word) ?? (word.count >= 3 ? calendarMonths.firstIndex { $0.hasPrefix(word) } : nil)
        }
        var covered = Set(words.filter(isMonthName).compactMap { calendarMonths.firstIndex(of: $0) })
        let lowered = text.lowercased()
        let pattern = #/\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s*(?:–|—|-|\bto\b|\buntil\b|\btill\b|\bthrough\b)\s*(?:\d{1,2}(?:st|nd|rd|th)?\s+)?(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b/#
        if words.contains(where: { month($0) != nil }) {
            for match in lowered.matches(of: pattern) {
                guard let first = month(String(match.output.1)), let last = month(String(match.output.2)) else { continue }
                covered.formUnion(cyclicSpan(from: first, to: last, count: calendarMonths.count))
            }
        }
        return Set(covered.map { calendarMonths[$0] })
    }

    /// Holidays that fall on one date every year, by the words that name them, longest first: a sentence that gives
    /// the date ("closed on 25 December") answers a question that names the holiday ("Christmas Day"), as a range of
    /// days answers one day. Dates are month × 100 + day. Holidays whose date moves (Easter) are not among them.
    static let fixedHolidays: [(name: [String], date: Int)] = [
        (["christmas", "eve"], 1224), (["christmas", "day"], 1225), (["boxing", "day"], 1226),
        (["new", "year", "eve"], 1231), (["new", "years", "eve"], 1231), (["new", "year", "day"], 101),
        (["new", "years", "day"], 101), (["christmas"], 1225), (["new", "year"], 101), (["new", "years"], 101),
    ]

    /// The fixed holidays that are public holidays in Britain, Ireland, Australia and New Zealand (Christmas Day,
    /// Boxing Day, New Year's Day; the US has no Boxing Day); the eves are not.
    public static let publicHolidayDates: Set<Int> = [1225, 1226, 101]

    /// The dates of the fixed holidays `text` names, by each word naming them ("boxing" and "day" → 26 December).
    /// "New Year's Eve" is read without its "s". A name before a noun qualifies it and names no date ("the
    /// Christmas tree", "Christmas week").
    public static func holidayWords(in text: String) -> [String: Set<Int>] {
        let words = TextWords.words(text).filter { $0 != "s" }
        var named: [String: Set<Int>] = [:]
        var index = 0
        while index < words.count {
            guard let holiday = fixedHolidays.first(where: { words[index...].starts(with: $0.name) }) else {
                index += 1
                continue
            }
            let next = index + holiday.name.count
            guard next == words.count || TextWords.stopWords.contains(words[next]) else {
                index = next
                continue
            }
            for word in holiday.name { named[word, default: []].insert(holiday.date) }
            index = next
        }
        return named
    }

    /// `text` with the date of each fixed holiday it names written after it, for the search (the embedding and the
    /// keywords), which does not know that Boxing Day is 26 December and so misses the sentence that gives only the
    /// date: "Is the pool open on Boxing Day?" → "… Boxing Day (26 December)?". The dates go before a closing
    /// question mark; a text naming no holiday is returned as it is.
    public static func withHolidayDates(_ text: String) -> String {
        let dates = Set(holidayWords(in: text).values.joined()).sorted()
        guard !dates.isEmpty else { return text }
        let written = dates.map { "\($0 % 100) \(calendarMonths[$0 / 100 - 1].capitalized)" }.joined(separator: ", ")
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let stem = trimmed.hasSuffix("?") ? String(trimmed.dropLast()) : trimmed
        return "\(stem) (\(written))" + (trimmed.hasSuffix("?") ? "?" : "")
    }

    /// The dates `text` gives (month × 100 + day): "25 December", "December 25", "24, 25 and 26 December", and
    /// every date of a range ("from Wednesday 24 December 2025 to Thursday 1 January 2026", "23 December to 2
    /// January", wrapping past the year's end).
    public static func datesCovered(by text: String) -> Set<Int> {
        let lowered = text.lowercased()
        func monthNumber(_ name: Substring?) -> Int? {
            name.flatMap { name in calendarMonths.firstIndex { $0.hasPrefix(name.prefix(3)) }.map { $0 + 1 } }
        }
        func number(_ digits: Substring?) -> Int? { digits.flatMap { Int($0) }.flatMap { (1...31).contains($0) ? $0 : nil } }
        var dates = Set<Int>()
        for match in lowered.matches(of: daysBeforeMonth) {
            guard let month = monthNumber(match.output[2].substring), let days = match.output[1].substring else { continue }
            for day in days.matches(of: #/\d{1,2}/#).compactMap({ number($0.output) }) { dates.insert(month * 100 + day) }
        }
        for match in lowered.matches(of: monthBeforeDay) {
            if let month = monthNumber(match.output[1].substring), let day = number(match.output[2].substring) { dates.insert(month * 100 + day) }
        }
        // A range's first date may leave its month to the second's ("24–26 December").
        for match in lowered.matches(of: dateRange) {
            guard var day = number(match.output[1].substring), let lastDay = number(match.output[3].substring),
                  let lastMonth = monthNumber(match.output[4].substring),
                  var month = match.output[2].substring == nil ? Optional(lastMonth) : monthNumber(match.output[2].substring)
            else { continue }
            // At most a year of days, whatever the text says.
            for _ in 0..<366 {
                dates.insert(month * 100 + day)
                if month == lastMonth && day == lastDay { break }
                day += 1
                if day > daysIn[month - 1] { (month, day) = (month % 12 + 1, 1) }
            }
        }
        return dates
    }

    static let monthPattern = #"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b"#
    static let dayPattern = #"(\d{1,2})(?:st|nd|rd|th)?"#
    /// Days listed before their month: "25 December", "24, 25 and 26 December".
    nonisolated(unsafe) static let daysBeforeMonth = try! Regex(
        #"\b(\d{1,2}(?:st|nd|rd|th)?(?:(?:\s*,\s*|\s+and\s+|\s+or\s+)\d{1,2}(?:st|nd|rd|th)?)*)\s+"# + monthPattern)
    nonisolated(unsafe) static let monthBeforeDay = try! Regex(#"\b"# + monthPattern + #"\s+"# + dayPattern + #"\b"#)

    /// Days in each month, February at its longest.
    static let daysIn = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

    /// The positions from `first` to `last` in a cycle of `count` (days of the week, months), wrapping past its end.
    static func cyclicSpan(from first: Int, to last: Int, count: Int) -> [Int] {
        var span = [first]
        while span.last != last { span.append((span[span.count - 1] + 1) % count) }
        return span
    }

    /// Whether a word of a question or a sentence names a month: "may" is also "May I…?", so it does not.
    public static func isMonthName(_ word: String) -> Bool { months.contains(word) && word != "may" }

    /// The months in order, January first.
    static let calendarMonths = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
                                 "october", "november", "december"]

    /// The days of the week in order, Monday first.
    static let weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    static let timeWords: Set<String> = ["noon", "midnight", "midday", "hourly", "daily", "weekly", "monthly", "yearly", "annually",
                                         "morning", "mornings", "afternoon", "afternoons", "evening", "evenings", "night",
                                         "nights", "tomorrow", "today", "tonight", "yesterday", "every"]
    static let frequencyWords: Set<String> = ["every", "hourly", "daily", "nightly", "weekly", "monthly", "yearly", "annually",
                                              "once", "twice"]
    static let lengthUnits: Set<String> = ["m", "cm", "mm", "km", "metre", "metres", "meter", "meters", "centimetres",
                                           "centimeters", "kilometres", "kilometers", "mile", "miles", "ft", "foot", "feet",
                                           "inch", "inches", "yard", "yards", "mi", "in"]
    static let timeUnits: Set<String> = ["second", "minut", "hour", "day", "week", "month", "year", "decad", "term", "season"]

    public static let days: Set<String> = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
                                    "weekday", "weekdays", "weekend", "weekends", "daily"]
    public static let months = Set(calendarMonths)
    static let numberWords: Set<String> = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                                           "ten", "eleven", "twelve", "twenty", "thirty", "forty", "fifty", "hundred",
                                           "thousand", "half", "dozen"]
}

/// A rough sound-alike key for English words: vowels dropped, consonants that speech recognisers confuse merged
/// (b/p, d/t, c/k/g/q/j, f/v/ph, s/z/x), doubled letters collapsed, endings off first. "Kubernetes" and "cooper
/// nettie('s)" both give "kprnt".
public enum SoundKey {
    public static func of(_ word: String) -> String {
        var letters = Array(stem(word.lowercased()).filter { $0.isLetter })
        if letters.starts(with: ["k", "n"]) || letters.starts(with: ["w", "r"]) { letters.removeFirst() }
        var key = ""
        var index = 0
        while index < letters.count {
            let letter = letters[index]
            var mapped: Character?
            switch letter {
            case "p" where index + 1 < letters.count && letters[index + 1] == "h":
                mapped = "f"
                index += 1
            case "b", "p": mapped = "p"
            case "c", "k", "q", "g", "j": mapped = "k"
            case "d", "t": mapped = "t"
            case "f", "v": mapped = "f"
            case "s", "z", "x": mapped = "s"
            case "l", "m", "n", "r": mapped = letter
            default: mapped = nil
            }
            if let mapped, key.last != mapped { key.append(mapped) }
            index += 1
        }
        return key
    }

    /// Plural, possessive and simple verb endings off: "members" and "member", "opened" and "open".
    static func startsWithVowel(_ word: String) -> Bool { word.first.map { "aeiou".contains($0) } ?? false }

    /// Runs of vowels, a final silent "e" left out ("gate" 1, "getting" 2): about as many as the word's syllables.
    public static func syllables(_ word: String) -> Int {
        let letters = word.hasSuffix("e") && word.count > 3 ? String(word.dropLast()) : word
        var count = 0
        var inVowels = false
        for letter in letters {
            let vowel = "aeiouy".contains(letter)
            if vowel && !inVowels { count += 1 }
            inVowels = vowel
        }
        return count
    }

    public static func stem(_ word: String) -> String {
        for suffix in ["'s", "’s", "ies", "es", "s", "ing", "ed"] where word.count > suffix.count + 2 && word.hasSuffix(suffix) {
            return String(word.dropLast(suffix.count)) + (suffix == "ies" ? "y" : "")
        }
        // "descale" and "descaling", "close" and "closing" share "descal", "clos".
        return word.count > 4 && word.hasSuffix("e") ? String(word.dropLast()) : word
    }
}
