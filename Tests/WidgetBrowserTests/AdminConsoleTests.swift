import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import VoiceCore
import VoiceTesting

/// The site owner's console in Chromium, against a real one-process stack of its own (with an admin token and a
/// fresh knowledge base): from signing in to turning an unanswered question into a stored answer.
@Suite(.serialized, .timeLimit(.minutes(10))) struct AdminConsoleTests {
    static let token = "console-test-token-0123456789"

    @Test func anOwnerUploadsADocumentMakesAWidgetKeyAnswersAGapAndRevokesTheKey() async throws {
        let ports = try (0..<4).map { _ in try LoopbackPort.free() }
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("voice-admin-\(UUID().uuidString)")
        let stack = try await ServiceProcess(
            ["up", "--stt-port", "\(ports[0])", "--rag-port", "\(ports[1])", "--llm-port", "\(ports[2])", "--tts-port", "\(ports[3])"],
            port: try LoopbackPort.free(),
            environment: ["VOICE_ADMIN_TOKEN": Self.token, "VOICE_DATA_DIR": data.path, "VOICE_RATE_LIMIT_RPS": "100",
                          "VOICE_API_KEYS": "console-test-secret-0123456789",
                          "VOICE_MODELS_DIR": Fixtures.settings.modelsDirectory.path],
            readyTimeout: .seconds(240))
        defer {
            stack.stop()
            try? FileManager.default.removeItem(at: data)
        }
        let document = data.appendingPathComponent("lantern-museum.md")
        try Data("""
            # The Lantern Museum

            The Lantern Museum on Quay Street shows ship lanterns from three centuries.

            The museum opens at 10 am and closes at 4 pm, Tuesday to Sunday. Entry costs $7 for adults.
            """.utf8).write(to: document)
        let admin = URL(string: "\(stack.url)/admin/")!
        let home = URL(string: "\(stack.url)/")!

        let key = try await ChromeDriver.with(arguments: []) { browser -> String in
            // Signing in: a wrong token is refused, the right one opens the console.
            try await browser.navigate(to: admin)
            try await browser.waitFor("the sign-in form", script: "return !document.getElementById('login').hidden || null;")
            func signIn(_ token: String) async throws {
                _ = try await browser.execute("document.getElementById('token').value = arguments[0];", [.string(token)])
                try await browser.click(try await browser.element("return document.querySelector('#login-form button');"))
            }
            try await signIn("not-the-token-at-all")
            try await browser.waitFor("the refusal", script: "return /not accepted/.test(document.getElementById('status').textContent) || null;")
            #expect(try await browser.execute("return document.getElementById('console').hidden;") == .bool(true))
            try await signIn(Self.token)
            try await browser.waitFor("the console", script: "return document.body.dataset.ready === 'true' || null;")

            // Uploading a document with the file picker lists it.
            let picker = try await browser.element("return document.getElementById('files');")
            try await browser.sendKeys(document.path, to: picker)
            try await browser.waitFor("the uploaded document", timeout: .seconds(60), script: """
                return [...document.querySelectorAll('#documents td')].some((td) => td.textContent === 'lantern-museum.md') || null;
                """)

            // A publishable key for the demo page's origin, made in the console and shown once.
            _ = try await browser.execute("""
                document.getElementById('key-name').value = 'Demo page';
                document.getElementById('key-origins').value = arguments[0];
                document.querySelector('#key-form button').click();
                """, [.string(stack.url)])
            let key = try #require(try await browser.waitFor("the new key", script: """
                const shown = document.querySelector('#new-key code');
                return shown && document.getElementById('keys').textContent.includes('Demo page') ? shown.textContent : null;
                """).string)
            #expect(key.hasPrefix("pk_"))
            #expect(try await Self.status(stack.url, key: key, origin: "https://elsewhere.example") == 403)

            // Visitors ask on the demo page, which embeds the key: one question the document answers, one nothing
            // answers.
            try await browser.navigate(to: home)
            try await Widget.install(in: browser)
            _ = try await browser.execute("document.querySelector('voice-mic').setAttribute('api-key', arguments[0])", [.string(key)])
            func ask(_ question: String, answers: Int) async throws -> JSONValue {
                _ = try await browser.execute("document.querySelector('voice-mic').askText(arguments[0])", [.string(question)])
                try await browser.waitFor("answer \(answers)", timeout: .seconds(60), script: """
                    return __probe.events.filter((e) => e.type === 'voice-response' || e.type === 'voice-error').length >= \(answers) || null;
                    """)
                return try #require(try await Widget.events("voice-response", in: browser).last)
            }
            let hours = try await ask("What time does the Lantern Museum open?", answers: 1)
            #expect(hours["response_text"]?.string?.contains("10 am") == true, "\(hours)")
            // The widget reports when the answer was first heard; the console's last hour shows it.
            try await browser.waitFor("the answer heard", timeout: .seconds(30),
                                      script: "return document.querySelector('voice-mic').dataset.firstAudioMs || null;")
            let gift = try await ask("Do you sell gift cards?", answers: 2)
            #expect(gift["answer_kind"]?.string == "not_covered", "\(gift)")

            // The console shows both questions, and the unanswered one as a gap.
            try await browser.navigate(to: admin)
            try await browser.waitFor("the question log", timeout: .seconds(20), script: """
                if (document.body.dataset.ready !== 'true') return null;
                const log = document.getElementById('questions').textContent;
                if (log.includes('What time does the Lantern Museum open?') && log.includes('Do you sell gift cards?')) return true;
                document.getElementById('search-form').requestSubmit();
                return null;
                """)
            // Both are logged now; the page, opened again, counts them in the last hour.
            try await browser.navigate(to: admin)
            let live = try await browser.waitFor("the last hour", script: """
                const text = document.getElementById('live-summary').textContent;
                return text.startsWith('2 questions') ? text : null;
                """)
            #expect(live.string?.contains("1 not_covered") == true, "\(live)")
            try await browser.waitFor("the figure heard in the browser", script: """
                return [...document.querySelectorAll('#live tr')].some((row) => row.cells[0].textContent === 'heard in the browser') || null;
                """)
            try await browser.waitFor("the gap", script: """
                return [...document.querySelectorAll('#gaps tr')].some((row) => row.dataset.question === 'Do you sell gift cards?') || null;
                """)

            // Writing the answer stores a Q&A pair.
            try await browser.click(try await browser.element("""
                return [...document.querySelectorAll('#gaps tr')].find((row) => row.dataset.question === 'Do you sell gift cards?')
                  .querySelector('button.write-answer');
                """))
            let answer = try await browser.element("return document.querySelector('.answer-editor textarea');")
            try await browser.sendKeys("Yes, gift cards of $10 and $25 are sold at the front desk.", to: answer)
            try await browser.click(try await browser.element("return document.querySelector('.answer-editor button');"))
            try await browser.waitFor("the stored answer", script: """
                return document.getElementById('qa').textContent.includes('gift cards of $10') || null;
                """)

            // Pairs come in as CSV too, and an answer is edited in place.
            let csv = data.appendingPathComponent("more-answers.csv")
            try Data("question,answer\n\"Is there a cloakroom?\",\"Yes, by the entrance.\"\n".utf8).write(to: csv)
            try await browser.sendKeys(csv.path, to: try await browser.element("return document.getElementById('qa-import');"))
            try await browser.waitFor("the imported pair", script: """
                return document.getElementById('qa').textContent.includes('Is there a cloakroom?') || null;
                """)
            _ = try await browser.execute("""
                const cell = [...document.querySelectorAll('#qa td')].find((td) => td.textContent === 'Yes, by the entrance.');
                cell.focus();
                cell.textContent = 'Yes, free, by the entrance.';
                cell.blur();
                """)
            try await browser.waitFor("the edited answer stored", script: """
                return /Saved the answer/.test(document.getElementById('status').textContent) || null;
                """)

            // Asked again, the question gets the owner's answer.
            try await browser.navigate(to: home)
            try await Widget.install(in: browser)
            _ = try await browser.execute("document.querySelector('voice-mic').setAttribute('api-key', arguments[0])", [.string(key)])
            let cloakroom = try await ask("Is there a cloakroom?", answers: 1)
            #expect(cloakroom["response_text"]?.string == "Yes, free, by the entrance.", "\(cloakroom)")
            let again = try await ask("Do you sell gift cards?", answers: 2)
            #expect(again["answer_kind"]?.string == "faq", "\(again)")
            #expect(again["response_text"]?.string == "Yes, gift cards of $10 and $25 are sold at the front desk.")

            // A pair deleted in the console no longer answers.
            try await browser.navigate(to: admin)
            try await browser.waitFor("the console", script: "return document.body.dataset.ready === 'true' || null;")
            _ = try await browser.execute("""
                window.confirm = () => true;
                [...document.querySelectorAll('#qa tr')].find((row) => row.cells[0].textContent === 'Is there a cloakroom?')
                  .querySelector('button').click();
                """)
            try await browser.waitFor("the deleted pair gone", script: """
                return !document.getElementById('qa').textContent.includes('Is there a cloakroom?') || null;
                """)
            try await browser.navigate(to: home)
            try await Widget.install(in: browser)
            _ = try await browser.execute("document.querySelector('voice-mic').setAttribute('api-key', arguments[0])", [.string(key)])
            let deleted = try await ask("Is there a cloakroom?", answers: 1)
            #expect(deleted["answer_kind"]?.string != "faq", "\(deleted)")

            // Revoked in the console, the key stops working within the directory's refresh.
            try await browser.navigate(to: admin)
            try await browser.waitFor("the console", script: "return document.body.dataset.ready === 'true' || null;")
            _ = try await browser.execute("window.confirm = () => true; document.querySelector('#keys button').click();")
            try await browser.waitFor("the revoked key gone", script: "return document.querySelectorAll('#keys tr').length === 0 || null;")
            return key
        }
        let deadline = ContinuousClock.now + .seconds(15)
        var status = 0
        while ContinuousClock.now < deadline {
            status = try await Self.status(stack.url, key: key, origin: stack.url)
            if status == 401 { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(status == 401)
    }

    /// The status of a typed question asked with `key` from a page of `origin`.
    static func status(_ gateway: String, key: String, origin: String) async throws -> Int {
        var request = HTTPClientRequest(url: "\(gateway)/text/query")
        request.method = .POST
        request.headers.add(contentsOf: [("Content-Type", "application/json"), ("X-API-Key", key), ("Origin", origin)])
        request.body = .bytes(ByteBuffer(string: #"{"query": "What time does the Lantern Museum open?"}"#))
        return Int(try await HTTPClient.shared.execute(request, timeout: .seconds(60)).status.code)
    }
}
