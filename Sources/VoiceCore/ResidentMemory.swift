public import Foundation

/// This process's resident set size, from Linux's /proc: what `voice doctor` and the benches report as the
/// memory the loaded stack holds. Nil where /proc is absent.
public enum ResidentMemory {
    public static func bytes(ofProcess pid: Int32? = nil) -> Int? {
        let path = "/proc/\(pid.map(String.init) ?? "self")/status"
        guard let status = try? String(contentsOfFile: path, encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return nil }
        return kilobytes * 1024
    }
}
