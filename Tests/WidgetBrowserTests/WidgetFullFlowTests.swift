import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import VoiceCore
import VoiceTesting

/// The whole stack (`voice up`) answering a spoken question through the widget in headless Chromium.
@Suite(.serialized)
struct WidgetFullFlowTests {
    /// Clicks the mic, waits for the answer, and checks what a user sees and what the page's code receives.
    func askAndCheckAnswer(in browser: ChromeDriver) async throws {
        try await browser.click(try await browser.element(Widget.button))
        try await browser.waitFor(
            "an answer", timeout: .seconds(120),
            script: "return __probe.events.some((e) => e.type === 'voice-response' || e.type === 'voice-error')")
        let errors = try await Widget.events("voice-error", in: browser)
        #expect(errors.isEmpty, "the widget showed an error: \(errors)")
        let answer = try #require(try await Widget.events("voice-response", in: browser).first)
        #expect(answer["transcript"]?.string?.lowercased().contains("docker") == true, "transcript: \(answer["transcript"] ?? .null)")
        #expect((answer["response_text"]?.string ?? "").count > 20)
        let shown = try await browser.execute("""
            const root = document.querySelector('voice-mic').shadowRoot;
            return [root.querySelector('.transcript').textContent, root.querySelector('.response').textContent,
                    [...root.querySelectorAll('.sources li q')].map((quote) => quote.textContent)];
            """)
        #expect(shown.array?[0] == answer["transcript"])
        #expect(shown.array?[1] == answer["response_text"])
        // The evidence sentences the answer rests on are quoted under it (a stored answer is not quoted twice).
        let quoted = shown.array?[2].array?.compactMap(\.string) ?? []
        let citations = answer["citations"]?.array?.compactMap { $0["text"]?.string } ?? []
        #expect(!citations.isEmpty, "no citations")
        #expect(quoted == citations.filter { $0 != answer["response_text"]?.string }, "shown: \(quoted), citations: \(citations)")
        let transcriptEvents = try await Widget.events("voice-transcript", in: browser)
        #expect(transcriptEvents.first?["transcript"] == answer["transcript"])
        // The answer streamed: the transcript came first, then each sentence with its own audio before the final
        // answer, and the sentences make up the answer's text.
        let sentences = try await Widget.events("voice-sentence", in: browser)
        #expect(!sentences.isEmpty)
        #expect(sentences.compactMap { $0["text"]?.string }.joined(separator: " ") == answer["response_text"]?.string)
        #expect(sentences.allSatisfy { $0["audio_url"]?.string?.hasPrefix("http") == true })
        let order = try await browser.execute("return __probe.events.map((e) => e.type)").array?.compactMap(\.string) ?? []
        let firstSentence = try #require(order.firstIndex(of: "voice-sentence"))
        #expect(try #require(order.firstIndex(of: "voice-transcript")) < firstSentence)
        #expect(firstSentence < (order.firstIndex(of: "voice-response") ?? 0), "events: \(order)")
        // The answer's audio is a WAV the browser can decode and play.
        let audio = try await browser.waitFor("playable audio", timeout: .seconds(20), script: """
            const audio = document.querySelector('voice-mic').shadowRoot.querySelector('audio');
            return audio.readyState >= 2 && !audio.error && audio.duration > 0.5 ? [audio.src, audio.duration] : null;
            """)
        #expect(audio.array?[0].string == answer["audio_url"]?.string)
        #expect(answer["audio_url"]?.string?.hasPrefix("http") == true)
    }

    /// The demo page the gateway serves, with the widget's events recorded and a fake microphone that says
    /// "What is Docker?" when the widget opens it.
    func withDemoPage(_ body: @escaping @Sendable (ChromeDriver, URL) async throws -> Void) async throws {
        let gateway = try await GatewayUnderTest.url()
        let site = try Site.make()
        defer { site.remove() }
        try await ChromeDriver.with(arguments: ChromeDriver.fakeMicrophone(playing: site.question)) { browser in
            try await browser.navigate(to: gateway)
            try await Widget.install(in: browser)
            try await body(browser, gateway)
        }
    }

