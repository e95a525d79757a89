public import Foundation
public import VoiceCore

/// The document formats ingestion understands.
public enum DocumentFormat: String, Sendable, Codable, CaseIterable {
    case text
    case markdown
    case html
    case pdf

    /// From a file name's extension; nil for files ingestion skips.
    public init?(fileName: String) {
        switch (fileName as NSString).pathExtension.lowercased() {
        case "txt", "text": self = .text
        case "md", "markdown": self = .markdown
        case "html", "htm": self = .html
        case "pdf": self = .pdf
        default: return nil
        }
    }

    /// From a Content-Type header (parameters such as `charset` ignored); nil when it names no format.
    public init?(contentType: String) {
        let type = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch type {
        case "text/plain": self = .text
        case "text/markdown", "text/x-markdown": self = .markdown
        case "text/html", "application/xhtml+xml": self = .html
        case "application/pdf": self = .pdf
        default: return nil
        }
    }
}

/// A run of text under one heading.
public struct DocumentSection: Sendable, Equatable {
    public var heading: String?
    public var text: String

    public init(heading: String?, text: String) {
        self.heading = heading
        self.text = text
    }
}

/// Plain text and its headings, extracted from a document's bytes.
public struct DocumentText: Sendable, Equatable {
    /// The first top-level heading (or the HTML title), if any.
    public var title: String?
    public var sections: [DocumentSection]

    public var isEmpty: Bool { sections.allSatisfy { $0.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty } }

    /// Extracts text from `data`. Text formats must be UTF-8; a PDF needs poppler's `pdftotext`.
    public static func extract(_ data: Data, format: DocumentFormat) throws(APIError) -> DocumentText {
        if format == .pdf { return plain(try PDFText.extract(data), cells: true) }
        guard let string = String(data: data, encoding: .utf8) else {
            throw .badRequest("invalid_encoding", "the document is not valid UTF-8 text")
        }
        switch format {
        case .text, .pdf: return plain(string)
        case .markdown: return markdown(string)
        case .html: return html(string)
        }
    }

