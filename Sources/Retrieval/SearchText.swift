import Foundation
import VoiceCore

/// Text handling shared by question matching and full-text search.
enum SearchText {
    /// Lower case, letters and digits only, single spaces: "What is Docker?" and "what is docker" match.
    static func normalize(_ text: String) -> String {
        TextWords.words(text).joined(separator: " ")
    }

    /// The content words of `text` worth searching for, each once, at most 32.
    static func searchTerms(_ text: String) -> [String] {
        var seen = Set<String>()
        return Array(TextWords.words(text).filter { !TextWords.stopWords.contains($0) && seen.insert($0).inserted }.prefix(32))
    }

    /// An FTS5 query matching any of `terms`; nil when there is none. Each word is quoted, so nothing a user says
    /// is read as FTS5 syntax.
    static func ftsQuery(_ terms: [String]) -> String? {
        terms.isEmpty ? nil : terms.map { "\"\($0)\"" }.joined(separator: " OR ")
    }
}

/// Vectors as stored (little-endian float32 BLOBs) and compared (dot products of unit vectors).
enum VectorMath {
    static func blob(_ vector: [Float]) -> Data {
        vector.withUnsafeBufferPointer { Data(buffer: $0) }
    }

    static func vector(_ blob: Data) -> [Float] {
        blob.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    /// Dot product, 16 lanes at a time; equals cosine similarity for the unit vectors MiniLM produces.
    static func dot(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>) -> Float {
        let count = min(a.count, b.count)
        var sums = SIMD16<Float>()
        var index = 0
        let rawA = UnsafeRawPointer(a.baseAddress!)
        let rawB = UnsafeRawPointer(b.baseAddress!)
        while index + 16 <= count {
            let x = rawA.loadUnaligned(fromByteOffset: index * 4, as: SIMD16<Float>.self)
            let y = rawB.loadUnaligned(fromByteOffset: index * 4, as: SIMD16<Float>.self)
            sums += x * y
            index += 16
        }
        var total = sums.sum()
        while index < count {
            total += a[index] * b[index]
            index += 1
        }
        return total
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Float {
        guard !a.isEmpty, !b.isEmpty else { return 0 }
        return a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in dot(x, y) } }
    }
}

/// The best `limit` items seen so far, kept sorted best first; inserting costs O(limit) only when an item
/// beats the current worst, which after the first few rows is rare.
struct TopK<Item> {
    let limit: Int
    private(set) var entries: [(score: Float, item: Item)] = []

    init(limit: Int) {
        self.limit = limit
        entries.reserveCapacity(limit + 1)
    }

    /// The score an item must beat to enter.
    var threshold: Float { entries.count < limit ? -.infinity : entries[entries.count - 1].score }

    mutating func insert(_ item: Item, score: Float) {
        guard limit > 0, score > threshold else { return }
        var position = entries.count
        while position > 0 && entries[position - 1].score < score { position -= 1 }
        entries.insert((score, item), at: position)
        if entries.count > limit { entries.removeLast() }
    }
}

extension Array {
    /// The array cut into consecutive pages of at most `size` elements.
    func pages(of size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