    /// The answer to the question spoken after the long answer was cut off.
    static func spokenAnswer(in browser: ChromeDriver, timeout: Duration) async throws -> JSONValue {
        try await browser.waitFor("the spoken question's answer", timeout: timeout, script: """
            return __probe.events.find((e) => e.type === 'voice-response' && e.detail.transcript !== '\(longAnswerQuestion)')?.detail ?? null;
            """)
    }

    @Test func answersASpokenQuestionOnTheDemoPageTheGatewayServes() async throws {
        try await withDemoPage { browser, gateway in
            _ = try Artifacts.save(try await browser.screenshot(), as: "demo-idle.png")
            try await askAndCheckAnswer(in: browser)
            let timings = try await browser.execute(
                "return [...document.querySelectorAll('#timings tbody tr')].map((row) => row.dataset.stage)")
            #expect(timings.array?.contains(.string("total_ms")) == true, "timings shown: \(timings)")
            // The answer started playing: the browser measured when, showed it, and reported it to the gateway.
            let heard = try await browser.waitFor("the first-audio figure", timeout: .seconds(20), script: """
                const line = document.getElementById('first-audio');
                return line.hidden ? null : Number(line.querySelector('strong').textContent);
                """)
            #expect((heard.number ?? 0) > 0)
            // It was played from the samples streamed with it, to its end, on the page's Web Audio clock.
            try await browser.waitFor("the answer played to its end", timeout: .seconds(30), script: """
                const mic = document.querySelector('voice-mic');
                const context = mic.pcmPlayer.context;
                return context && context.currentTime > 1 && !mic.pcmPlayer.playing && mic.state === 'idle' || null;
                """)
            let metrics = String(decoding: try await URLSession.shared.data(from: gateway.appendingPathComponent("metrics")).0, as: UTF8.self)
            #expect(metrics.contains("voice_client_first_audio_seconds"), "no client metric exported")
            _ = try Artifacts.save(try await browser.screenshot(), as: "demo-answer.png")
        }
    }

    /// A question whose answer plays for a few seconds, long enough to be cut off.
    static let longAnswerQuestion = "Tell me about the ferry to the island and the fares."

    @Test func pressingTheMicWhileAnAnswerPlaysStopsItAtOnceAndTheSpokenQuestionGetsItsOwnAnswer() async throws {
        try await withDemoPage { browser, gateway in
            _ = try await browser.execute("document.querySelector('voice-mic').askText(arguments[0])", [.string(Self.longAnswerQuestion)])
            try await browser.waitFor("the answer playing", timeout: .seconds(60), script: """
                const mic = document.querySelector('voice-mic');
                return mic.state === 'speaking' && mic.pcmPlayer.playing ? true : null;
                """)
            let stopped = try await browser.execute("""
                const mic = document.querySelector('voice-mic');
                const started = performance.now();
                mic.shadowRoot.querySelector('button.mic').click();
                return new Promise((resolve) => setTimeout(() =>
                    resolve([!mic.pcmPlayer.playing && mic.sentencePlayer.paused && mic.audio.paused, mic.state,
                             performance.now() - started]), 50));
                """)
            #expect(stopped.array?[0] == .bool(true), "\(stopped)")
            #expect(["requesting", "recording"].contains(stopped.array?[1].string ?? ""), "the widget is not listening: \(stopped)")
            #expect((stopped.array?[2].number ?? 1000) < 200, "\(stopped)")
            // Cut off is not an error, and the question spoken next is answered on its own.
            let answer = try await Self.spokenAnswer(in: browser, timeout: .seconds(60))
            #expect(answer["transcript"]?.string?.lowercased().contains("docker") == true, "\(answer)")
            #expect(answer["response_text"]?.string?.lowercased().contains("docker") == true, "\(answer)")
            #expect(try await Widget.events("voice-error", in: browser).isEmpty)
        }
    }

