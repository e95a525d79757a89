import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import VoiceTesting

/// The pages under test, laid out in a temporary folder: the repository's web/ as the gateway serves it, the React
/// test page, Debian's React 18 UMD builds, and a spoken question.
struct Site: Sendable {
    let directory: URL
    var question: URL { directory.appendingPathComponent("question.wav") }

    static let react = URL(fileURLWithPath: "/usr/share/nodejs/react/umd/react.production.min.js")
    static let reactDOM = URL(fileURLWithPath: "/usr/share/nodejs/react-dom/umd/react-dom.production.min.js")

    static func make() throws -> Site {
        let files = FileManager.default
        let directory = files.temporaryDirectory.appendingPathComponent("voice-web-\(UUID().uuidString)")
        try files.copyItem(at: Fixtures.repositoryRoot.appendingPathComponent("web"), to: directory)
        try files.copyItem(
            at: Fixtures.repositoryRoot.appendingPathComponent("Tests/WidgetBrowserTests/Pages/react.html"),
            to: directory.appendingPathComponent("react.html"))
        let vendor = directory.appendingPathComponent("vendor")
        try files.createDirectory(at: vendor, withIntermediateDirectories: true)
        for file in [react, reactDOM] { try files.copyItem(at: file, to: vendor.appendingPathComponent(file.lastPathComponent)) }
        let site = Site(directory: directory)
        try site.speak("What is Docker?")
        return site
    }

    /// espeak-ng says the question, sox makes it 16 kHz mono with a pause before and 2 s of silence after, so that
    /// the widget's silence detection ends the turn the way it does for a person.
    private func speak(_ text: String) throws {
        let raw = directory.appendingPathComponent("question-22k.wav")
        try run("/usr/bin/espeak-ng", ["-w", raw.path, text])
        try run("/usr/bin/sox", [raw.path, "-r", "16000", "-c", "1", question.path, "pad", "0.3", "2"])
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

func run(_ executable: String, _ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw CocoaError(.executableLoad, userInfo: [NSFilePathErrorKey: executable]) }
}

/// A static server on its own port: a second origin next to the gateway.
struct PageServer: Sendable {
    let base: URL

    func url(_ pathAndQuery: String) -> URL { URL(string: pathAndQuery, relativeTo: base)!.absoluteURL }

    /// `/fault/voice/query` always fails the way a busy gateway does, to show the server-error state.
    static func with(_ site: Site, _ body: @escaping @Sendable (PageServer) async throws -> Void) async throws {
        let router = Router()
        router.addMiddleware { FileMiddleware(site.directory.path, searchForIndexHtml: true) }
        router.post("fault/voice/query") { _, _ in ServerErrorFault.response }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            try await body(PageServer(base: URL(string: "http://127.0.0.1:\(client.port!)/")!))
        }
    }
}

/// Fault injection: the answer of a gateway whose speech recognition is overloaded.
enum ServerErrorFault {
    static let message = "speech recognition is busy, retry in 2 s"
    static var response: Response {
        let body = #"{"error":{"code":"busy","message":"\#(message)","stage":"stt"}}"#
        return Response(
            status: .serviceUnavailable, headers: [.contentType: "application/json", .retryAfter: "2"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// Scripts that look into the page: the <voice-mic> shadow DOM, its events, and what it uploads.
enum Widget {
    static let button = "return document.querySelector('voice-mic').shadowRoot.querySelector('button.mic')"

    /// Waits for the element, then records its events, the loudest level shown, and each uploaded recording.
    static let probe = """
        await customElements.whenDefined('voice-mic');
        const mic = document.querySelector('voice-mic');
        window.__probe = { events: [], uploads: [], maxLevel: 0 };
        for (const type of ['voice-state', 'voice-transcript', 'voice-sentence', 'voice-response', 'voice-error'])
          mic.addEventListener(type, (event) => __probe.events.push({ type, detail: event.detail }));
        new MutationObserver(() => { __probe.maxLevel = Math.max(__probe.maxLevel, Number(mic.dataset.level || 0)); })
          .observe(mic, { attributes: true, attributeFilter: ['data-level'] });
        const originalFetch = window.fetch;
        window.fetch = async (url, init) => {
          const audio = init && init.body instanceof FormData && init.body.get('audio');
          if (audio) {
            let binary = '';
            for (const byte of new Uint8Array(await audio.arrayBuffer())) binary += String.fromCharCode(byte);
            __probe.uploads.push({ url: String(url), type: audio.type, base64: btoa(binary) });
          }
          return originalFetch(url, init);
        };
        return true;
        """

    static func install(in browser: ChromeDriver) async throws {
        try await browser.execute("return (async () => { \(probe) })()")
    }

    /// The element's state attribute, its status line and its error kind.
    static func state(in browser: ChromeDriver) async throws -> (state: String, status: String, errorKind: String) {
        let value = try await browser.execute("""
            const mic = document.querySelector('voice-mic');
            return [mic.getAttribute('state'), mic.shadowRoot.querySelector('.status').textContent,
                    mic.getAttribute('error-kind') || ''];
            """)
        let parts = value.array?.map { $0.string ?? "" } ?? []
        return (parts[0], parts[1], parts[2])
    }

    static func waitForState(_ state: String, in browser: ChromeDriver, timeout: Duration = .seconds(20)) async throws {
        try await browser.waitFor(
            "state \(state)", timeout: timeout, script: "return document.querySelector('voice-mic').getAttribute('state') === '\(state)'")
    }

    static func events(_ type: String, in browser: ChromeDriver) async throws -> [JSONValue] {
        let value = try await browser.execute("return __probe.events.filter((e) => e.type === arguments[0]).map((e) => e.detail)", [.string(type)])
        return value.array ?? []
    }
}

/// Where screenshots go: test-artifacts/ at the repository root (git-ignored), kept after the run.
enum Artifacts {
    static func save(_ png: Data, as name: String) throws -> URL {
        let folder = Fixtures.repositoryRoot.appendingPathComponent("test-artifacts")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent(name)
        try png.write(to: file)
        return file
    }
}

/// Machines with a real sound card can't show the no-microphone state.
var hasNoCaptureDevice: Bool {
    let devices = (try? FileManager.default.contentsOfDirectory(atPath: "/dev/snd")) ?? []
    return !devices.contains { $0.hasPrefix("pcmC") && $0.hasSuffix("c") }
}
