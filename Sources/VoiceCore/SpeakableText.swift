/// The marks that tie a word to a footnote ("Under-16s†") or open the footnote ("† Under-16s must…").
public let footnoteMarks = "*†‡§¶"
nonisolated(unsafe) let footnoteMarkOnAWord = try! Regex<(Substring, Substring)>(#"([\p{L}\p{N})])["# + footnoteMarks + "]+")
nonisolated(unsafe) let footnoteMarkOpening = try! Regex("^[" + footnoteMarks + #"]+\s*"#)

/// A sentence taken from a document, phrased to be said as an answer: brackets and semicolons become the commas a
/// speaker would pause at, and footnote marks, on a word's end or opening the sentence, are dropped, as a reader
/// skips them ("Under-16s†"; not "Press * then 1"). How its words, numbers and units sound is the TTS service's
/// `SpeechText`.
public func speakable(_ text: String) -> String {
    var text = text.replacing(footnoteMarkOnAWord) { String($0.1) }.replacing(footnoteMarkOpening, with: "")
    for (written, spoken) in [("(", ", "), (")", ","), (";", ",")] {
        text = text.replacing(written, with: spoken)
    }
    for (messy, clean) in [(" ,", ","), (",,", ","), (",.", "."), (",:", ":"), ("  ", " ")] {
        text = text.replacing(messy, with: clean)
    }
    return text
}
