public import Foundation

/// RIFF/WAVE encoding of 16-bit PCM mono samples.
public enum WAVFile {
    public static func encode(_ samples: [Int16], sampleRate: Int) -> Data {
        let dataBytes = samples.count * 2
        var data = Data(capacity: 44 + dataBytes)
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: Array("RIFF".utf8)); append(UInt32(36 + dataBytes))
        data.append(contentsOf: Array("WAVE".utf8))
        data.append(contentsOf: Array("fmt ".utf8)); append(UInt32(16))
        append(UInt16(1)); append(UInt16(1))                     // PCM, mono
        append(UInt32(sampleRate)); append(UInt32(sampleRate * 2))  // byte rate
        append(UInt16(2)); append(UInt16(16))                    // block align, bits
        data.append(contentsOf: Array("data".utf8)); append(UInt32(dataBytes))
        // Int16 is little-endian on every platform this runs on (x86_64, arm64).
        samples.withUnsafeBytes { data.append(contentsOf: $0) }
        return data
    }
}