    /// Plain text keeps what structure it shows: a short line standing alone without a full stop ("2. WHAT IS NOT
    /// COVERED"), one underlined with dashes or equals signs, or one straight above a line that starts a sentence
    /// or an item, heads the paragraphs after it; the first such line
    /// titles the document, as does a letterhead of two or three such lines ("ASHCOMBE DISTRICT COUNCIL", "WASTE
    /// SERVICES - CHRISTMAS 2025/26"); each "- " item is a paragraph of its own; a paragraph laid out a record a
    /// line is read as a table (``records(_:underlined:)``), lines only of rule characters are layout, and a page
    /// break ends a paragraph. With `cells` (a PDF's text), a run of one-line paragraphs that lays out a table is
    /// read as that table (``CellTable``).
    static func plain(_ string: String, cells: Bool = false) -> DocumentText {
        var title: String?
        // The title's lines as written: a document that is nothing but its title keeps them as its text.
        var titleText = ""
        var sections: [DocumentSection] = []
        var current = DocumentSection(heading: nil, text: "")
        let paragraphs = string.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\u{0C}", with: "\n\n")
            .components(separatedBy: "\n\n")
        for block in cells ? CellTable.blocks(paragraphs) : paragraphs.map(CellTable.Block.paragraph) {
            let paragraph: String
            switch block {
            case .paragraph(let text):
                paragraph = text
            case .table(let table):
                let rows = table.rows.map { $0.map { TableText.Cell(text: $0) } }
                addTable(("\n\n" + TableText.sentences(header: table.header, rows: rows) + "\n\n", TableText.subject(table.header)),
                         to: &sections, current: &current)
                continue
            }
            var lines = Self.lines(of: paragraph)
            if lines.isEmpty { continue }
            let atStart = title == nil && sections.isEmpty && current.text.isEmpty
            // A letterhead states no fact: its only numbers are years ("2025/26"), unlike "Open daily\nMon–Fri 9–5".
            if atStart, (2...3).contains(lines.count), lines.allSatisfy(isTitleLine),
               !lines.contains(where: { $0.replacing(#/\b(?:19|20)\d{2}(?:/\d{2})?\b/#, with: "").contains(where: \.isNumber) }) {
                title = lines.joined(separator: " – ")
                titleText = lines.joined(separator: "\n")
                continue
            }
            // "Extra cardboard" over a line of dashes, the text maybe straight after it; not a table's header, whose
            // columns stand apart.
            let header = lines[0].hasSuffix(":") ? 1 : 0
            var underlined = lines.count >= header + 3 && isRule(lines[header + 1])
            if lines.count >= 2, lines[1].wholeMatch(of: #/[-=]{3,}/#) != nil, isTitleLine(lines[0]), !lines[0].contains("  ") {
                if atStart {
                    title = lines[0]
                    titleText = lines[0]
                } else {
                    sections.append(current)
                    current = DocumentSection(heading: lines[0], text: "")
                }
                lines.removeFirst(2)
                underlined = false
            } else if lines.count >= 2, let heading = plainHeading(lines[0]), !underlined,
                      records(lines.filter { !isRule($0) }, underlined: false) == nil,
                      Chunker.wordCount(lines[0]) <= 8, !atStart || title != nil,
                      isNumberedHeading(lines[0], over: lines[1]) || listItem(lines[0]) == nil
                        && (lines[1].first.map { $0.isUppercase || $0.isNumber } == true || listItem(lines[1]) != nil)
                        && !isWrapped(lines) {
                // "What is happening" on its own line, its text on the next: a heading with no blank line after it.
                // So is "4. Gift vouchers" over its own clauses "4.1 …", which would otherwise read as a list item,
                // and "MARKET ROW" over its address ("14 Market Row, Castlebridge"), which opens with a number.
                sections.append(current)
                current = DocumentSection(heading: heading, text: "")
                lines.removeFirst()
            } else if lines.count == 1, let heading = plainHeading(lines[0]) {
                if atStart {
                    title = heading
                    titleText = lines[0]
                } else {
                    sections.append(current)
                    current = DocumentSection(heading: heading, text: "")
                }
                continue
            }
            lines.removeAll(where: isRule)
            if lines.isEmpty { continue }
            if let table = records(lines, underlined: underlined) {
                if let lead = table.lead { current.text += lead + "\n\n" }
                addTable(("\n\n" + table.text + "\n\n", table.subject), to: &sections, current: &current)
                continue
            }
            lines = labelledStatements(lines)
            // An item hard-wrapped over several lines goes on in the lines under it: indented under its text, in
            // lower case, or after a comma ("1.  We accept clay rated to at least" over "    cone 6, including…").
            // Read alone, each line was a fragment. A clause under a numbered heading ("2. Cancellation by you" over
            // "2.1 If you cancel…") is no such line.
            let indented = Set(paragraph.split(separator: "\n").filter { $0.first?.isWhitespace == true }
                .map { $0.trimmingCharacters(in: .whitespaces) })
            var item: String?
            // The item's last line as written, to tell a line it wraps onto from a paragraph after it.
            var itemLine = ""
            for line in lines {
                if let next = listItem(line) {
                    if let item { current.text += "\n\(item)\n\n" }
                    item = next
                    itemLine = line
                } else if let open = item, indented.contains(line) || line.first?.isLowercase == true || open.last == ","
                            // A sentence cut by the wrap goes on even where its next word has a capital ("…our late
                            // night at Market" over "Row moves from Thursday to Friday."); a short item is no
                            // sentence cut ("Towels" over "Please bring your own.").
                            || open.last.map({ !clauseEnds.contains($0) }) == true
                                && (isWrapped([itemLine, line]) || Double(itemLine.count) >= wrappedWidth * Double(line.count)) {
                    item = open + " " + line
                    itemLine = line
                } else {
                    if let open = item { current.text += "\n\(open)\n\n" }
                    item = nil
                    current.text += line + "\n"
                }
            }
            if let item { current.text += "\n\(item)\n\n" }
            current.text += "\n"
        }
        sections.append(current)
        sections = sections.filter { !$0.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        if sections.isEmpty, !titleText.isEmpty { return DocumentText(title: nil, sections: [DocumentSection(heading: nil, text: titleText)]) }
        return DocumentText(title: title, sections: sections)
    }

    /// A paragraph's "Label: value" lines, when it has two or more, each made statements of their own: one without
    /// an end ran into the next ("Cycling: Covered bike rack by the front door Finding us: On the riverside path…"),
    /// and a value's later sentences are read with its label ("Parking: No on-site parking. Parking: Cornhill
    /// multi-storey is a 2 minute walk away."), as a table's cells are with their row's name. A value that wraps
    /// onto the next line goes on there.
    static func labelledStatements(_ lines: [String]) -> [String] {
        let labelled = lines.map { line in
            line.wholeMatch(of: #/(\p{Lu}[^:.!?]{0,39}):\s+(\S.*)/#).flatMap { match in
                // Not "Q:" and "A:", which are a question and its answer.
                match.1.count >= 2 && Chunker.wordCount(String(match.1)) <= 4 ? (label: String(match.1), value: String(match.2)) : nil
            }
        }
        guard labelled.compactMap({ $0 }).count >= 2 else { return lines }
        return lines.indices.map { index in
            guard let (label, value) = labelled[index] else { return lines[index] }
            let wraps = index + 1 < lines.count && labelled[index + 1] == nil && lines[index + 1].first?.isUppercase != true
            let said = Chunker.sentences(value).map { "\(label): \($0)" }.joined(separator: " ")
            return wraps || said.last.map(clauseEnds.contains) == true ? said : said + "."
        }
    }

    /// A paragraph's lines that hold anything, trimmed.
    static func lines(of paragraph: String) -> [String] {
        paragraph.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// A line only of rule characters: dashes under a table's header ("-----  ----"), a box of asterisks.
    static func isRule(_ line: String) -> Bool { line.wholeMatch(of: #/[-=*_~#+][-=*_~#+\s]{2,}/#) != nil }

    /// A paragraph of plain text laid out as records, one per line: a space-aligned table ("Area  Self-install kit
    /// Engineer visit" over "Town centre  3 working days  6 working days"), or labelled values ("Power draw:  9 W",
    /// "Router model ....... CL-400", "Thursday 25 December -> Friday 26 December"), maybe after a lead-in line
    /// ending in a colon. Each record is read as a table row (``TableText``), one sentence per value: run together,
    /// the lines were one sentence holding every value. The first line heads the columns when a rule was under it
    /// (`underlined`), or when it has no number and the lines below have numbers: in some cell, for three columns
    /// or more; in every cell, for two ("Usual day" over "Thursday 25 December -> Friday 26 December"), since
    /// "Sunday  Closed" over "Monday  9–5" is a record, not a header. A question ("Q:  Can I pay by card?") is
    /// prose.
    static func records(_ lines: [String], underlined: Bool) -> (lead: String?, text: String, subject: String?)? {
        var lines = lines
        let lead = lines.first.flatMap { $0.hasSuffix(":") && lines.count >= 3 ? $0 : nil }
        if lead != nil { lines.removeFirst() }
        guard lines.count >= 2, !lines.contains(where: { listItem($0) != nil || $0.contains("?") }) else { return nil }
        // Columns are apart by a tab, a leader of dots, an arrow or two spaces (not those after a sentence's end, nor
        // an ellipsis).
        let aligned = lines.map { line in
            line.replacingOccurrences(of: #"([.!?]) {2,}(?=\p{Lu})"#, with: "$1 ", options: .regularExpression)
                .split(separator: #/\t+|\s*\.{4,}\s*|\s*(?:->|→|=>)\s*| {2,}/#)
                .map { $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: ":")) }
                .filter { !$0.isEmpty }
        }
        let columns = aligned[0].count
        if columns >= 2, aligned.allSatisfy({ $0.count == columns }) {
            let numbered = { (cell: String) in cell.contains(where: \.isNumber) }
            let hasHeader = underlined || (lines.count >= 3 && !aligned[0].contains(where: numbered)
                && (columns >= 3 ? aligned.dropFirst().contains { $0.contains(where: numbered) }
                                 : aligned.dropFirst().allSatisfy { $0.allSatisfy(numbered) }))
            let rows = aligned.dropFirst(hasHeader ? 1 : 0).map { $0.map { TableText.Cell(text: $0) } }
            return (lead, TableText.sentences(header: hasHeader ? aligned[0] : nil, rows: Array(rows)),
                    hasHeader ? TableText.subject(aligned[0]) : nil)
        }
        // "Label: value" on every line, the label a short name.
        let labelled = lines.map { line in
            line.wholeMatch(of: #/([^:.!?]{1,40}):\s+(.+)/#).flatMap { match in
                Chunker.wordCount(String(match.1)) <= 6 && Chunker.wordCount(String(match.2)) <= 12
                    ? [String(match.1), String(match.2)] : nil
            }
        }
        guard labelled.allSatisfy({ $0 != nil }) else { return nil }
        return (lead, TableText.sentences(header: nil, rows: labelled.compactMap { $0?.map { TableText.Cell(text: $0) } }), nil)
    }

    /// Whether a paragraph's first line is a hard-wrapped sentence going on below, not a heading over it: it ends on
    /// a word that cannot end a heading ("resume on"), goes on in lower case, or is as wide as the lines under it
    /// ("…will resume" over "Monday morning as usual.": a heading is shorter than its text).
    static func isWrapped(_ lines: [String]) -> Bool {
        guard lines.count >= 2, lines[1].first?.isLowercase != true else { return true }
        if let last = TextWords.words(lines[0]).last, TextWords.stopWords.contains(last) { return true }
        if listItem(lines[1]) != nil { return false }
        let below = lines.dropFirst().map(\.count).max() ?? 0
        return lines.count == 2 ? lines[0].count > below : Double(lines[0].count) >= wrappedWidth * Double(below)
    }

    /// How wide a hard-wrapped line is, at least, beside the lines it wraps onto: about as wide as the widest.
    static let wrappedWidth = 0.85

    /// What ends a sentence or a clause, in Latin and CJK scripts: a line ending so states rather than names.
    static let clauseEnds = ".!?:;,。！？、；："

    /// A line that names rather than states: at most twelve words, no sentence end.
    static func isTitleLine(_ line: String) -> Bool {
        guard let last = line.last else { return false }
        return !clauseEnds.contains(last) && Chunker.wordCount(line) <= 12 && line.first?.isLetter == true
    }

    /// A heading line of plain text: at most ten words, no sentence end, starting with a letter (so not a "- "
    /// item) or with a number ("3. WHAT IS COVERED"), which is dropped.
    static func plainHeading(_ line: String) -> String? {
        let numbered = line.wholeMatch(of: #/\d{1,2}[.)]\s+(\p{L}.*)/#).map { String($0.1) }
        guard let last = line.last, !clauseEnds.contains(last), Chunker.wordCount(line) <= 10,
              line.first?.isLetter == true || numbered != nil else { return nil }
        // A fact on a line of its own ("Open daily from 9 to 5") is a sentence, not a heading; a line in capitals
        // ("SURGERY 2 REFURBISHMENT") is a heading whatever it holds.
        let heading = numbered ?? line
        let capitals = heading.contains(where: \.isLetter) && !heading.contains(where: \.isLowercase)
        return heading.contains(where: \.isNumber) && !capitals ? nil : heading
    }

    /// Sections split at ATX headings (`#` … `######`); inline Markdown is reduced to its words.
    static func markdown(_ string: String) -> DocumentText {
        var title: String?
        var sections: [DocumentSection] = []
        var current = DocumentSection(heading: nil, text: "")
        var inFence = false
        var tableLines: [String] = []
        // The list items that nested items are about, outermost first, and their indentation.
        var parents: [(lead: String?, label: Bool, indent: Int)] = []
        // The last list item, without its Markdown and as added to the text.
        var lastItem: (plain: String, text: String, indent: Int)?
        // Whether the next line, not an item, is still the last item's: no blank line came between.
        var itemGoesOn = false
        for rawLine in string.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            let indent = rawLine.prefix { $0 == " " || $0 == "\t" }.reduce(0) { $0 + ($1 == "\t" ? 4 : 1) }
            // A table ends at its first line without a pipe, heading or not.
            if !tableLines.isEmpty, !line.hasPrefix("|") {
                addTable(markdownTable(tableLines), to: &sections, current: &current)
                tableLines = []
            }
            if line.hasPrefix("```") || line.hasPrefix("~~~") {
                inFence.toggle()
                continue
            }
            if !inFence, let heading = markdownHeading(line) {
                if heading.level == 1 && title == nil { title = heading.text }
                parents = []
                sections.append(current)
                current = DocumentSection(heading: heading.text, text: "")
                continue
            }
            if !inFence, line.hasPrefix("|") {
                tableLines.append(line)
                continue
            }
            // Blank lines end paragraphs; keep them so sentence splitting sees the break. A list item is a paragraph
            // of its own: a price list read as one sentence is every price at once.
            if !inFence, let item = listItem(line) {
                // A nested item ("Room: Surgery 1" under "**Dr Priya Nandakumar** – Principal Dentist") is about its
                // parents, as a table cell is about its row: it is read after their names, a label's with its colon
                // ("Streets: Castle Ward, Tanners Yard").
                while let last = parents.last, last.indent >= indent { parents.removeLast() }
                let names = parents.compactMap { parent in parent.lead.map { Self.bareName($0) + (parent.label ? ": " : ", ") } }.joined()
                // A parent that is only a label ("**Streets:**", "Hours:") said nothing its items do not say.
                if let parent = parents.last, parent.label, let lead = parent.lead, let emitted = lastItem,
                   emitted.indent == parent.indent, Self.bareName(emitted.plain) == Self.bareName(lead),
                   current.text.hasSuffix(emitted.text) {
                    current.text.removeLast(emitted.text.count)
                }
                let plain = stripInlineMarkdown(item)
                let text = "\n" + names + plain + "\n\n"
                current.text += text
                lastItem = (plain, text, indent)
                itemGoesOn = true
                parents.append((Self.listItemLead(item), plain.hasSuffix(":"), indent))
            } else if !inFence, !line.isEmpty, itemGoesOn, !isRule(line), let item = lastItem, current.text.hasSuffix(item.text) {
                // A hard-wrapped item goes on, on the next line ("…held on the first Thursday of" / "each month at
                // 7pm."), until a blank line: the line is the item's, not a paragraph of its own.
                let rest = stripInlineMarkdown(line)
                let text = String(item.text.dropLast(2)) + " " + rest + "\n\n"
                current.text.removeLast(item.text.count)
                current.text += text
                lastItem?.text = text
                lastItem?.plain += " " + rest
            } else {
                if !line.isEmpty, indent == 0 { parents = [] }
                itemGoesOn = false
                current.text += (inFence ? line : stripInlineMarkdown(line)) + "\n"
            }
        }
        if !tableLines.isEmpty { addTable(markdownTable(tableLines), to: &sections, current: &current) }
        sections.append(current)
        return DocumentText(title: title, sections: sections.filter { !$0.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty })
    }

    /// A table whose first column has a header is a section of its own, headed by that header under the section's
    /// heading ("Fares – Ticket"): the header says what every row's name is ("Child (5–15)" is a ticket), so a
    /// question's "ticket" is matched by each row's heading, as it is by a paragraph's, without being spoken.
    static func addTable(_ table: (text: String, subject: String?), to sections: inout [DocumentSection],
                         current: inout DocumentSection) {
        guard let subject = table.subject else {
            current.text += table.text
            return
        }
        sections.append(current)
        sections.append(DocumentSection(heading: tableHeading(current.heading, subject), text: table.text))
        current = DocumentSection(heading: current.heading, text: "")
    }

    static func tableHeading(_ heading: String?, _ subject: String) -> String {
        heading.map { "\($0) – \(subject)" } ?? subject
    }

    static func markdownHeading(_ line: String) -> (level: Int, text: String)? {
        let hashes = line.prefix { $0 == "#" }.count
        guard (1...6).contains(hashes), line.dropFirst(hashes).first == " " else { return nil }
        let text = stripInlineMarkdown(String(line.dropFirst(hashes)).trimmingCharacters(in: .whitespaces))
        return text.isEmpty ? nil : (hashes, text)
    }

    /// What a list item is about, for the items nested under it: its bold opening ("**Dr Priya Nandakumar** –
    /// …"), its words before a dash or a colon when that is a short name, or else the whole item when it is short
    /// ("Marina office (all year)"). A dash in brackets joins a range ("Summer (1 June – 31 August)"), and does not
    /// end the name.
    static func listItemLead(_ item: String) -> String? {
        if let bold = item.firstMatch(of: #/^\*\*([^*]+)\*\*/#) { return String(bold.1).trimmingCharacters(in: .whitespaces) }
        let separator = item.matches(of: #/\s[–—-]\s|:/#).first { match in
            let before = item[..<match.range.lowerBound]
            return before.filter { $0 == "(" }.count == before.filter { $0 == ")" }.count
        }
        let named = separator.map { stripInlineMarkdown(String(item[..<$0.range.lowerBound])) }
        // A whole item that is a sentence ("Lockers cost £1.") says something, and names nothing.
        guard named != nil || !(item.last.map { ".!?".contains($0) } ?? false) else { return nil }
        let lead = (named ?? stripInlineMarkdown(item)).trimmingCharacters(in: .whitespaces)
        guard !lead.isEmpty, Chunker.wordCount(lead) <= (named == nil ? 12 : 6) else { return nil }
        return lead
    }

    /// A list item's name without the colon of a label ("Streets:" is named "Streets").
    static func bareName(_ name: String) -> String { name.trimmingCharacters(in: CharacterSet(charactersIn: " :")) }

    /// Whether a numbered line ("4. Gift vouchers") heads the clauses numbered under it ("4.1 Vouchers are…").
    static func isNumberedHeading(_ line: String, over next: String) -> Bool {
        guard let number = line.firstMatch(of: #/^(\d{1,2})[.)]\s/#)?.1 else { return false }
        return next.hasPrefix("\(number).") && next.dropFirst(number.count + 1).first?.isNumber == true
    }

    /// A bulleted item's text, or a numbered one's as "3) text" (a number and full stop would end a sentence).
    static func listItem(_ line: String) -> String? {
        for marker in ["- ", "* ", "+ "] where line.hasPrefix(marker) { return String(line.dropFirst(2)) }
        if let match = line.wholeMatch(of: #/(\d{1,3})[.)]\s+(.+)/#) { return "\(match.1)) \(match.2)" }
        return nil
    }

    /// A pipe table as one sentence per cell (``TableText``); the row of dashes under the header is skipped.
    static func markdownTable(_ lines: [String]) -> (text: String, subject: String?) {
        let rows = lines.map { line in
            var cells = line.split(separator: "|", omittingEmptySubsequences: false).map {
                stripInlineMarkdown($0.trimmingCharacters(in: .whitespaces))
            }
            if cells.first?.isEmpty == true { cells.removeFirst() }
            if cells.last?.isEmpty == true { cells.removeLast() }
            return cells.map { TableText.Cell(text: $0) }
        }
        let isRule = { (row: [TableText.Cell]) in row.allSatisfy { $0.text.allSatisfy { "-: ".contains($0) } } }
        guard rows.count >= 2, isRule(rows[1]) else {
            return ("\n" + TableText.sentences(header: nil, rows: rows.filter { !isRule($0) }) + "\n", nil)
        }
        return ("\n" + TableText.sentences(header: rows[0].map(\.text), rows: Array(rows.dropFirst(2))) + "\n",
                TableText.subject(rows[0].map(\.text)))
    }

    static func stripInlineMarkdown(_ line: String) -> String {
        var text = line
        // List markers and quotes carry no words.
        for prefix in ["- ", "* ", "+ ", "> "] where text.hasPrefix(prefix) { text.removeFirst(prefix.count) }
        // [label](url) and ![alt](url) → label / alt.
        text = text.replacingOccurrences(of: #"!?\[([^\]]*)\]\([^)]*\)"#, with: "$1", options: .regularExpression)
        // A sentence that starts with code ("… depends on. `docker compose up` starts …") starts in lower case once
        // the backticks are gone; a paragraph break keeps the sentence boundary.
        text = text.replacingOccurrences(of: #"([.!?])\s+`"#, with: "$1\n\n`", options: .regularExpression)
        text = text.replacingOccurrences(of: #"(\*\*|__|\*|`)"#, with: "", options: .regularExpression)
        return text
    }

    /// Sections split at `<h1>`–`<h6>`; scripts, styles and navigation are dropped, entities decoded.
    static func html(_ string: String) -> DocumentText {
        // U+0001 to U+0004 mark headings and tables below; a page's own are dropped.
        var source = string.replacingOccurrences(of: #"[\x{1}-\x{4}]"#, with: "", options: .regularExpression)
        source = source.replacingOccurrences(of: #"(?is)<(script|style|nav|head|noscript|template)\b.*?</\1\s*>"#, with: " ",
                                             options: .regularExpression)
        let title = string.firstMatch(of: #/(?is)<title[^>]*>(.*?)</title>/#).map { decodeEntities(String($0.1)) }
        // A subscript is part of its word ("CO<sub>2</sub>"); a superscript may be a footnote's number ("permit<sup>1
        // </sup>"), a word apart.
        source = source.replacingOccurrences(of: #"(?i)</?sub\b[^>]*>"#, with: "", options: .regularExpression)
        // A table becomes one sentence per cell, before its tags are gone (``TableText``).
        // A table with a subject heads a section of its own (``addTable``): marked as a heading that starts with
        // U+0003, and the section's own heading is taken up again after it (U+0004).
        // The table's text goes back into the page escaped, as it came: a decoded "<" in a cell would read as a tag.
        source = source.replacing(#/(?is)<table\b[^>]*>(.*?)</table\s*>/#) { match in
            let table = htmlTable(String(match.1))
            let text = escapeMarkup(table.text)
            guard let subject = table.subject else { return "\n\n" + text + "\n\n" }
            return "\u{1}\u{3}\(escapeMarkup(subject))\u{2}\n\n" + text + "\n\n\u{1}\u{4}\u{2}"
        }
        // Mark headings and block ends so structure survives tag stripping. An FAQ's question heads its answer,
        // whether a definition list's `<dt>` or an accordion's `<summary>` (`<details>`).
        source = source.replacingOccurrences(of: #"(?is)<(h[1-6]|dt|summary)\b[^>]*>(.*?)</\1\s*>"#, with: "\u{1}$2\u{2}",
                                             options: .regularExpression)
        source = source.replacingOccurrences(of: #"(?i)</?(p|div|br|li|dd|dl|tr|section|article|ul|ol|blockquote|details)\b[^>]*>"#,
                                             with: "\n\n", options: .regularExpression)
        source = source.replacingOccurrences(of: #"(?s)<[^>]*>"#, with: " ", options: .regularExpression)
        var sections: [DocumentSection] = []
        var firstHeading: String?
        var outer: String?
        for (index, part) in source.split(separator: "\u{1}", omittingEmptySubsequences: false).enumerated() {
            let pieces = part.split(separator: "\u{2}", maxSplits: 1, omittingEmptySubsequences: false)
            var heading = index == 0 || pieces.count < 2 ? nil : collapseSpaces(decodeEntities(String(pieces[0])))
            if let marked = heading, marked.hasPrefix("\u{3}") {
                heading = tableHeading(outer, String(marked.dropFirst()))
            } else if heading == "\u{4}" {
                heading = outer
            } else {
                outer = heading
                if firstHeading == nil, let heading { firstHeading = heading }
            }
            let body = decodeEntities(String(pieces.count < 2 ? part : pieces[1]))
            let text = body.split(separator: "\n", omittingEmptySubsequences: false).map { collapseSpaces(String($0)) }
                .joined(separator: "\n")
            if !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                sections.append(DocumentSection(heading: heading, text: text))
            }
        }
        return DocumentText(title: title.map(collapseSpaces) ?? firstHeading, sections: sections)
    }

    /// The rows of an HTML table's inner markup: header cells (`<th>`) of the first row name the columns, and
    /// each row's first cell names the row. A cell spanning columns (`colspan`) belongs to none of them; a cell
    /// spanning rows (`rowspan`, a group's name beside its rows, a note for them all) is in each of its rows, so
    /// the cells after it stay under their own columns.
    static func htmlTable(_ inner: String) -> (text: String, subject: String?) {
        var header: [String]?
        var rows: [[TableText.Cell]] = []
        // Cells of rows above that span down: by column, the cell and how many more rows it covers.
        var spanningDown: [Int: (cell: TableText.Cell, rows: Int)] = [:]
        for row in inner.matches(of: #/(?is)<tr\b[^>]*>(.*?)</tr\s*>/#) {
            let cells = row.1.matches(of: #/(?is)<(th|td)\b([^>]*)>(.*?)</(?:th|td)\s*>/#).map { cell in
                let text = collapseSpaces(decodeEntities(String(cell.3).replacingOccurrences(of: #"(?s)<[^>]*>"#, with: " ",
                                                                                          options: .regularExpression)))
                let span = cell.2.firstMatch(of: #/(?i)colspan\s*=\s*"?(\d+)/#).flatMap { Int($0.1) } ?? 1
                let down = cell.2.firstMatch(of: #/(?i)rowspan\s*=\s*"?(\d+)/#).flatMap { Int($0.1) } ?? 1
                return (isHeader: cell.1.lowercased() == "th", cell: TableText.Cell(text: text, span: span), down: down)
            }
            guard !cells.isEmpty else { continue }
            if header == nil, rows.isEmpty, cells.allSatisfy(\.isHeader) {
                header = cells.flatMap { Array(repeating: $0.cell.text, count: $0.cell.span) }
                continue
            }
            var placed: [TableText.Cell] = []
            var column = 0
            var startsDown: [Int: (cell: TableText.Cell, rows: Int)] = [:]
            func placeSpanningDown() {
                while let above = spanningDown[column] {
                    placed.append(above.cell)
                    spanningDown[column] = above.rows > 1 ? (above.cell, above.rows - 1) : nil
                    column += above.cell.span
                }
            }
            for cell in cells {
                placeSpanningDown()
                placed.append(cell.cell)
                if cell.down > 1 { startsDown[column] = (cell.cell, cell.down - 1) }
                column += cell.cell.span
            }
            placeSpanningDown()
            spanningDown.merge(startsDown) { $1 }
            rows.append(placed)
        }
        return (TableText.sentences(header: header, rows: rows), header.flatMap(TableText.subject))
    }

    static func escapeMarkup(_ text: String) -> String {
        text.replacing("&", with: "&amp;").replacing("<", with: "&lt;").replacing(">", with: "&gt;")
    }

    static func collapseSpaces(_ text: String) -> String {
        text.replacingOccurrences(of: #"[ \t\r\x{A0}]+"#, with: " ", options: .regularExpression).trimmingCharacters(in: .whitespaces)
    }

    /// HTML 4's named entities of Latin-1 and of punctuation (and XML's "apos"): what a page writes for a footnote
    /// mark ("&dagger;"), an accented name ("Caf&eacute;") or a fraction. Names are case-sensitive ("&Dagger;" is ‡).
    static let namedEntities: [String: String] = [
        "quot": "\"", "apos": "'", "amp": "&", "lt": "<", "gt": ">", "nbsp": " ", "iexcl": "¡", "cent": "¢", "pound": "£",
        "curren": "¤", "yen": "¥", "brvbar": "¦", "sect": "§", "uml": "¨", "copy": "©", "ordf": "ª", "laquo": "«",
        "not": "¬", "shy": "", "reg": "®", "macr": "¯", "deg": "°", "plusmn": "±", "sup2": "²", "sup3": "³",
        "acute": "´", "micro": "µ", "para": "¶", "middot": "·", "cedil": "¸", "sup1": "¹", "ordm": "º", "raquo": "»",
        "frac14": "¼", "frac12": "½", "frac34": "¾", "iquest": "¿", "Agrave": "À", "Aacute": "Á", "Acirc": "Â",
        "Atilde": "Ã", "Auml": "Ä", "Aring": "Å", "AElig": "Æ", "Ccedil": "Ç", "Egrave": "È", "Eacute": "É",
        "Ecirc": "Ê", "Euml": "Ë", "Igrave": "Ì", "Iacute": "Í", "Icirc": "Î", "Iuml": "Ï", "ETH": "Ð", "Ntilde": "Ñ",
        "Ograve": "Ò", "Oacute": "Ó", "Ocirc": "Ô", "Otilde": "Õ", "Ouml": "Ö", "times": "×", "Oslash": "Ø",
        "Ugrave": "Ù", "Uacute": "Ú", "Ucirc": "Û", "Uuml": "Ü", "Yacute": "Ý", "THORN": "Þ", "szlig": "ß",
        "agrave": "à", "aacute": "á", "acirc": "â", "atilde": "ã", "auml": "ä", "aring": "å", "aelig": "æ",
        "ccedil": "ç", "egrave": "è", "eacute": "é", "ecirc": "ê", "euml": "ë", "igrave": "ì", "iacute": "í",
        "icirc": "î", "iuml": "ï", "eth": "ð", "ntilde": "ñ", "ograve": "ò", "oacute": "ó", "ocirc": "ô",
        "otilde": "õ", "ouml": "ö", "divide": "÷", "oslash": "ø", "ugrave": "ù", "uacute": "ú", "ucirc": "û",
        "uuml": "ü", "yacute": "ý", "thorn": "þ", "yuml": "ÿ", "OElig": "Œ", "oelig": "œ", "Scaron": "Š",
        "scaron": "š", "Yuml": "Ÿ", "fnof": "ƒ", "circ": "ˆ", "tilde": "˜", "ensp": " ", "emsp": " ", "thinsp": " ",
        "zwnj": "", "zwj": "", "lrm": "", "rlm": "", "ndash": "–", "mdash": "—", "lsquo": "‘", "rsquo": "’",
        "sbquo": "‚", "ldquo": "“", "rdquo": "”", "bdquo": "„", "dagger": "†", "Dagger": "‡", "bull": "•",
        "hellip": "…", "permil": "‰", "prime": "′", "Prime": "″", "lsaquo": "‹", "rsaquo": "›", "oline": "‾",
        "frasl": "⁄", "euro": "€", "trade": "™", "larr": "←", "uarr": "↑", "rarr": "→", "darr": "↓", "minus": "−",
    ]

    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        return text.replacing(#/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z][a-zA-Z0-9]*);/#) { match -> String in
            let name = String(match.1)
            if name.hasPrefix("#x") || name.hasPrefix("#X") {
                return UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String(Character($0)) } ?? String(match.0)
            }
            if name.hasPrefix("#") {
                return UInt32(name.dropFirst()).flatMap(Unicode.Scalar.init).map { String(Character($0)) } ?? String(match.0)
            }
            return namedEntities[name] ?? namedEntities[name.lowercased()] ?? String(match.0)
        }
    }
}

/// PDF text through poppler's `pdftotext`, when it is installed.
enum PDFText {
    static let candidates = ["/usr/bin/pdftotext", "/usr/local/bin/pdftotext", "/opt/homebrew/bin/pdftotext"]

    static var executable: String? { candidates.first { FileManager.default.isExecutableFile(atPath: $0) } }

    static func extract(_ data: Data) throws(APIError) -> String {
        guard let executable else {
            throw .unsupportedMediaType("PDF ingestion needs poppler's pdftotext (apt-get install poppler-utils)")
        }
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-\(UUID().uuidString).pdf")
        defer { try? FileManager.default.removeItem(at: input) }
        do {
            try data.write(to: input)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = ["-q", "-enc", "UTF-8", input.path, "-"]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            let bytes = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0, let text = String(data: bytes, encoding: .utf8) else {
                throw APIError.badRequest("invalid_pdf", "the PDF could not be read")
            }
            return text
        } catch let error as APIError {
            throw error
        } catch {
            throw .badRequest("invalid_pdf", "the PDF could not be read")
        }
    }
}

/// A table as pdftotext writes one: each cell a paragraph of one line, row after row, the columns' names first
/// ("Peak", "Off-peak", "Member"), then each row's name and its values ("Adult (16+)", "£13.50", "£11.00", "Free"),
/// often after a line naming the table ("DAY ENTRY"). Read a cell a paragraph, each value was a sentence without
/// its row or column; read back as a table, "Adult (16+), Off-peak: £11.00." says both.
enum CellTable {
    struct Table {
        /// The table's name (or "") and the columns' names.
        var header: [String]
        var rows: [[String]]
    }

    enum Block {
        case paragraph(String)
        case table(Table)
    }

    /// `paragraphs` with each run of one-line cells that lays out a table read as that table.
    static func blocks(_ paragraphs: [String]) -> [Block] {
        var blocks: [Block] = []
        var run: [String] = []
        func flush() {
            var start = 0
            while start < run.count {
                if let (table, range) = firstTable(in: run, from: start) {
                    blocks += run[start..<range.lowerBound].map(Block.paragraph)
                    blocks.append(.table(table))
                    start = range.upperBound
                } else {
                    blocks += run[start...].map(Block.paragraph)
                    start = run.count
                }
            }
            run = []
        }
        for paragraph in paragraphs {
            let lines = DocumentText.lines(of: paragraph)
            if lines.isEmpty { continue }
            if lines.count == 1, isCell(lines[0]) {
                run.append(lines[0])
            } else {
                flush()
                blocks.append(.paragraph(paragraph))
            }
        }
        flush()
        return blocks
    }

    /// The first table laid out in `cells` from `start`, and the cells it takes (its name's included): the columns'
    /// names are the cells before the first value but the one just before it, which names the first row; then each
    /// row is a name and a cell for each column, at least one of them a value, and the cell after it a name again
    /// (rows stay in step: a row of names only, or a page footer among them, ends the table). Of the ways to split
    /// the names off, at most ``maxColumns``, the one that reads the most cells as rows, at least two; of equals, the
    /// one with fewer columns.
    static func firstTable(in cells: [String], from start: Int) -> (Table, Range<Int>)? {
        var position = start
        while let first = cells[position...].firstIndex(where: isValue) {
            var best: (table: Table, range: Range<Int>)?
            // The columns' names run up to the first row's name; where they start is tried from the nearest.
            for headerStart in stride(from: first - 2, through: max(position, first - 1 - maxColumns), by: -1) {
                let header = Array(cells[headerStart..<(first - 1)])
                let width = header.count + 1
                var rows: [[String]] = []
                var next = first - 1
                while next + width <= cells.count {
                    let row = Array(cells[next..<(next + width)])
                    guard !isValue(row[0]), row.dropFirst().contains(where: isValue),
                          next + width == cells.count || !isValue(cells[next + width]) else { break }
                    rows.append(row)
                    next += width
                }
                guard rows.count >= 2, next > (best?.range.upperBound ?? 0) else { continue }
                // The line before the columns' names names the table, when it names rather than states.
                let name = headerStart > position && DocumentText.isTitleLine(cells[headerStart - 1]) ? headerStart - 1 : nil
                best = (Table(header: [name.map { cells[$0] } ?? ""] + header, rows: rows), (name ?? headerStart)..<next)
            }
            if let best { return best }
            position = first + 1
        }
        return nil
    }

    /// The most columns a table is read with.
    static let maxColumns = 8

    /// A paragraph that may be a table's cell: one short line that ends no sentence or clause and is no list item.
    static func isCell(_ line: String) -> Bool {
        Chunker.wordCount(line) <= 8 && !DocumentText.clauseEnds.contains(line.last ?? ".") && DocumentText.listItem(line) == nil
    }

    /// A cell that holds a value rather than a name: a price, a number with at most a unit after it ("45 minutes",
    /// "9am–5pm", "07:00–09:00, 18:00–22:00"), or a mark that stands for one ("Free", "–", "✓").
    static func isValue(_ cell: String) -> Bool {
        if cell.contains(where: { "£$€¥".contains($0) }) || valueWords.contains(cell.lowercased()) { return true }
        guard cell.first?.isNumber == true else { return false }
        return cell.filter(\.isLetter).count <= 8
    }

    static let valueWords = TableText.emptyCells.union(["free", "n/a", "yes", "no", "included", "none", "✓", "✔", "✗", "✘"])
}

/// A table as sentences a listener can take one at a time: each cell with its row's name and its column's header,
/// "Single swim, Child (5-15): $3.20.", so that retrieval finds the cell by both and the answer is one sentence,
/// never the table. Cells are paragraphs of their own; full stops inside a cell become semicolons so that its
/// sentence keeps its names.
enum TableText {
    struct Cell {
        var text: String
        var span = 1
    }

    /// What the rows are, from the first column's header ("Ticket", "Problem"), if it has one.
    static func subject(_ header: [String]) -> String? {
        guard let first = header.first.map(clause), first.contains(where: \.isLetter) else { return nil }
        return first
    }

    /// The most leading columns that may together name a row.
    static let maxKeyColumns = 3

    /// How many leading columns name a row: the first alone, unless rows repeat it (a timetable's route, once per
    /// day range); then as many as make every row's name its own ("F1 Gull Island, Days: Saturday"), so that a
    /// cell's sentence says which row it is of.
    static func keyColumns(_ rows: [[Cell]]) -> Int {
        // Rows without a name are skipped when written, so they do not count here either.
        let rows = rows.filter { $0.count >= 2 && $0.allSatisfy { $0.span == 1 } && !($0.first?.text.isEmpty ?? true) }
        guard let shortest = rows.map(\.count).min() else { return 1 }
        for count in 1..<min(maxKeyColumns + 1, shortest) {
            let names = rows.map { $0.prefix(count).map(\.text) }
            if Set(names).count == names.count { return count }
        }
        return 1
    }

    /// Whether the column after the row names lists what each row covers ("Zone 2 | Northfield, Brackley Park"):
    /// every cell a list of capitalised names with no number, most of more than one. A question names one of those
    /// ("the bins in Brackley Park"), so they join the row's name and every cell's sentence says them.
    static func listsNames(_ rows: [[Cell]], column: Int) -> Bool {
        let cells = rows.compactMap { $0.count > column + 1 && $0.allSatisfy { $0.span == 1 } ? $0[column].text : nil }
        guard cells.count >= 2, cells.allSatisfy({ cell in
            let names = cell.split(whereSeparator: { ",:".contains($0) }).map { $0.trimmingCharacters(in: .whitespaces) }
            return !cell.contains(where: \.isNumber) && names.allSatisfy { $0.first?.isUppercase == true }
        }) else { return false }
        return cells.filter { $0.contains(",") }.count * 2 > cells.count
    }

    static func sentences(header: [String]?, rows: [[Cell]]) -> String {
        let rows = resolvingDittos(rows)
        var key = keyColumns(rows)
        if key < maxKeyColumns, listsNames(rows, column: key) { key += 1 }
        var sentences: [String] = []
        for row in rows {
            guard var name = row.first?.text, !name.isEmpty else { continue }
            var values = row.dropFirst()
            if values.isEmpty {
                sentences.append(clause(name))
                continue
            }
            var column = row.first?.span ?? 1
            // The other key cells join the name, with their headers; they are no sentences of their own.
            while column < key, let cell = values.first, cell.span == 1, values.count > 1 {
                let value = clause(cell.text)
                if value.isEmpty || emptyCells.contains(value) {
                    // An empty key cell names nothing.
                } else if let header, column < header.count, !header[column].isEmpty {
                    name += ", \(header[column]): \(value)"
                } else {
                    name += ", \(value)"
                }
                values = values.dropFirst()
                column += 1
            }
            for cell in values {
                defer { column += cell.span }
                let value = clause(cell.text)
                guard !value.isEmpty, !emptyCells.contains(value) else { continue }
                if cell.span == 1, let header, column < header.count, !header[column].isEmpty {
                    sentences.append("\(name), \(header[column]): \(value)")
                } else {
                    sentences.append("\(name): \(value)")
                }
            }
        }
        return sentences.map { $0.hasSuffix(".") ? $0 : $0 + "." }.joined(separator: "\n\n")
    }

    /// Cells that repeat another ("as above", "ditto", "〃", "same as Sunday") hold its value: said alone, "Bank
    /// holidays, Opening hours: as Sunday" answers nothing. "As above" is the cell above in the same column; "as
    /// Sunday" the cell in the same column of the row named Sunday. Only rows without spanning cells, whose columns
    /// line up; a reference to nothing stays as written.
    static func resolvingDittos(_ rows: [[Cell]]) -> [[Cell]] {
        var rows = rows
        for index in rows.indices where rows[index].allSatisfy({ $0.span == 1 }) {
            for column in rows[index].indices.dropFirst() {
                let said = clause(rows[index][column].text).lowercased()
                let source: Int?
                if dittoMarks.contains(said) {
                    source = index > 0 ? index - 1 : nil
                } else if let match = said.wholeMatch(of: #/(?:same )?as (?:on |for |the )?(.+)/#) {
                    let named = String(match.1)
                    source = rows.indices.first { $0 != index && rows[$0].first.map { clause($0.text).lowercased() } == named }
                } else {
                    continue
                }
                if let source, rows[source].count == rows[index].count, rows[source].allSatisfy({ $0.span == 1 }) {
                    rows[index][column].text = rows[source][column].text
                }
            }
        }
        return rows
    }

    static let dittoMarks: Set<String> = ["as above", "same as above", "ditto", "〃", "\""]

    /// What a cell holds where it has nothing to say: a dash.
    static let emptyCells: Set<String> = ["-", "–", "—"]

    /// A cell's text as one clause: its own sentence ends become semicolons.
    static func clause(_ text: String) -> String {
        var text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        while text.hasSuffix(".") { text.removeLast() }
        return saidMarks(text).replacingOccurrences(of: #"([.!?])\s+"#, with: "; ", options: .regularExpression)
    }

    /// Check marks and crosses, the way a comparison table says "included" and "not included", as the words a
    /// listener hears and a yes-or-no question is answered by: "✓ Up to 3" is "Yes, Up to 3"; a cross is "No".
    static func saidMarks(_ text: String) -> String {
        // An emoji's presentation selector (U+FE0F) is part of the mark: "✔️" is "✔" drawn in colour.
        guard let mark = text.unicodeScalars.first, let word = marks[mark] else { return text }
        let rest = String(text.unicodeScalars.dropFirst().drop { $0 == "\u{FE0F}" }).trimmingCharacters(in: .whitespaces)
        return rest.isEmpty ? word : word + ", " + rest
    }

    static let marks: [Unicode.Scalar: String] = ["✓": "Yes", "✔": "Yes", "☑": "Yes", "✅": "Yes",
                                                  "✗": "No", "✘": "No", "✕": "No", "✖": "No", "❌": "No"]
}
