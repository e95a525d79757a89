import Synchronization

/// Exact cosine search over an in-memory copy of the database's vectors: one contiguous row-major matrix,
/// scanned with 16-lane SIMD dot products and a partial top-k. At 100k chunks × 384 dimensions the scan reads
/// 150 MB, which is memory bandwidth, not arithmetic; no approximate index is needed at this scale.
public final class EmbeddedVectorIndex: VectorIndex {
    public let dimensions: Int
    private let state: Mutex<Matrix>

    struct Matrix {
        var values: [Float] = []
        var ids: [String] = []
        var rows: [String: Int] = [:]
    }

    public init(dimensions: Int) {
        self.dimensions = dimensions
        state = Mutex(Matrix())
    }

    public var backend: String { "embedded" }

    public func upsert(_ records: [VectorRecord]) {
        state.withLock { matrix in
            matrix.values.reserveCapacity(matrix.values.count + records.count * dimensions)
            for record in records {
                precondition(record.vector.count == dimensions, "vector of \(record.vector.count) dimensions, index has \(dimensions)")
                if let row = matrix.rows[record.id] {
                    matrix.values.replaceSubrange(row * dimensions..<(row + 1) * dimensions, with: record.vector)
                } else {
                    matrix.rows[record.id] = matrix.ids.count
                    matrix.ids.append(record.id)
                    matrix.values.append(contentsOf: record.vector)
                }
            }
        }
    }

    /// Removes rows by moving the last row into each hole, so the matrix stays contiguous.
    public func delete(ids: [String]) {
        state.withLock { matrix in
            for id in ids {
                guard let row = matrix.rows.removeValue(forKey: id) else { continue }
                let last = matrix.ids.count - 1
                if row != last {
                    let moved = matrix.ids[last]
                    for column in 0..<dimensions {
                        matrix.values[row * dimensions + column] = matrix.values[last * dimensions + column]
                    }
                    matrix.ids[row] = moved
                    matrix.rows[moved] = row
                }
                matrix.ids.removeLast()
                matrix.values.removeLast(dimensions)
            }
        }
    }

    public func search(_ query: [Float], limit: Int) -> [VectorMatch] {
        guard query.count == dimensions else { return [] }
        return state.withLock { matrix in
            var best = TopK<Int>(limit: limit)
            let rowCount = matrix.ids.count
            query.withUnsafeBufferPointer { q in
                matrix.values.withUnsafeBufferPointer { values in
                    for row in 0..<rowCount {
                        let start = values.baseAddress! + row * dimensions
                        let score = VectorMath.dot(q, UnsafeBufferPointer(start: start, count: dimensions))
                        if score > best.threshold { best.insert(row, score: score) }
                    }
                }
            }
            return best.entries.map { VectorMatch(id: matrix.ids[$0.item], similarity: $0.score) }
        }
    }

    public func ids() -> [String] {
        state.withLock { $0.ids }
    }

    public func count() -> Int {
        state.withLock { $0.ids.count }
    }
}
