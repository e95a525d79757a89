import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Ports on 127.0.0.1 for child processes (Chroma, llama-server, `voice` services in tests) and test listeners.
public enum LoopbackPort {
    public struct Unavailable: Error, CustomStringConvertible {
        public let description = "no free TCP port on 127.0.0.1"
    }

    /// A port the kernel just handed out, released again for the child to bind.
    public static func free() throws -> Int {
        let (fd, port) = try bind()
        close(fd)
        return port
    }

    /// A TCP socket bound to 127.0.0.1 on a port the kernel picks, listening when `backlog` is given.
    public static func bind(listening backlog: Int32? = nil) throws -> (socket: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Unavailable() }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                Glibc.bind(fd, pointer, length) == 0 && (backlog.map { listen(fd, $0) == 0 } ?? true)
                    && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw Unavailable()
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }
}