    /// With `barge-in`, the microphone listens while the answer plays: the user's voice cuts the answer off within
    /// 200 ms, and what they said, first word included, is the next question.
    @Test func speakingOverAnAnswerWithBargeInCutsItOffAndTheWordsSpokenAreTheNextQuestion() async throws {
        try await withDemoPage { browser, gateway in
            // The fake microphone starts its recording when the widget opens it, once the answer plays.
            _ = try await browser.execute("""
                const mic = document.querySelector('voice-mic');
                mic.setAttribute('barge-in', '');
                window.__cut = {};
                // The answer plays from its streamed samples; it is cut off when they stop.
                const stop = mic.pcmPlayer.stop.bind(mic.pcmPlayer);
                mic.pcmPlayer.stop = () => {
                  if (mic.pcmPlayer.playing) __cut.paused ??= performance.now();
                  stop();
                };
                mic.addEventListener('voice-state', (event) => {
                  if (event.detail.reason === 'barge-in') __cut.bargeIn ??= performance.now();
                });
                mic.askText(arguments[0]);
                """, [.string(Self.longAnswerQuestion)])
            let answer = try await Self.spokenAnswer(in: browser, timeout: .seconds(90))
            // All three words reached speech recognition. The browser's echo cancellation, busy with the answer's
            // sound, may blur the first ("Wat is Docker."), so the words are counted, not spelled.
            let heard = TextWords.words(answer["transcript"]?.string ?? "")
            #expect(heard.count >= 3 && heard.last == "docker", "\(answer)")
            #expect(answer["response_text"]?.string?.lowercased().contains("docker") == true, "\(answer)")
            let cut = try await browser.execute("return __cut")
            let bargeIn = try #require(cut["bargeIn"]?.number, "no barge-in: \(cut)")
            let paused = try #require(cut["paused"]?.number, "the answer never stopped: \(cut)")
            #expect(abs(paused - bargeIn) < 200, "speech heard at \(bargeIn) ms, answer paused at \(paused) ms")
            #expect(try await Widget.events("voice-error", in: browser).isEmpty)
        }
    }

