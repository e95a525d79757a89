import Synchronization
import VoiceCore

/// The knowledge base's words by how they are said. Speech recognition writes a word it hears by its commonest
/// spelling, which the documents may spell otherwise: "key street" for "Quay Street", "the kids' flaw" for
/// "floor", "the family sweet" for "suite". Words that sound the same are the same to a listener, whatever their
/// letters, so the pronunciation (espeak-ng's phonemes, stress left out) is the test, not a spelling rule.
final class Homophones: Sendable {
    /// The phonemes of each word, in order.
    typealias Pronounce = @Sendable ([String]) async throws -> [String]

    /// The knowledge base's words that sound alike, for one content version.
    struct Index: Sendable {
        var version: Int
        /// Spellings by pronunciation.
        var spellings: [String: Set<String>]
        /// The content words written next to each other within a sentence ("sea view"), as "first second".
        var pairs: Set<String>

        /// Whether the knowledge base writes `first` right before `second`, both content words.
        func writes(_ first: String, _ second: String) -> Bool { pairs.contains(first + " " + second) }

        /// The knowledge base's words said one sound apart from `sound` (one phoneme added, dropped or changed:
        /// "kayack" and "kayak", "bolt" and "boat"), for a sound long enough that one in it is a small part.
        func nearSpellings(of sound: String) -> Set<String> {
            let heard = Array(sound.unicodeScalars)
            // A length mark is part of a vowel, not a sound of its own: "diːp" is three sounds.
            guard heard.filter({ !"ːˑ".unicodeScalars.contains($0) }).count >= Homophones.nearSoundLength else { return [] }
            var near = Set<String>()
            for (other, spellings) in spellings where abs(other.unicodeScalars.count - heard.count) <= 1
                && Homophones.isOneEditApart(heard, Array(other.unicodeScalars)) {
                near.formUnion(spellings)
            }
            return near
        }
    }

    /// The fewest sounds a word has to be matched one sound apart: "deep" and "keep" (three) are two words.
    static let nearSoundLength = 4

    /// Whether one symbol added, dropped or changed turns `first` into `second`.
    static func isOneEditApart(_ first: [Unicode.Scalar], _ second: [Unicode.Scalar]) -> Bool {
        guard first != second else { return false }
        let prefix = zip(first, second).prefix { $0 == $1 }.count
        let (a, b) = (first.dropFirst(prefix), second.dropFirst(prefix))
        return a.dropFirst().elementsEqual(b.dropFirst()) || a.dropFirst().elementsEqual(b) || a.elementsEqual(b.dropFirst())
    }

    /// Sounds remembered; past this the memory starts again (a bound on what odd queries can grow).
    static let maxWords = 200_000
    private let pronounce: Pronounce
    private let index = Mutex<Index?>(nil)
    /// Each word's sound, kept across content versions: espeak-ng takes about a millisecond a word, so a new
    /// version says only its new words.
    private let sounds = Mutex<[String: String]>([:])

    init(pronounce: @escaping Pronounce) {
        self.pronounce = pronounce
    }

    /// The knowledge base's other spellings of each of `words` said the same, and its index, at content `version`;
    /// `texts` are read only when that version's words have not been said yet.
    /// With `near`, the words said one sound apart (``Index/nearSpellings(of:)``) instead of the same.
    func spellings(of words: [String], version: Int, near: Bool = false,
                   texts: () async throws -> [String]) async throws -> (others: [String: Set<String>], index: Index) {
        let index = try await index(version: version, texts: texts)
        let said = try await self.said(words)
        let others = Dictionary(words.compactMap { word -> (String, Set<String>)? in
            guard let sound = said[word], !sound.isEmpty else { return nil }
            let others = near ? index.nearSpellings(of: sound) : (index.spellings[sound] ?? []).subtracting([word])
            return others.isEmpty ? nil : (word, others)
        }) { first, _ in first }
        return (others, index)
    }

    /// Says the knowledge base's words at content `version`, so that a question need not wait for them.
    func prepare(version: Int, texts: () async throws -> [String]) async throws {
        _ = try await index(version: version, texts: texts)
    }

    /// The knowledge base's index at content `version`; `texts` are read only when it is not built yet.
    func index(version: Int, texts: () async throws -> [String]) async throws -> Index {
        if let cached = index.withLock({ $0 }), cached.version == version { return cached }
        let texts = try await texts()
        let words = Set(texts.flatMap(TextWords.words)).filter(Self.mayBeRespelled).sorted()
        var spellings: [String: Set<String>] = [:]
        for (word, sound) in try await said(words) where !sound.isEmpty {
            spellings[sound, default: []].insert(word)
        }
        // Only content words are asked about as neighbours, and a sentence's last word is no neighbour of the next's
        // first ("is failing. Dinghies go out").
        var pairs = Set<String>()
        for sentence in texts.flatMap({ $0.split(separator: #/[.!?;:]\s|\n/#) }) {
            let words = TextWords.words(String(sentence))
            for (first, second) in zip(words, words.dropFirst())
            where !TextWords.stopWords.contains(first) && !TextWords.stopWords.contains(second) {
                pairs.insert(first + " " + second)
            }
        }
        let built = Index(version: version, spellings: spellings, pairs: pairs)
        index.withLock { cached in
            if (cached?.version ?? -1) <= version { cached = built }
        }
        return built
    }

    /// The sound of each of `words`, said once.
    private func said(_ words: [String]) async throws -> [String: String] {
        let known = sounds.withLock { sounds in words.compactMap { word in sounds[word].map { (word, $0) } } }
        var said = Dictionary(known) { first, _ in first }
        let new = words.filter { said[$0] == nil }
        guard !new.isEmpty else { return said }
        let heard = Dictionary(zip(new, try await pronounce(new).map(Self.key))) { first, _ in first }
        said.merge(heard) { first, _ in first }
        sounds.withLock { sounds in
            if sounds.count + heard.count > Self.maxWords { sounds = [:] }
            sounds.merge(heard) { first, _ in first }
        }
        return said
    }

    /// Words of letters only, not a number word: numbers and codes are read by rules of their own ("too" is not
    /// "two"), and a stop word names no item asked about.
    static func mayBeRespelled(_ word: String) -> Bool {
        word.count > 1 && word.allSatisfy(\.isLetter) && !TextWords.stopWords.contains(word) && !SpokenNumbers.isNumberWord(word)
    }

    /// Stress marks say which syllable is loud, not which sounds are said: "kˈiː" and "kiː" are one word.
    static func key(_ phonemes: String) -> String {
        String(phonemes.filter { !"ˈˌ".contains($0) && !$0.isWhitespace })
    }
}
