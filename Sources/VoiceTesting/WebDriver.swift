import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

#if canImport(Glibc)
import Glibc
#endif

/// A JSON value as WebDriver exchanges it: script arguments and results.
public enum JSONValue: Codable, Sendable, Equatable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { object[key] } else { nil }
    }
    public var string: String? { if case .string(let value) = self { value } else { nil } }
    public var number: Double? { if case .number(let value) = self { value } else { nil } }
    public var bool: Bool? { if case .bool(let value) = self { value } else { nil } }
    public var array: [JSONValue]? { if case .array(let value) = self { value } else { nil } }
}

public struct WebDriverError: Error, CustomStringConvertible {
    public let error: String
    public let message: String
    public var description: String { "WebDriver \(error): \(message)" }
}

/// A port nobody listens on right now, for servers started by tests and for "nothing is listening" checks.
public func freeLoopbackPort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw POSIXError(.EMFILE) }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
    }
    guard bound else { throw POSIXError(.EADDRINUSE) }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Debian's chromedriver driving headless Chromium through the W3C WebDriver protocol (JSON over HTTP).
/// One driver process per browser, ended by `quit()`.
public final class ChromeDriver: Sendable {
    public static let chromium = URL(fileURLWithPath: "/usr/bin/chromium")
    public static let chromedriver = URL(fileURLWithPath: "/usr/bin/chromedriver")
    /// Headless and sandbox-free (tests run as root); the viewport is fixed so screenshots compare.
    public static let baseArguments = [
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1000,900",
        "--autoplay-policy=no-user-gesture-required", "--no-first-run", "--mute-audio",
    ]

    /// A fake microphone that grants permission and plays `wav` once, then silence.
    public static func fakeMicrophone(playing wav: URL) -> [String] {
        ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", "--use-file-for-fake-audio-capture=\(wav.path)%noloop"]
    }

    private let process: Process
    private let endpoint: String
    public let sessionID: String

    private init(process: Process, endpoint: String, sessionID: String) {
        self.process = process
        self.endpoint = endpoint
        self.sessionID = sessionID
    }