    @Test func aModelAnswerPlaysItsFirstSentenceWhileTheNextIsStillBeingWritten() async throws {
        // A second gateway on the same services that asks the model every question: in the default mode a strong
        // evidence sentence is spoken as written.
        let gateway = try await GatewayUnderTest.replica(environment: ["VOICE_ANSWER_MODE": "generate"])
        defer { gateway.stop() }
        try await ChromeDriver.with(arguments: []) { browser in
            try await browser.navigate(to: try #require(URL(string: gateway.url)))
            try await Widget.install(in: browser)
            // On the page's own clock: when the answer starts playing, and when each sentence arrives.
            _ = try await browser.execute("""
                const mic = document.querySelector('voice-mic');
                window.__heard = { playing: null, sentences: [] };
                mic.addEventListener('voice-first-audio', () => { __heard.playing ??= performance.now(); });
                mic.addEventListener('voice-sentence', () => __heard.sentences.push(performance.now()));
                mic.askText(arguments[0]);
                """, [.string(Self.modelQuestion)])
            try await browser.waitFor("the answer", timeout: .seconds(90), script: """
                return __probe.events.some((e) => e.type === 'voice-response' || e.type === 'voice-error') || null;
                """)
            #expect(try await Widget.events("voice-error", in: browser).isEmpty)
            let answer = try #require(try await Widget.events("voice-response", in: browser).first)
            #expect(answer["answer_kind"] == .string("generated"), "\(answer)")
            let heard = try await browser.execute("return __heard")
            let arrivals = heard["sentences"]?.array?.compactMap(\.number) ?? []
            #expect(arrivals.count >= 2, "the model wrote one sentence: \(answer["response_text"] ?? .null)")
            let playing = try #require(heard["playing"]?.number, "nothing played")
            #expect(playing < arrivals.last ?? 0, "first audio at \(playing) ms, sentences at \(arrivals)")
        }
    }

    /// A question SmolLM2 answers in two sentences from the sample knowledge base (deterministic: temperature 0).
    static let modelQuestion = "Tell me about the Zorblat bridge and its history."

    @Test func aFollowUpInTheSamePageSessionIsAnsweredAboutTheEarlierQuestionUntilStartingOver() async throws {
        let gateway = try await GatewayUnderTest.url()
        try await ChromeDriver.with(arguments: []) { browser in
            try await browser.navigate(to: gateway)
            try await Widget.install(in: browser)
            // What the sample player is asked to do: play a piece, or stop (with or without something playing).
            _ = try await browser.execute("""
                const player = document.querySelector('voice-mic').pcmPlayer;
                window.__pcm = [];
                const play = player.play.bind(player), stop = player.stop.bind(player);
                player.play = (...piece) => { __pcm.push('play'); play(...piece); };
                player.stop = () => { __pcm.push(player.playing ? 'cut' : 'stop'); stop(); };
                """)
            func ask(_ question: String, answers: Int) async throws -> JSONValue {
                _ = try await browser.execute("document.querySelector('voice-mic').askText(arguments[0])", [.string(question)])
                try await browser.waitFor("answer \(answers)", timeout: .seconds(60), script: """
                    return __probe.events.filter((e) => e.type === 'voice-response' || e.type === 'voice-error').length >= \(answers) || null;
                    """)
                #expect(try await Widget.events("voice-error", in: browser).isEmpty)
                return try #require(try await Widget.events("voice-response", in: browser).last)
            }
            _ = try await ask("How much is a return ferry ticket?", answers: 1)
            let followUp = try await ask("And for children?", answers: 2)
            #expect(followUp["response_text"]?.string?.contains("Children") == true, "\(followUp)")
            // Asking again stopped the first answer's samples, and the follow-up's were played after that.
            let log = try await browser.execute("return __pcm").array?.compactMap(\.string) ?? []
            let lastStop = try #require(log.lastIndex { $0 != "play" }, "\(log)")
            #expect(log[..<lastStop].contains("play") && lastStop < log.count - 1, "\(log)")
            // A conversation left alone longer than `conversation-minutes` (30) lapses: its turns are not sent again.
            let lapse = try await browser.execute("""
                const mic = document.querySelector('voice-mic');
                const before = mic.conversation().turns.length;
                const stored = JSON.parse(sessionStorage.getItem('voice-mic-conversation'));
                sessionStorage.setItem('voice-mic-conversation', JSON.stringify({ ...stored, updated: Date.now() - 29 * 60000 }));
                const kept = mic.conversation().turns.length;
                sessionStorage.setItem('voice-mic-conversation', JSON.stringify({ ...stored, updated: Date.now() - 31 * 60000 }));
                const lapsed = mic.conversation().turns.length;
                sessionStorage.setItem('voice-mic-conversation', JSON.stringify(stored));
                return [before, kept, lapsed];
                """)
            #expect(lapse == .array([.number(4), .number(4), .number(0)]), "\(lapse)")
            // Start over: the same words now stand alone, so the ferry's children's fare is not what they get.
            _ = try await browser.execute("document.querySelector('voice-mic').startOver()")
            let alone = try await ask("And for children?", answers: 3)
            #expect(alone["response_text"]?.string?.contains("half price") != true, "\(alone)")
        }
    }

    @Test func answersFromAPageOnAnotherOrigin() async throws {
        let gateway = try await GatewayUnderTest.url()
        let site = try Site.make()
        defer { site.remove() }
        try await PageServer.with(site) { pages in
            try await ChromeDriver.with(arguments: ChromeDriver.fakeMicrophone(playing: site.question)) { browser in
                // The page and the widget script come from the page server; only the API calls cross origins.
                try await browser.navigate(to: pages.url("index.html?api=\(gateway.absoluteString)"))
                try await Widget.install(in: browser)
                try await askAndCheckAnswer(in: browser)
            }
        }
    }

    /// The React test page with the fake microphone, once its button is there; `query` adds to the page's
    /// parameters. The module comes from the gateway, as an embedding page would load it.
    func withReactPage(_ query: String = "", _ body: @escaping @Sendable (ChromeDriver, String) async throws -> Void) async throws {
        let gateway = try await GatewayUnderTest.url().absoluteString
        let site = try Site.make()
        defer { site.remove() }
        try await PageServer.with(site) { pages in
            try await ChromeDriver.with(arguments: ChromeDriver.fakeMicrophone(playing: site.question)) { browser in
                try await browser.navigate(to: pages.url("react.html?api=\(gateway)&widget=\(gateway)\(query)"))
                try await browser.waitFor("the React button", script: Self.reactButton)
                try await body(browser, gateway)
            }
        }
    }

    static let reactButton = "return document.querySelector('#root button')"

    @Test func reactComponentOnDebiansReact18AnswersASpokenQuestion() async throws {
        try await withReactPage { browser, gateway in
            let version = try await browser.execute("return React.version")
            #expect(version.string?.hasPrefix("18.") == true, "React \(version)")
            _ = try await browser.execute("""
                window.__statuses = [];
                const root = document.querySelector('#root > div');
                new MutationObserver(() => __statuses.push(root.dataset.status))
                    .observe(root, { attributes: true, attributeFilter: ['data-status'] });
                """)
            try await browser.click(try await browser.element(Self.reactButton))
            let events = try await browser.waitFor(
                "an answer", timeout: .seconds(120),
                script: "return __events.some((e) => e.type !== 'transcript') ? __events : null")
            let types = events.array?.compactMap { $0["type"]?.string }
            #expect(types == ["transcript", "response"], "events: \(events)")
            let shown = try await browser.execute("""
                const root = document.querySelector('#root > div');
                return [root.dataset.status, root.querySelector('.voice-transcript').textContent,
                        root.querySelector('.voice-response').textContent, root.querySelector('audio').src];
                """)
            #expect(shown.array?[1].string?.lowercased().contains("docker") == true, "shown: \(shown)")
            #expect((shown.array?[2].string ?? "").count > 20)
            // The answer was spoken (from its streamed samples) and the component is idle once it has been said.
            let statuses = try await browser.waitFor("the answer said", timeout: .seconds(30), script: """
                return document.querySelector('#root > div').dataset.status === 'idle' && __statuses.includes('speaking') ? __statuses : null;
                """)
            #expect(statuses.array?.last == .string("idle"), "\(statuses)")
        }
    }

    /// VoiceMicReact with `bargeIn`: the user speaks over the answer (the fake microphone says its question again
    /// when the component opens it a second time), the answer stops and the new words are asked.
    @Test func reactComponentWithBargeInAsksWhatIsSaidOverTheAnswer() async throws {
        try await withReactPage("&barge-in") { browser, _ in
            // Whether something was playing each time the answer's samples were stopped.
            try await browser.execute("""
                window.__stopped = [];
                const stop = VoiceMic.PcmPlayer.prototype.stop;
                VoiceMic.PcmPlayer.prototype.stop = function () { __stopped.push(this.playing); return stop.call(this); };
                """)
            try await browser.click(try await browser.element(Self.reactButton))
            let events = try await browser.waitFor(
                "two answers", timeout: .seconds(120),
                script: "return __events.filter((e) => e.type === 'response').length >= 2 ? __events : null")
            let types = events.array?.compactMap { $0["type"]?.string } ?? []
            #expect(!types.contains("error"), "events: \(events)")
            // Stopped while it played: the answer was cut off, not finished.
            let cutOff = try await browser.execute("return __stopped.includes(true)")
            #expect(cutOff == .bool(true), "the first answer was never cut off")
            let second = events.array?.last { $0["type"]?.string == "response" }
            #expect(second?["detail"]?["transcript"]?.string?.lowercased().contains("docker") == true, "\(second ?? .null)")
        }
    }
}
