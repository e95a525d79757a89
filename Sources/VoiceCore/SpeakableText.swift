/// The marks that tie a word to a footnote ("Under-16s†") or open the footnote ("† Under-16s must…").
public let footnoteMarks = "*†‡§¶"

/// A sentence taken from a document, phrased to be said as an answer: brackets and semicolons become the commas a
/// speaker would pause at, and footnote marks, on a word's end or opening the sentence, are dropped, as a reader
/// skips them ("Under-16s†"; not "Press * then 1"). How its words, numbers and units sound is the TTS service's
/// `SpeechText`.
public func speakable(_ text: String) -> String {
    var text = text.replacing(#/([\p{L}\p{N})])[*†‡§¶]+/#) { String($0.1) }.replacing(#/^[*†‡§¶]+\s*/#, with: "")
    for (written, spoken) in [("(", ", "), (")", ","), (";", ",")] {
        text = text.replacing(written, with: spoken)
    }
    for (messy, clean) in [(" ,", ","), (",,", ","), (",.", "."), (",:", ":"), ("  ", " ")] {
        text = text.replacing(messy, with: clean)
    }
    return text
}
