public import Foundation
import Synchronization

/// Words related in meaning, from WordNet 3.0 (Debian's `wordnet-base`): a general English lexicon, so that a
/// question's "grown-up" finds a table's "Adult", "toddlers" find "children" and "heavy" finds "weight" in any
/// knowledge base, with no synonym list of our own (docs/decisions.md, 34).
///
/// WordNet's files are made for lookups without loading: each `index.<pos>` is sorted by lemma, so a lemma is found
/// by binary search over the memory-mapped file, and each synset's offset in it is its byte offset in
/// `data.<pos>`. A word costs a few dozen line reads, once; results are cached.
public final class Lexicon: Sendable {
    enum PartOfSpeech: String, CaseIterable {
        case noun, verb, adj, adv
    }

    /// Debian's location.
    public static let defaultDirectory = URL(fileURLWithPath: "/usr/share/wordnet")

    /// Senses of a word followed, most frequent first: rarer senses relate it to almost anything.
    public static let senses = 3
    /// Pointers followed from each sense besides its synonyms: a noun's hypernym ("toddler" → "child"), an
    /// adjective's attribute ("heavy" → "weight") and similar adjectives ("cheap" → "inexpensive"), and any word's
    /// derivationally related forms ("weigh" → "weight"). A verb's hypernyms are left out: they are the most general
    /// verbs there are ("steam" → "move", "travel"). A verb's antonym is followed: a sentence about the opposite
    /// event answers the question ("When does it close on Sunday?" — "On Sundays it stays open until 5 pm."). A
    /// noun's hyponyms are followed too: a sentence about a kind of the thing asked about is about it ("boat" asked,
    /// "ferry" written), but not those used mostly as adjectives: "people" has "free" and "sick" among them.
    static func pointers(_ pos: PartOfSpeech) -> Set<String> {
        switch pos {
        case .noun: hypernyms.union(["=", "+", hyponym])
        case .verb: ["+", "!"]
        case .adj: ["=", "&", "+"]
        case .adv: []
        }
    }

    static let hyponym = "~"
    static let hypernyms: Set<String> = ["@", "@i"]

    /// A lemma of several words ("female_offspring") or a hyphenated one ("man-child").
    static func isPhrase(_ lemma: String) -> Bool { lemma.contains("_") || lemma.contains("-") }

    private let index: [PartOfSpeech: Data]
    private let data: [PartOfSpeech: Data]
    private let exceptions: [PartOfSpeech: [String: [String]]]
    /// How often each lemma was seen in each part of speech in WordNet's sense-tagged corpus (`cntlist.rev`).
    private let usage: [String: [PartOfSpeech: Int]]
    private let relatedCache = Memo<Set<String>>()
    private let mostlyCache = Memo<Bool>()
    private let kindCache = Memo<Bool>()
    private let siblingCache = Memo<Bool>()

