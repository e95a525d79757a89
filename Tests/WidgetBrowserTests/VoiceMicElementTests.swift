import Foundation
import Models
import SpeechToText
import Testing
import VoiceTesting
import WhisperEngine

/// <voice-mic> in headless Chromium with a fake microphone that speaks a question, without the voice stack:
/// recording, the WAV it uploads, and every state a user can meet before an answer.
@Suite(.serialized)
struct VoiceMicElementTests {
    /// A gateway address where nothing listens: the stack is stopped.
    static func stoppedGateway() throws -> String { "http://127.0.0.1:\(try freeLoopbackPort())" }

    func withDemoPage(
        microphone: @escaping @Sendable (Site) -> [String], api: String? = nil,
        _ body: @escaping @Sendable (ChromeDriver, PageServer) async throws -> Void
    ) async throws {
        let site = try Site.make()
        defer { site.remove() }
        try await PageServer.with(site) { pages in
            let gateway = try api ?? Self.stoppedGateway()
            try await ChromeDriver.with(arguments: microphone(site)) { browser in
                try await browser.navigate(to: pages.url("index.html?api=\(gateway)"))
                try await Widget.install(in: browser)
                try await body(browser, pages)
            }
        }
    }

    @Test func recordsTheSpokenQuestionAsSixteenKilohertzMonoWAVThatWhisperUnderstands() async throws {
        try await withDemoPage(microphone: { ChromeDriver.fakeMicrophone(playing: $0.question) }) { browser, _ in
            try await browser.click(try await browser.element(Widget.button))
            let upload = try await browser.waitFor("the upload", script: "return __probe.uploads[0]")
            let states = try await Widget.events("voice-state", in: browser).compactMap { $0["state"]?.string }
            #expect(Array(states.prefix(3)) == ["requesting", "recording", "processing"])
            let recording = try await Widget.events("voice-state", in: browser).first { $0["state"]?.string == "recording" }
            #expect(recording?["mode"]?.string == "wav", "the AudioWorklet recorder ran, not the MediaRecorder fallback")
            let processing = try await Widget.events("voice-state", in: browser).first { $0["state"]?.string == "processing" }
            #expect(processing?["reason"]?.string == "silence", "the pause after the question ended the recording")
            let maxLevel = try await browser.execute("return __probe.maxLevel").number ?? 0
            #expect(maxLevel > 0.4, "the level meter followed the voice")

            #expect(upload["type"]?.string == "audio/wav")
            let wav = try #require(Data(base64Encoded: upload["base64"]?.string ?? ""))
            let header = WAVHeader(wav)
            #expect(header.isPCM16Mono16k, "header: \(header)")
            let audio = try WAVDecoder.decode(wav)
            #expect((1.0...4.0).contains(audio.duration), "recorded \(audio.duration) s of a 1 s question")
            let transcriber = try Transcriber(modelPath: try Fixtures.model(ModelCatalog.whisperTinyEn), threads: 2)
            let text = try transcriber.transcribe(audio.samples).text
            #expect(text.lowercased().contains("docker"), "whisper heard: \(text)")
        }
    }

    @Test func showsANetworkErrorWhenTheStackIsStopped() async throws {
        try await withDemoPage(microphone: { ChromeDriver.fakeMicrophone(playing: $0.question) }) { browser, _ in
            try await browser.click(try await browser.element(Widget.button))
            try await Widget.waitForState("error", in: browser)
            let shown = try await Widget.state(in: browser)
            #expect(shown.errorKind == "network")
            #expect(shown.status.hasPrefix("Network error: Cannot reach the voice service at http://127.0.0.1:"))
            let errors = try await Widget.events("voice-error", in: browser)
            #expect(errors.first?["kind"]?.string == "network")
            _ = try Artifacts.save(try await browser.screenshot(), as: "demo-network-error.png")
        }
    }

