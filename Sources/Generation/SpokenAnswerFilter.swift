/// Turns model output into text fit to be spoken, as it streams: markdown marks and list markers are dropped,
/// line breaks become spaces, leading and trailing whitespace go, and the text ends after `maxSentences`.
///
/// It works character by character and only holds back what a later character could still change (whitespace,
/// a possible list marker), so the streamed pieces always join to exactly the non-streamed answer.
public struct SpokenAnswerFilter: Sendable {
    public let maxSentences: Int
    public private(set) var sentences = 0
    /// True once `maxSentences` sentences are out: later text is dropped and generation may stop.
    public var isComplete: Bool { sentences >= maxSentences }

    private var started = false
    private var pendingSpace = false
    private var lineStart = true
    private var markerCandidate = ""
    private var lastEmitted: Character?

    public init(maxSentences: Int = 3) {
        self.maxSentences = maxSentences
    }

    /// The spoken text for `piece`, possibly empty while characters are held back.
    public mutating func feed(_ piece: String) -> String {
        var out = ""
        for character in piece { process(character, into: &out) }
        return out
    }

    /// Whatever was held back and may now go out (a lone marker-like prefix at the very end).
    public mutating func finish() -> String {
        var out = ""
        let held = markerCandidate
        markerCandidate = ""
        lineStart = false
        for character in held { process(character, into: &out) }
        return out
    }

    /// Runs a whole text through a fresh filter.
    public static func spoken(_ text: String, maxSentences: Int = 3) -> String {
        var filter = SpokenAnswerFilter(maxSentences: maxSentences)
        return filter.feed(text) + filter.finish()
    }

    private mutating func process(_ character: Character, into out: inout String) {
        guard !isComplete else { return }
        if lineStart {
            markerCandidate.append(character)
            switch Self.classifyMarker(markerCandidate) {
            case .partial: return
            case .marker:
                markerCandidate = ""
                lineStart = false
                return
            case .text:
                let held = markerCandidate
                markerCandidate = ""
                lineStart = false
                for character in held { process(character, into: &out) }
                return
            }
        }
        if character.isNewline {
            lineStart = true
            whitespace()
            return
        }
        if character.isWhitespace {
            whitespace()
            return
        }
        if "*#`".contains(character) { return }
        if pendingSpace && started { out.append(" ") }
        pendingSpace = false
        started = true
        out.append(character)
        lastEmitted = character
    }

    private mutating func whitespace() {
        // A sentence ends at . ! or ? followed by whitespace: "1847." ends one, "3.5" does not.
        if let last = lastEmitted, ".!?".contains(last), !pendingSpace { sentences += 1 }
        pendingSpace = true
    }

    private enum MarkerState { case partial, marker, text }

    /// A list marker at the start of a line: optional spaces, then `-`, `*`, `•`, `+` or up to two digits with
    /// `.` or `)`, then a space.
    private static func classifyMarker(_ candidate: String) -> MarkerState {
        let body = candidate.drop { $0 == " " || $0 == "\t" }
        guard let first = body.first else { return .partial }
        if "-*•+".contains(first) {
            if body.count == 1 { return .partial }
            return body.dropFirst().first == " " ? .marker : .text
        }
        guard first.isASCII, first.isNumber else { return .text }
        let digits = body.prefix { $0.isASCII && $0.isNumber }
        guard digits.count <= 2 else { return .text }
        let rest = body.dropFirst(digits.count)
        guard let punctuation = rest.first else { return .partial }
        guard punctuation == "." || punctuation == ")" else { return .text }
        guard let after = rest.dropFirst().first else { return .partial }
        return after == " " ? .marker : .text
    }
}