    /// Starts chromedriver and a browser with `arguments` added to the base ones.
    public static func launch(arguments: [String]) async throws -> ChromeDriver {
        let port = try freeLoopbackPort()
        let process = Process()
        process.executableURL = chromedriver
        process.arguments = ["--port=\(port)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let endpoint = "http://127.0.0.1:\(port)"
        do {
            try await waitUntilReady(endpoint)
            let options: JSONValue = .object([
                "binary": .string(chromium.path), "args": .array((baseArguments + arguments).map(JSONValue.string)),
            ])
            let capabilities: JSONValue = .object(["capabilities": .object(["alwaysMatch": .object(["goog:chromeOptions": options])])])
            let value = try await send(endpoint + "/session", method: .POST, body: capabilities)
            guard let sessionID = value["sessionId"]?.string else { throw WebDriverError(error: "no session", message: "\(value)") }
            return ChromeDriver(process: process, endpoint: endpoint, sessionID: sessionID)
        } catch {
            kill(process.processIdentifier, SIGKILL)
            throw error
        }
    }

    /// Runs `body` with a browser and always closes it.
    public static func with<T: Sendable>(arguments: [String], _ body: (ChromeDriver) async throws -> T) async throws -> T {
        let driver = try await launch(arguments: arguments)
        do {
            let result = try await body(driver)
            await driver.quit()
            return result
        } catch {
            await driver.quit()
            throw error
        }
    }

    /// Closes the browser and stops chromedriver, which ignores SIGTERM: it exits on `/shutdown`, or is killed.
    public func quit() async {
        _ = try? await command("", method: .DELETE)
        _ = try? await Self.send(endpoint + "/shutdown", method: .GET, body: nil, timeout: .seconds(2))
        for _ in 0..<20 where process.isRunning { try? await Task.sleep(for: .milliseconds(100)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    // MARK: Commands

    public func navigate(to url: URL) async throws {
        _ = try await command("/url", body: .object(["url": .string(url.absoluteString)]))
    }

    /// Runs `script` as a function body in the page; `return` gives the result.
    @discardableResult
    public func execute(_ script: String, _ arguments: [JSONValue] = []) async throws -> JSONValue {
        try await command("/execute/sync", body: .object(["script": .string(script), "args": .array(arguments)]))
    }

    /// Polls `script` until it returns something truthy (not null, false, 0 or "").
    @discardableResult
    public func waitFor(_ what: String, timeout: Duration = .seconds(20), script: String) async throws -> JSONValue {
        let deadline = ContinuousClock.now + timeout
        var last = JSONValue.null
        while ContinuousClock.now < deadline {
            last = try await execute(script)
            switch last {
            case .null, .bool(false), .number(0), .string(""): try await Task.sleep(for: .milliseconds(100))
            default: return last
            }
        }
        throw WebDriverError(error: "timeout", message: "waited \(timeout) for \(what); last value \(last)")
    }

    /// An element found by a script that returns it (shadow roots are reachable this way).
    public func element(_ script: String) async throws -> String {
        let value = try await execute(script)
        guard case .object(let reference) = value, let id = reference.values.first?.string else {
            throw WebDriverError(error: "no such element", message: script)
        }
        return id
    }

    public func click(_ element: String) async throws {
        _ = try await command("/element/\(element)/click", body: .object([:]))
    }

    /// Types into the element (focusing it first): " " is a Space key press, "\u{E007}" Enter.
    public func sendKeys(_ text: String, to element: String) async throws {
        _ = try await command("/element/\(element)/value", body: .object(["text": .string(text)]))
    }

    /// Presses the left button on the element, holds it for `duration`, releases it.
    public func hold(_ element: String, for duration: Duration) async throws {
        let milliseconds = Double(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
        let origin: JSONValue = .object(["element-6066-11e4-a52e-4f735466cecf": .string(element)])
        let actions: JSONValue = .array([
            .object(["type": .string("pointerMove"), "duration": .number(0), "origin": origin, "x": .number(0), "y": .number(0)]),
            .object(["type": .string("pointerDown"), "button": .number(0)]),
            .object(["type": .string("pause"), "duration": .number(milliseconds)]),
            .object(["type": .string("pointerUp"), "button": .number(0)]),
        ])
        let pointer: JSONValue = .object([
            "type": .string("pointer"), "id": .string("mouse"), "parameters": .object(["pointerType": .string("mouse")]),
            "actions": actions,
        ])
        _ = try await command("/actions", body: .object(["actions": .array([pointer])]))
    }

    /// A PNG of the viewport.
    public func screenshot() async throws -> Data {
        let value = try await command("/screenshot", method: .GET)
        guard let base64 = value.string, let data = Data(base64Encoded: base64) else {
            throw WebDriverError(error: "screenshot", message: "not base64")
        }
        return data
    }

    // MARK: Transport

    private func command(_ path: String, method: HTTPMethod = .POST, body: JSONValue? = nil) async throws -> JSONValue {
        try await Self.send("\(endpoint)/session/\(sessionID)\(path)", method: method, body: body)
    }

    private static func send(
        _ url: String, method: HTTPMethod, body: JSONValue?, timeout: TimeAmount = .seconds(120)
    ) async throws -> JSONValue {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try JSONEncoder().encode(body)))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 64 << 20)
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(buffer: bytes))["value"] ?? .null
        if let error = value["error"]?.string {
            throw WebDriverError(error: error, message: value["message"]?.string ?? "")
        }
        return value
    }

    private static func waitUntilReady(_ endpoint: String) async throws {
        for _ in 0..<100 {
            // A short deadline: AsyncHTTPClient retries a refused connection until the deadline passes.
            let status = try? await send(endpoint + "/status", method: .GET, body: nil, timeout: .milliseconds(500))
            if status?["ready"]?.bool == true { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw WebDriverError(error: "chromedriver", message: "not ready at \(endpoint)")
    }
}