    @Test func showsTheMessageAndStageTheServerGaveOnAServerError() async throws {
        let site = try Site.make()
        defer { site.remove() }
        try await PageServer.with(site) { pages in
            try await ChromeDriver.with(arguments: ChromeDriver.fakeMicrophone(playing: site.question)) { browser in
                try await browser.navigate(to: pages.url("index.html?api=\(pages.url("fault").absoluteString)"))
                try await Widget.install(in: browser)
                try await browser.click(try await browser.element(Widget.button))
                try await Widget.waitForState("error", in: browser)
                let shown = try await Widget.state(in: browser)
                #expect(shown.errorKind == "server")
                #expect(shown.status == "Server error (stt): \(ServerErrorFault.message)")
                let error = try await Widget.events("voice-error", in: browser).first
                #expect(error?["status"]?.number == 503)
                #expect(error?["code"]?.string == "busy")
            }
        }
    }

    @Test func explainsHowToAllowTheMicrophoneWhenPermissionIsDenied() async throws {
        // Without --use-fake-ui-for-media-stream headless Chromium denies the permission prompt.
        try await withDemoPage(microphone: { _ in ["--use-fake-device-for-media-stream", "--deny-permission-prompts"] }) { browser, _ in
            try await browser.click(try await browser.element(Widget.button))
            try await Widget.waitForState("error", in: browser)
            let shown = try await Widget.state(in: browser)
            #expect(shown.errorKind == "permission-denied")
            #expect(shown.status.contains("Microphone access is blocked"))
            #expect(shown.status.contains("set Microphone to Allow for this site"))
            let visible = try await browser.execute("""
                const status = document.querySelector('voice-mic').shadowRoot.querySelector('.status');
                const box = status.getBoundingClientRect();
                return box.width > 0 && box.height > 0 && getComputedStyle(status).visibility === 'visible'
                  && status.getAttribute('aria-live') === 'polite';
                """)
            #expect(visible == .bool(true))
            let errors = try await Widget.events("voice-error", in: browser)
            #expect(errors.first?["kind"]?.string == "permission-denied")
        }
    }

    @Test(.enabled(if: hasNoCaptureDevice, "this machine has a real microphone"))
    func saysSoWhenThereIsNoMicrophone() async throws {
        try await withDemoPage(microphone: { _ in ["--use-fake-ui-for-media-stream"] }) { browser, _ in
            try await browser.click(try await browser.element(Widget.button))
            try await Widget.waitForState("error", in: browser)
            let shown = try await Widget.state(in: browser)
            #expect(shown.errorKind == "no-microphone")
            #expect(shown.status.hasPrefix("No microphone was found"))
        }
    }

