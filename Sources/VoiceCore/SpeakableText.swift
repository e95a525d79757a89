/// The marks that tie a word to a footnote ("Under-16s†") or open the footnote ("† Under-16s must…").
public let footnoteMarks = "*†‡§¶"
nonisolated(unsafe) let footnoteMarkOnAWord = try! Regex<(Substring, Substring)>(#"([\p{L}\p{N})])["# + footnoteMarks + "]+")
nonisolated(unsafe) let footnoteMarkOpening = try! Regex("^[" + footnoteMarks + #"]+\s*"#)

/// A numbered step's or clause's own number ("2) Place…", "7.1 Contractors…", "3. You must…"), not a plain number
/// that opens a sentence ("10 Downing Street…").
nonisolated(unsafe) let itemNumberOpening = try! Regex(#"^(?:\d{1,3}\)|\d{1,2}(?:\.\d{1,2})+\.?(?=\s+\p{Lu})|\d{1,2}\.(?=\s+\p{Lu}))\s+"#)

/// A sentence taken from a document, phrased to be said as an answer: brackets and semicolons become the commas a
/// speaker would pause at, and footnote marks, on a word's end or opening the sentence, are dropped, as a reader
/// skips them ("Under-16s†"; not "Press * then 1"), and so is the number of a numbered step or clause. How its
/// words, numbers and units sound is the TTS service's `SpeechText`.
public func speakable(_ text: String) -> String {
    var text = text.replacing(footnoteMarkOnAWord) { String($0.1) }.replacing(footnoteMarkOpening, with: "")
        .replacing(itemNumberOpening, with: "")
    for (written, spoken) in [("(", ", "), (")", ","), (";", ",")] {
        text = text.replacing(written, with: spoken)
    }
    for (messy, clean) in [(" ,", ","), (",,", ","), (",.", "."), (",:", ":"), ("  ", " ")] {
        text = text.replacing(messy, with: clean)
    }
    return text
}
