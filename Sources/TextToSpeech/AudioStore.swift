public import Foundation
import HTTPTypes
import VoiceCore

/// The shared audio folder (gateway ↔ TTS). Names are random and never come from user input; anything
/// that does not look like one of ours is refused, which closes path traversal at the door.
public struct AudioStore: Sendable {
    public var directory: URL
    /// Files older than this are deleted by ``sweep(now:)``.
    public var maxAge: Duration
    /// The folder is trimmed, oldest first, to stay under this many bytes.
    public var byteBudget: Int64

    public init(directory: URL, maxAge: Duration = .seconds(3600), byteBudget: Int64 = 512 << 20) {
        self.directory = directory
        self.maxAge = maxAge
        self.byteBudget = byteBudget
    }

    /// 128 random bits, hex: unguessable, and a fixed shape that ``isOurName(_:)`` can check.
    public static func newName() -> String {
        var generator = SystemRandomNumberGenerator()
        let bits = (0..<2).map { _ in String(generator.next() as UInt64, radix: 16) }
            .map { String(repeating: "0", count: 16 - $0.count) + $0 }
        return "tts-\(bits.joined()).wav"
    }

    public static func isOurName(_ name: String) -> Bool {
        name.utf8.count == 40 && name.hasPrefix("tts-") && name.hasSuffix(".wav")
            && name.dropFirst(4).dropLast(4).allSatisfy { $0.isHexDigit && ($0.isNumber || $0.isLowercase) }
    }

    /// Writes atomically, so a reader never sees half a file. A full disk is 507 `storage_full`, which the gateway
    /// reports as the TTS stage being unavailable; what is stored already stays, and the retention sweep frees room.
    public func store(_ wav: Data, name: String = AudioStore.newName()) throws -> URL {
        let url = directory.appendingPathComponent(name)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try wav.write(to: url, options: .atomic)
        } catch where Self.isOutOfSpace(error) {
            throw APIError(HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage"), code: "storage_full",
                           message: "the audio folder is full")
        }
        return url
    }

    static func isOutOfSpace(_ error: any Error) -> Bool {
        let error = error as NSError
        if error.domain == NSCocoaErrorDomain && error.code == CocoaError.fileWriteOutOfSpace.rawValue { return true }
        if error.domain == NSPOSIXErrorDomain && [ENOSPC, EDQUOT].contains(Int32(error.code)) { return true }
        return (error.userInfo[NSUnderlyingErrorKey] as? NSError).map(isOutOfSpace) ?? false
    }

    /// Our WAVs (one 44-byte header, the same format) one after another as a new file: a streamed answer's
    /// sentences as the answer's one recording.
    public func join(_ names: [String]) throws -> (filename: String, bytes: Int) {
        var samples = Data()
        var sampleRate = 22_050
        for name in names {
            let part = try pcm(named: name)
            sampleRate = part.sampleRate
            samples.append(part.pcm)
        }
        let wav = WAVFile.encode(pcm: samples, sampleRate: sampleRate)
        return (try store(wav).lastPathComponent, wav.count)
    }

    /// One of our WAVs' 16-bit samples (after its 44-byte header) and sample rate.
    public func pcm(named name: String) throws -> (pcm: Data, sampleRate: Int) {
        guard let url = file(named: name) else { throw CocoaError(.fileNoSuchFile) }
        let wav = try Data(contentsOf: url)
        guard wav.count >= 44 else { throw CocoaError(.fileReadCorruptFile) }
        return (wav.dropFirst(44), Int(wav[24..<28].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }.littleEndian))
    }

    /// The file for a name we issued, or nil for anything else (including `..`, `/`, NUL, absolute paths).
    public func file(named name: String) -> URL? {
        guard Self.isOurName(name) else { return nil }
        let url = directory.appendingPathComponent(name)
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// Deletes expired files, then the oldest until the folder fits its budget. Returns the names deleted.
    @discardableResult
    public func sweep(now: Date = Date()) -> [String] {
        let keys: [URLResourceKey] = [.contentModificationDateKey, .fileSizeKey]
        guard let urls = try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: keys) else {
            return []
        }
        var files = urls.filter { Self.isOurName($0.lastPathComponent) }.compactMap { url -> (URL, Date, Int64)? in
            guard let values = try? url.resourceValues(forKeys: Set(keys)), let date = values.contentModificationDate else {
                return nil
            }
            return (url, date, Int64(values.fileSize ?? 0))
        }.sorted { $0.1 < $1.1 }
        let cutoff = now.addingTimeInterval(-Double(maxAge.components.seconds))
        var deleted: [String] = []
        var total = files.reduce(0) { $0 + $1.2 }
        while let oldest = files.first, oldest.1 < cutoff || total > byteBudget {
            try? FileManager.default.removeItem(at: oldest.0)
            deleted.append(oldest.0.lastPathComponent)
            total -= oldest.2
            files.removeFirst()
        }
        return deleted
    }
}