    @Test func spaceOnTheFocusedButtonStartsAndStopsRecordingWithVisibleFocus() async throws {
        try await withDemoPage(microphone: { ChromeDriver.fakeMicrophone(playing: $0.question) }) { browser, _ in
            try await browser.execute("document.querySelector('voice-mic').setAttribute('silence-ms', '0')")
            let button = try await browser.element(Widget.button)
            try await browser.sendKeys(" ", to: button)
            try await Widget.waitForState("recording", in: browser)
            let recording = try await browser.execute("""
                const mic = document.querySelector('voice-mic'), button = mic.shadowRoot.querySelector('button.mic');
                return [mic.shadowRoot.activeElement === button, button.matches(':focus-visible'),
                        getComputedStyle(button).outlineStyle, button.getAttribute('aria-pressed'), button.getAttribute('aria-label')];
                """)
            #expect(recording == .array([.bool(true), .bool(true), .string("solid"), .string("true"),
                                         .string("Stop recording and send the question")]))
            try await browser.sendKeys(" ", to: button)
            try await Widget.waitForState("error", in: browser)
            let processing = try await Widget.events("voice-state", in: browser).first { $0["state"]?.string == "processing" }
            #expect(processing?["reason"]?.string == "user")
            let idleLabel = try await browser.execute("return document.querySelector('voice-mic').shadowRoot.querySelector('button.mic').getAttribute('aria-label')")
            #expect(idleLabel == .string("Start recording your question"))
        }
    }

    /// The `hotkey` attribute works the button from anywhere on the page, by the key's name or its place, and
    /// only with its modifiers.
    @Test func theHotkeyStartsAndStopsRecordingFromAnywhereOnThePage() async throws {
        try await withDemoPage(microphone: { ChromeDriver.fakeMicrophone(playing: $0.question) }) { browser, _ in
            try await browser.execute("""
                const mic = document.querySelector('voice-mic');
                mic.setAttribute('silence-ms', '0');
                mic.setAttribute('hotkey', 'Alt+M');
                // Alt+M as a Mac types it: the key is "µ", the place is KeyM.
                window.__key = (alt) => { for (const type of ['keydown', 'keyup'])
                  document.body.dispatchEvent(new KeyboardEvent(type, { key: alt ? 'µ' : 'm', code: 'KeyM', altKey: alt, bubbles: true })); };
                """)
            let plain = try await browser.execute("__key(false); return new Promise((resolve) => setTimeout(() => resolve(document.querySelector('voice-mic').state), 300))")
            #expect(plain == .string("idle"), "M without Alt pressed the button")
            _ = try await browser.execute("__key(true)")
            try await Widget.waitForState("recording", in: browser)
            _ = try await browser.execute("__key(true)")
            try await Widget.waitForState("error", in: browser)
            let processing = try await Widget.events("voice-state", in: browser).first { $0["state"]?.string == "processing" }
            #expect(processing?["reason"]?.string == "user")
        }
    }

    @Test func holdingTheButtonRecordsUntilItIsReleased() async throws {
        try await withDemoPage(microphone: { ChromeDriver.fakeMicrophone(playing: $0.question) }) { browser, _ in
            try await browser.execute("document.querySelector('voice-mic').setAttribute('silence-ms', '0')")
            try await browser.hold(try await browser.element(Widget.button), for: .milliseconds(2500))
            try await Widget.waitForState("error", in: browser)
            let audio = try WAVDecoder.decode(try #require(Data(base64Encoded:
                try await browser.execute("return __probe.uploads[0].base64").string ?? "")))
            #expect((1.8...2.6).contains(audio.duration), "held 2.5 s (less the permission request), recorded \(audio.duration) s")
        }
    }

    @Test func stopsByItselfAtMaxSeconds() async throws {
        try await withDemoPage(microphone: { ChromeDriver.fakeMicrophone(playing: $0.question) }) { browser, _ in
            try await browser.execute("""
                const mic = document.querySelector('voice-mic');
                mic.setAttribute('silence-ms', '0'); mic.setAttribute('max-seconds', '1');
                """)
            try await browser.click(try await browser.element(Widget.button))
            try await Widget.waitForState("error", in: browser, timeout: .seconds(5))
            let processing = try await Widget.events("voice-state", in: browser).first { $0["state"]?.string == "processing" }
            #expect(processing?["reason"]?.string == "max-seconds")
            let audio = try WAVDecoder.decode(try #require(Data(base64Encoded:
                try await browser.execute("return __probe.uploads[0].base64").string ?? "")))
            #expect((0.9...1.2).contains(audio.duration), "recorded \(audio.duration) s")
        }
    }
}

/// The fields of a canonical 44-byte WAV header.
struct WAVHeader: CustomStringConvertible {
    let riff: String, wave: String, format: UInt16, channels: UInt16, sampleRate: UInt32, bitsPerSample: UInt16

    init(_ data: Data) {
        let bytes = [UInt8](data.prefix(44)) + [UInt8](repeating: 0, count: max(0, 44 - data.count))
        func text(_ at: Int) -> String { String(decoding: bytes[at..<at + 4], as: UTF8.self) }
        func u16(_ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> UInt32 { UInt32(u16(at)) | UInt32(u16(at + 2)) << 16 }
        riff = text(0); wave = text(8); format = u16(20); channels = u16(22); sampleRate = u32(24); bitsPerSample = u16(34)
    }

    var isPCM16Mono16k: Bool {
        riff == "RIFF" && wave == "WAVE" && format == 1 && channels == 1 && sampleRate == 16_000 && bitsPerSample == 16
    }
    var description: String { "\(riff)/\(wave) format \(format), \(channels) ch, \(sampleRate) Hz, \(bitsPerSample) bit" }
}
