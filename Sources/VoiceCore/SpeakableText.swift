/// Written shorthand a speech synthesiser reads badly, spelled out: for a sentence taken from a document and
/// spoken as an answer ("e.g." → "for example", "&" → "and", brackets → commas).
public func speakable(_ text: String) -> String {
    var text = text
    for (written, spoken) in [("e.g.", "for example"), ("i.e.", "that is"), (" & ", " and "), ("%", " percent"),
                              ("(", ", "), (")", ","), (";", ",")] {
        text = text.replacing(written, with: spoken)
    }
    for (messy, clean) in [(" ,", ","), (",,", ","), (",.", "."), ("  ", " ")] {
        text = text.replacing(messy, with: clean)
    }
    return text
}
