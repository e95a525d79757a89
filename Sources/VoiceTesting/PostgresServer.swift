public import Foundation
import VoiceCore
#if canImport(Glibc)
import Glibc
#endif

/// A real PostgreSQL server (Debian's `postgresql`) in a scratch cluster on a free loopback port, for the tests of
/// the shared knowledge store: `initdb`, `pg_ctl start`, and stop or restart on demand. PostgreSQL refuses to run
/// as root, so as root its programs run as the `postgres` user the package creates.
public final class PostgresServer: @unchecked Sendable {
    public let port: Int
    public let directory: URL
    let binaries: URL

    /// `postgres://voice@127.0.0.1:<port>/<database>`; the scratch cluster trusts loopback connections.
    public func url(database: String = "knowledge") -> URL {
        URL(string: "postgres://voice@127.0.0.1:\(port)/\(database)")!
    }

    public static func start() async throws -> PostgresServer {
        guard let versions = try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"),
              let newest = versions.compactMap(Int.init).max() else {
            throw PostgresServerError(description: "PostgreSQL is not installed (apt-get install postgresql; scripts/setup.sh does)")
        }
        let directory = URL(fileURLWithPath: "/tmp/voice-pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let server = PostgresServer(port: try LoopbackPort.free(), directory: directory,
                                    binaries: URL(fileURLWithPath: "/usr/lib/postgresql/\(newest)/bin"))
        if getuid() == 0 { try server.run("/bin/chown", ["-R", "postgres", directory.path]) }
        try server.run("initdb", ["-D", server.data, "-U", "voice", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
        try server.startServer()
        try server.run("createdb", ["-h", "127.0.0.1", "-p", "\(server.port)", "-U", "voice", "knowledge"])
        return server
    }

    private init(port: Int, directory: URL, binaries: URL) {
        self.port = port
        self.directory = directory
        self.binaries = binaries
    }

    var data: String { directory.appendingPathComponent("data").path }

    /// Starts the server and waits until it accepts connections.
    public func startServer() throws {
        try run("pg_ctl", ["-D", data, "-l", directory.appendingPathComponent("server.log").path, "-w", "-o",
                           "-p \(port) -k \(directory.path) -c listen_addresses=127.0.0.1 -c fsync=off", "start"])
    }

    /// Stops at once, as a crash would: open transactions are lost, committed ones kept.
    public func stopServer() throws {
        try run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"])
    }

    public func stop() {
        try? stopServer()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs a program to its end, its output appended to `ctl.log`. posix_spawn and waitpid rather than Foundation's
    /// Process, whose wait never saw `runuser` end once pg_ctl had left the server running.
    func run(_ program: String, _ arguments: [String]) throws {
        let path = program.hasPrefix("/") ? program : binaries.appendingPathComponent(program).path
        let command = getuid() == 0 && !program.hasPrefix("/") ? ["/usr/sbin/runuser", "-u", "postgres", "--", path] + arguments
                                                                : [path] + arguments
        let log = directory.appendingPathComponent("ctl.log").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var argv = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, command[0], &actions, nil, &argv, environ)
        guard spawned == 0 else { throw PostgresServerError(description: "\(program) could not start (error \(spawned))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exited = status & 0x7f == 0
        guard exited && (status >> 8) & 0xff == 0 else {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw PostgresServerError(description: "\(program) failed (status \(status)): \(text.suffix(1500))")
        }
    }
}

public struct PostgresServerError: Error, CustomStringConvertible {
    public let description: String
}
