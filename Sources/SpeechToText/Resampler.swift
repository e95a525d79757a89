import Foundation

/// Converts mono audio to Whisper's 16 kHz with a windowed-sinc low-pass, so 44.1/48 kHz microphones
/// do not alias into the speech band.
public enum Resampler {
    public static let whisperRate = 16_000

    public static func resample(_ input: [Float], from sourceRate: Int, to targetRate: Int = whisperRate) -> [Float] {
        guard sourceRate != targetRate, !input.isEmpty else { return input }
        let ratio = Double(targetRate) / Double(sourceRate)
        let cutoff = min(1, ratio) * 0.95
        let halfWidth = 16
        let outputCount = Int((Double(input.count) * ratio).rounded(.down))
        var output = [Float](repeating: 0, count: outputCount)
        let scale = Double(cutoff)
        input.withUnsafeBufferPointer { source in
            for index in 0..<outputCount {
                let center = Double(index) / ratio
                let first = max(0, Int(center) - Int(Double(halfWidth) / scale))
                let last = min(source.count - 1, Int(center) + Int(Double(halfWidth) / scale))
                var sum = 0.0
                var weights = 0.0
                for tap in first...last {
                    let x = (Double(tap) - center) * scale
                    let sinc = x == 0 ? 1 : sin(Double.pi * x) / (Double.pi * x)
                    let window = 0.5 + 0.5 * cos(Double.pi * x / Double(halfWidth))
                    let weight = abs(x) < Double(halfWidth) ? sinc * window : 0
                    sum += weight * Double(source[tap])
                    weights += weight
                }
                output[index] = weights != 0 ? Float(sum / weights) : 0
            }
        }
        return output
    }
}