    /// The lexicon in `directory`, or nil when WordNet is not installed there.
    public init?(directory: URL = Lexicon.defaultDirectory) {
        var index: [PartOfSpeech: Data] = [:]
        var data: [PartOfSpeech: Data] = [:]
        var exceptions: [PartOfSpeech: [String: [String]]] = [:]
        for pos in PartOfSpeech.allCases {
            guard let indexFile = try? Data(contentsOf: directory.appendingPathComponent("index.\(pos.rawValue)"), options: .alwaysMapped),
                  let dataFile = try? Data(contentsOf: directory.appendingPathComponent("data.\(pos.rawValue)"), options: .alwaysMapped)
            else { return nil }
            index[pos] = indexFile
            data[pos] = dataFile
            let text = (try? String(contentsOf: directory.appendingPathComponent("\(pos.rawValue).exc"), encoding: .utf8)) ?? ""
            var table: [String: [String]] = [:]
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: " ").map(String.init)
                if fields.count >= 2 { table[fields[0]] = Array(fields.dropFirst()) }
            }
            exceptions[pos] = table
        }
        // WordNet has "people" as a lemma of its own (a body of persons), not as the plural of "person", which it
        // is as often: "a four-person office" is one "for 4 people".
        exceptions[.noun, default: [:]]["people", default: []].append("person")
        self.index = index
        self.data = data
        self.exceptions = exceptions
        usage = Self.usage(of: (try? String(contentsOf: directory.appendingPathComponent("cntlist.rev"), encoding: .utf8)) ?? "")
    }

    /// `cntlist.rev`'s lines ("mean%2:32:00:: 1 176": lemma, then the synset type after "%", then the count)
    /// summed by lemma and part of speech; satellite adjectives (type 5) count as adjectives.
    static func usage(of text: String) -> [String: [PartOfSpeech: Int]] {
        var usage: [String: [PartOfSpeech: Int]] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 3, let count = Int(fields[2]), let percent = fields[0].firstIndex(of: "%") else { continue }
            let type = fields[0][fields[0].index(after: percent)]
            let pos: PartOfSpeech? = switch type {
            case "1": .noun
            case "2": .verb
            case "3", "5": .adj
            case "4": .adv
            default: nil
            }
            guard let pos else { continue }
            usage[String(fields[0][..<percent]), default: [:]][pos, default: 0] += count
        }
        return usage
    }

    /// The single words WordNet relates to `word` in its commonest senses (itself excluded), lower case.
    public func related(_ word: String) -> Set<String> {
        let word = word.lowercased()
        return relatedCache.value(for: word) {
            var result = Set<String>()
            for pos in PartOfSpeech.allCases {
                for lemma in baseForms(word, pos) {
                    guard let entry = lookUp(lemma, pos) else { continue }
                    for (sense, offset) in entry.prefix(Self.senses).enumerated() {
                        guard let synset = synset(at: offset, pos) else { continue }
                        result.formUnion(synset.words)
                        for (symbol, target, targetPOS) in synset.pointers where Self.pointers(pos).contains(symbol) {
                            guard let other = self.synset(at: target, targetPOS) else { continue }
                            result.formUnion(symbol == Self.hyponym
                                ? other.words.filter { !isMostlyAdjective($0) } : other.words)
                            // A hypernym English names only by a phrase ("female offspring", "male offspring,
                            // man-child") is a narrower kind of its own hypernym, which has the plain word: "daughter"
                            // and "son" are a "child". Only from the commonest sense: each step widens, and a rarer
                            // sense ("Christmas" the day, a "public holiday") is often not the one said ("Christmas Eve").
                            if sense == 0, Self.hypernyms.contains(symbol), other.words.allSatisfy(Self.isPhrase) {
                                for (next, nextTarget, nextPOS) in other.pointers where Self.hypernyms.contains(next) {
                                    result.formUnion(self.synset(at: nextTarget, nextPOS)?.words ?? [])
                                }
                            }
                        }
                    }
                }
            }
            return Set(result.filter { !$0.contains("_") && $0.count > 2 && $0 != word })
        }
    }

    /// Whether `word` is mostly used as a verb: in WordNet's sense-tagged corpus it was a verb more often than a
    /// noun or an adjective ("mean", "turn", "pay"; not "room", "card", "filter"), or, for a word the corpus lacks,
    /// WordNet has more verb senses than the others together. A word it does not know (a name, a model number) is not.
    public func isMostlyVerb(_ word: String) -> Bool {
        isMostly(.verb, word)
    }

    /// Whether `word` is mostly used as an adjective ("monthly", "new"; not "power", "kettle"), by the same measure.
    public func isMostlyAdjective(_ word: String) -> Bool {
        isMostly(.adj, word)
    }

    /// Whether `word` is mostly used as a noun ("kettle", "menu"; not "close", "open"), by the same measure.
    public func isMostlyNoun(_ word: String) -> Bool {
        isMostly(.noun, word)
    }

    /// Whether `word` is mostly used as an adverb ("actually", "normally", "abroad"; not "late", "home"), by the same
    /// measure over all four parts of speech.
    public func isMostlyAdverb(_ word: String) -> Bool {
        isMostly(.adv, word)
    }

    private func isMostly(_ pos: PartOfSpeech, _ word: String) -> Bool {
        let word = word.lowercased()
        return mostlyCache.value(for: "\(pos.rawValue) \(word)") {
            func count(_ pos: PartOfSpeech, _ measure: (String) -> Int?) -> Int {
                baseForms(word, pos).lazy.compactMap(measure).first ?? 0
            }
            let tagged = { (pos: PartOfSpeech) in count(pos) { self.usage[$0]?[pos] } }
            let senses = { (pos: PartOfSpeech) in count(pos) { self.lookUp($0, pos)?.count } }
            // Adverbs are weighed only when asked about: most nouns and adjectives have an adverb sense too ("home").
            let parts: [PartOfSpeech] = pos == .adv ? PartOfSpeech.allCases : [.noun, .verb, .adj]
            let measure = parts.contains { tagged($0) > 0 } ? tagged : senses
            let own = measure(pos)
            return own > 0 && own > parts.filter { $0 != pos }.reduce(0) { $0 + measure($1) }
        }
    }

    /// Whether a noun sense of `word` among its `senses` commonest is one of `kinds` or, within `depth` steps up
    /// WordNet's hypernyms, a kind of one ("milk" → beverage → liquid).
    public func isKind(_ word: String, of kinds: Set<String>, depth: Int = 5, senses: Int = Lexicon.senses) -> Bool {
        let word = word.lowercased()
        return kindCache.value(for: "\(word) \(kinds.sorted().joined(separator: ",")) \(depth) \(senses)") {
            var frontier = baseForms(word, .noun).compactMap { lookUp($0, .noun) }.flatMap { $0.prefix(senses) }
            var seen = Set(frontier)
            var result = false
            for _ in 0...depth where !result && !frontier.isEmpty {
                let synsets = frontier.compactMap { synset(at: $0, .noun) }
                result = synsets.contains { !kinds.isDisjoint(with: $0.words) }
                frontier = synsets.flatMap { $0.pointers.filter { Self.hypernyms.contains($0.symbol) }.map(\.offset) }
                    .filter { seen.insert($0).inserted }
            }
            return result
        }
    }

    /// Whether `first` and `second` name sibling kinds of one thing, neither the other: in their `senses`
    /// commonest noun senses they share a direct hypernym but no synset ("purple" and "red" are both a chromatic
    /// colour). Close as their meanings are, a sentence about the one is not about the other.
    public func areSiblings(_ first: String, _ second: String) -> Bool {
        let (first, second) = (first.lowercased(), second.lowercased())
        return siblingCache.value(for: first + " " + second) {
            func senses(_ word: String) -> [Int] {
                baseForms(word, .noun).compactMap { lookUp($0, .noun) }.flatMap { $0.prefix(Self.senses) }
            }
            let (one, other) = (senses(first), senses(second))
            guard Set(one).isDisjoint(with: other) else { return false }
            func parents(_ offsets: [Int]) -> Set<Int> {
                Set(offsets.compactMap { synset(at: $0, .noun) }.flatMap { synset in
                    synset.pointers.filter { Self.hypernyms.contains($0.symbol) }.map(\.offset)
                })
            }
            return !parents(one).isDisjoint(with: parents(other))
        }
    }

    /// The lemmas an irregular form stands for ("children" → "child", "mice" → "mouse"), of any part of speech.
    public func irregularBases(_ word: String) -> [String] {
        PartOfSpeech.allCases.flatMap { exceptions[$0]?[word] ?? [] }
    }

    /// `word` and the lemmas it may be an inflection of (WordNet's "morphy": exception lists, then endings).
    func baseForms(_ word: String, _ pos: PartOfSpeech) -> [String] {
        var forms = [word] + (exceptions[pos]?[word] ?? [])
        let rules: [(String, String)] = switch pos {
        case .noun: [("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"), ("men", "man"), ("ies", "y")]
        case .verb: [("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", "")]
        case .adj: [("er", ""), ("est", ""), ("er", "e"), ("est", "e")]
        case .adv: []
        }
        for (ending, replacement) in rules where word.count > ending.count + 1 && word.hasSuffix(ending) {
            forms.append(String(word.dropLast(ending.count)) + replacement)
        }
        return forms
    }

    /// The synset offsets of `lemma`, most frequent sense first.
    func lookUp(_ lemma: String, _ pos: PartOfSpeech) -> [Int]? {
        guard let file = index[pos], let line = Self.line(startingWith: Array(lemma.utf8), in: file) else { return nil }
        let fields = line.split(separator: " ")
        // lemma pos synset_cnt p_cnt [ptr_symbol × p_cnt] sense_cnt tagsense_cnt [synset_offset × synset_cnt]
        guard fields.count > 4, let synsets = Int(fields[2]), let pointerCount = Int(fields[3]) else { return nil }
        let first = 4 + pointerCount + 2
        guard fields.count >= first + synsets else { return nil }
        return fields[first..<(first + synsets)].compactMap { Int($0) }
    }

    struct Synset {
        var words: [String]
        var pointers: [(symbol: String, offset: Int, pos: PartOfSpeech)]
    }

    /// The synset at byte `offset` of `data.<pos>`.
    func synset(at offset: Int, _ pos: PartOfSpeech) -> Synset? {
        guard let file = data[pos], offset >= 0, offset < file.count else { return nil }
        let line: String = file.withUnsafeBytes { bytes in
            var end = offset
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<end]), as: UTF8.self)
        }
        let fields = line.split(separator: "|", maxSplits: 1).first?.split(separator: " ") ?? []
        // offset lex_filenum ss_type w_cnt(hex) [word lex_id × w_cnt] p_cnt [symbol offset pos source/target × p_cnt]
        guard fields.count > 4, let count = Int(fields[3], radix: 16) else { return nil }
        var words: [String] = []
        var cursor = 4
        for _ in 0..<count where cursor < fields.count {
            // An adjective's "(p)" or "(a)" marks its position, not its spelling.
            var word = fields[cursor].lowercased()
            if let paren = word.firstIndex(of: "(") { word = String(word[..<paren]) }
            words.append(word)
            cursor += 2
        }
        guard cursor < fields.count, let pointerCount = Int(fields[cursor]) else { return Synset(words: words, pointers: []) }
        cursor += 1
        var pointers: [(String, Int, PartOfSpeech)] = []
        for _ in 0..<pointerCount where cursor + 3 < fields.count {
            let target: PartOfSpeech? = switch fields[cursor + 2] {
            case "n": .noun
            case "v": .verb
            case "a", "s": .adj
            case "r": .adv
            default: nil
            }
            if let target, let offset = Int(fields[cursor + 1]) { pointers.append((String(fields[cursor]), offset, target)) }
            cursor += 4
        }
        return Synset(words: words, pointers: pointers)
    }

    /// The line of a sorted WordNet index whose first field is `key`, by binary search over the file's bytes.
    static func line(startingWith key: [UInt8], in file: Data) -> String? {
        file.withUnsafeBytes { bytes -> String? in
            var low = 0
            var high = bytes.count
            while low < high {
                var start = (low + high) / 2
                while start > low && bytes[start - 1] != 0x0A { start -= 1 }
                var end = start
                while end < bytes.count && bytes[end] != 0x0A { end += 1 }
                var fieldEnd = start
                while fieldEnd < end && bytes[fieldEnd] != 0x20 { fieldEnd += 1 }
                let field = UnsafeRawBufferPointer(rebasing: bytes[start..<fieldEnd])
                if field.elementsEqual(key) {
                    return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
                }
                if field.lexicographicallyPrecedes(key) {
                    low = end + 1
                } else {
                    high = start
                }
            }
            return nil
        }
    }
}

/// Lookups already worked out, by key: each costs a few dozen line reads of WordNet, and a service's questions
/// repeat their words. Emptied when it passes `limit` entries, since the words asked are unbounded.
final class Memo<Value: Sendable>: Sendable {
    private let entries = Mutex<[String: Value]>([:])
    let limit = 20_000

    func value(for key: String, _ compute: () -> Value) -> Value {
        if let known = entries.withLock({ $0[key] }) { return known }
        let value = compute()
        entries.withLock { entries in
            if entries.count > limit { entries.removeAll() }
            entries[key] = value
        }
        return value
    }
}
