public import Foundation

/// RIFF/WAVE encoding of 16-bit PCM mono samples.
public enum WAVFile {
    public static func encode(_ samples: [Int16], sampleRate: Int) -> Data {
        var data = header(sampleRate: sampleRate, dataBytes: UInt32(samples.count * 2))
        // Int16 is little-endian on every platform this runs on (x86_64, arm64).
        samples.withUnsafeBytes { data.append(contentsOf: $0) }
        return data
    }

    /// 16-bit little-endian PCM bytes as they are, behind a header.
    public static func encode(pcm: Data, sampleRate: Int) -> Data {
        header(sampleRate: sampleRate, dataBytes: UInt32(pcm.count)) + pcm
    }

    /// The header of a WAV whose length is not known yet (a stream): both sizes are 0xFFFFFFFF, which players
    /// and decoders read as "until the end of the file".
    public static func streamHeader(sampleRate: Int) -> Data {
        header(sampleRate: sampleRate, dataBytes: nil)
    }

    static func header(sampleRate: Int, dataBytes: UInt32?) -> Data {
        var data = Data(capacity: 44)
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: Array("RIFF".utf8)); append(dataBytes.map { 36 + $0 } ?? .max)
        data.append(contentsOf: Array("WAVE".utf8))
        data.append(contentsOf: Array("fmt ".utf8)); append(UInt32(16))
        append(UInt16(1)); append(UInt16(1))                     // PCM, mono
        append(UInt32(sampleRate)); append(UInt32(sampleRate * 2))  // byte rate
        append(UInt16(2)); append(UInt16(16))                    // block align, bits
        data.append(contentsOf: Array("data".utf8)); append(dataBytes ?? .max)
        return data
    }
}
