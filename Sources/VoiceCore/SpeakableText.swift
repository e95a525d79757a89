/// A sentence taken from a document, phrased to be said as an answer: brackets and semicolons become the commas a
/// speaker would pause at, and footnote marks ("Under-16s†") are dropped, as a reader skips them. How its words,
/// numbers and units sound is the TTS service's `SpeechText`.
public func speakable(_ text: String) -> String {
    var text = text
    text.removeAll { "*†‡§¶".contains($0) }
    for (written, spoken) in [("(", ", "), (")", ","), (";", ",")] {
        text = text.replacing(written, with: spoken)
    }
    for (messy, clean) in [(" ,", ","), (",,", ","), (",.", "."), (",:", ":"), ("  ", " ")] {
        text = text.replacing(messy, with: clean)
    }
    return text
}
