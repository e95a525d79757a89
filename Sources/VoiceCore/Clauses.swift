public import Foundation

/// The clauses of a sentence that states several facts side by side ("A block costs $72 for Stages 1 to 3 and $80
/// for Stages 4 to 6."; "A full K7 boils in about 3 minutes, while a full K9 takes about 4 minutes."), each made a
/// sentence of its own, so that the answer says the one fact asked for. An elliptic second half ("and $80 for
/// Stages 4 to 6", "or three years if registered") borrows the first half's words before the fact it parallels:
/// "A block costs $80 for Stages 4 to 6."
public enum Clauses {
    /// The sentence's clauses, or none when it does not split into at least two that each state a number.
    public static func of(_ sentence: String) -> [String] {
        // Most sentences have no second number or no joint; the regular expression below is not cheap.
        guard sentence.filter(\.isNumber).count >= 2 || sentence.split(separator: " ").contains(where: { SpokenNumbers.value(of: String($0)) != nil }),
              sentence.contains(";") || sentence.contains(" and ") || sentence.contains(" or ") || sentence.contains(" but ")
                || sentence.contains(" while ") || sentence.contains(" whereas ") else { return [] }
        var text = sentence.trimmingCharacters(in: .whitespaces)
        var end = "."
        if let last = text.last, ".!?".contains(last) {
            end = String(last)
            text.removeLast()
        }
        var parts: [String] = []
        var rest = Substring(text)
        while let cut = rest.firstMatch(of: boundary) {
            parts.append(String(rest[..<cut.range.lowerBound]))
            rest = rest[cut.range.upperBound...]
        }
        parts.append(String(rest))
        guard parts.count >= 2, parts.allSatisfy({ !SpokenNumbers.numbers(in: $0).isEmpty }) else { return [] }
        // An elliptic half borrows from the last half that was whole: "A 2-person tent costs £15 a day or £60 a
        // week, and a 4-person tent costs £25 a day or £95 a week" prices the 4-person tent at £95.
        var whole = parts[0].trimmingCharacters(in: .whitespaces)
        var clauses = [whole]
        for part in parts.dropFirst() {
            let part = part.trimmingCharacters(in: .whitespaces)
            if startsWithNumber(part) {
                // "…, or three years if registered": the whole clause's words up to its parallel fact.
                guard let prefix = prefix(of: whole, before: part) else { return [] }
                clauses.append(prefix + part)
            } else if let gapped = gapped(part, after: whole) {
                clauses.append(gapped)
            } else {
                whole = part.prefix(1).uppercased() + part.dropFirst()
                clauses.append(whole)
            }
        }
        return clauses.map { $0 + end }
    }

    /// Scores closer than this are equal.
    public static let tolerance = 1e-9

    /// The clause of `sentence` that `score` ranks highest, when no other clause scores as high; nil when the
    /// sentence does not split or two clauses tie.
    public static func uniqueBest(of sentence: String, by score: (String) -> Double) -> (clause: String, score: Double)? {
        let scored = of(sentence).map { ($0, score($0)) }
        guard let best = scored.max(by: { $0.1 < $1.1 }), scored.filter({ $0.1 >= best.1 - tolerance }).count == 1 else { return nil }
        return best
    }

    /// Where a sentence joins two facts: a semicolon, a comma before a conjunction, "while", or "and"/"or" before
    /// a number. A list without a final comma ("25 December, 26 December and 1 January") is not split.
    nonisolated(unsafe) static let boundary =
        #/;\s+|,\s+(?:while|whereas|but|and|or)\s+|\s+(?:while|whereas)\s+|,?\s+(?:and|or|but)\s+(?=(?:\$|€|£)\d|\d[\d,.]*\s+(?:[a-z]+\s+)?(?:for|if|on|in|at|per|with|from)\b|(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve)\s+[a-z]+\s+(?:if|for|when|on|in|at|from)\b)/#

    /// A second half that names another subject but leaves its verb out ("Unused items may be returned within 30
    /// days, and opened items within 14 days"), given the first half's verb: "Opened items may be returned within
    /// 14 days". Nil when the second half has a verb of its own or the halves do not line up.
    static func gapped(_ part: String, after first: String) -> String? {
        let tokens = part.split(separator: " ").map(String.init)
        let firstTokens = first.split(separator: " ").map(String.init)
        guard !tokens.contains(where: { auxiliaries.contains($0.lowercased()) }),
              let number = tokens.firstIndex(where: startsWithNumber), number >= 2,
              let verb = firstTokens.firstIndex(where: { auxiliaries.contains($0.lowercased()) }), verb >= 1,
              let parallel = firstTokens.indices.first(where: { $0 > verb && startsWithNumber(firstTokens[$0]) }),
              // The word before the number is the same preposition in both halves ("within 30", "within 14").
              firstTokens[parallel - 1].lowercased() == tokens[number - 1].lowercased()
        else { return nil }
        let subject = tokens[..<(number - 1)].joined(separator: " ")
        let shared = firstTokens[verb..<(parallel - 1)].joined(separator: " ")
        let rest = tokens[(number - 1)...].joined(separator: " ")
        return subject.prefix(1).uppercased() + subject.dropFirst() + " " + shared + " " + rest
    }

    /// Words that start a verb phrase: the subject before them is what the clause is about.
    static let auxiliaries: Set<String> = ["is", "are", "was", "were", "may", "can", "must", "will", "should", "could",
                                           "would", "might", "has", "have", "had", "costs", "cost", "takes", "take"]

    static func startsWithNumber(_ part: String) -> Bool {
        guard let first = part.split(separator: " ").first else { return false }
        return first.first.map { "$€£".contains($0) || $0.isNumber } == true || SpokenNumbers.value(of: String(first)) != nil
    }

    /// The words of `clause` before the number that `part` parallels: the first price for a price, the first
    /// number with the same unit word for a measure ("two years" for "three years"), else the first number.
    static func prefix(of clause: String, before part: String) -> String? {
        let partTokens = part.split(separator: " ").map(String.init)
        let tokens = clause.split(separator: " ").map(String.init)
        let unit = partTokens.count > 1 ? TextWords.words(partTokens[1]).first : nil
        let currency = partTokens[0].first.map { "$€£".contains($0) } == true
        let index = tokens.indices.first { index in
            guard startsWithNumber(tokens[index]) else { return false }
            if currency { return tokens[index].first == partTokens[0].first }
            guard let unit, index + 1 < tokens.count else { return false }
            return TextWords.words(tokens[index + 1]).first.map(SoundKey.stem) == SoundKey.stem(unit)
        } ?? (currency ? nil : tokens.indices.first { startsWithNumber(tokens[$0]) })
        guard let index, index > 0 else { return nil }
        return tokens[..<index].joined(separator: " ") + " "
    }
}
