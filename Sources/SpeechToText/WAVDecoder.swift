public import Foundation

/// Decodes RIFF/WAVE audio (PCM 8/16/24/32-bit integer or 32/64-bit float, any rate, any channel count)
/// into mono float samples, so the browser widget's own uploads need no external decoder.
public enum WAVDecoder {
    public struct Audio: Sendable {
        public var samples: [Float]
        public var sampleRate: Int
        public var duration: Double { sampleRate > 0 ? Double(samples.count) / Double(sampleRate) : 0 }
    }

    public static func isWAV(_ data: Data) -> Bool {
        data.count >= 12 && data.prefix(4) == Data("RIFF".utf8) && data.dropFirst(8).prefix(4) == Data("WAVE".utf8)
    }

    public static func decode(_ data: Data) throws(AudioError) -> Audio {
        guard isWAV(data) else { throw .notAudio }
        let bytes = [UInt8](data)
        var offset = 12
        var format: (tag: Int, channels: Int, rate: Int, bits: Int)?
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
            let size = Int(readUInt32(bytes, offset + 4))
            let body = offset + 8
            if id == "fmt " {
                guard size >= 16, body + 16 <= bytes.count else { throw .truncated }
                var tag = Int(readUInt16(bytes, body))
                if tag == 0xFFFE, size >= 40, body + 26 <= bytes.count {
                    tag = Int(readUInt16(bytes, body + 24))  // WAVE_FORMAT_EXTENSIBLE: the sub-format's first two bytes
                }
                format = (tag, Int(readUInt16(bytes, body + 2)), Int(readUInt32(bytes, body + 4)), Int(readUInt16(bytes, body + 14)))
            } else if id == "data" {
                guard let format else { throw .malformed("data chunk before fmt chunk") }
                // A truncated upload still says the full size in its header: the data must be there.
                guard body + size <= bytes.count || size == 0xFFFF_FFFF else { throw .truncated }
                let end = size == 0xFFFF_FFFF ? bytes.count : body + size
                return try decodeSamples(bytes[body..<end], format: format)
            }
            offset = body + size + (size & 1)
        }
        throw format == nil ? .malformed("no fmt chunk") : .truncated
    }

    private static func decodeSamples(_ bytes: ArraySlice<UInt8>,
                                      format: (tag: Int, channels: Int, rate: Int, bits: Int)) throws(AudioError) -> Audio {
        guard format.channels > 0, format.rate >= 1000, format.rate <= 384_000 else {
            throw .malformed("\(format.channels) channels at \(format.rate) Hz")
        }
        let width = format.bits / 8
        let isFloat = format.tag == 3
        guard format.tag == 1 || isFloat else { throw .unsupported("WAV format tag \(format.tag)") }
        guard isFloat ? (width == 4 || width == 8) : (1...4).contains(width) else {
            throw .unsupported("\(format.bits)-bit \(isFloat ? "float" : "integer") WAV")
        }
        let frameBytes = width * format.channels
        let frames = bytes.count / frameBytes
        var mono = [Float](repeating: 0, count: frames)
        bytes.withUnsafeBytes { raw in
            let scale = 1 / Float(format.channels)
            for frame in 0..<frames {
                var sum: Float = 0
                for channel in 0..<format.channels {
                    let at = frame * frameBytes + channel * width
                    sum += sample(raw, at: at, width: width, isFloat: isFloat)
                }
                mono[frame] = sum * scale
            }
        }
        return Audio(samples: mono, sampleRate: format.rate)
    }

    @inline(__always)
    private static func sample(_ raw: UnsafeRawBufferPointer, at offset: Int, width: Int, isFloat: Bool) -> Float {
        if isFloat {
            return width == 4 ? raw.loadUnaligned(fromByteOffset: offset, as: Float.self)
                : Float(raw.loadUnaligned(fromByteOffset: offset, as: Double.self))
        }
        switch width {
        case 1: return (Float(raw[offset]) - 128) / 128
        case 2: return Float(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int16.self))) / 32768
        case 3:
            let value = Int32(raw[offset]) << 8 | Int32(raw[offset + 1]) << 16 | Int32(raw[offset + 2]) << 24
            return Float(value >> 8) / 8_388_608
        default: return Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int32.self))) / 2_147_483_648
        }
    }

    private static func readUInt16(_ bytes: [UInt8], _ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }
    private static func readUInt32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }
}
