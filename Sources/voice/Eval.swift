import ArgumentParser
import Foundation
import Gateway
import Generation
import LlamaEngine
import Retrieval
import SpeechToText
import TextToSpeech
import VoiceCore

/// `voice eval`: the labelled questions in knowledge/eval.json through our answering strategy and through the
/// plain-prompt baseline (top three chunks, "answer only from the context", no guard), typed, typed as a speech
/// recogniser mishears them, and spoken by espeak-ng. Runs on a scratch copy of the sample knowledge base.
struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Answer quality on the labelled question set: accuracy, abstention, hallucination, latency.")

    @Flag(help: "Skip the spoken questions (text only, about three times faster).")
    var noVoice = false

    @Flag(help: "Skip the plain-prompt baseline.")
    var noBaseline = false

    @Flag(help: "Print every question with both answers.")
    var verbose = false

    @OptionGroup var global: GlobalOptions

    /// The baseline's prompt, as the seed's pipeline words it.
    static let plainPrompt = GroundedPrompt(instructions: "Answer the question using only the context.", examples: [])

    func run() async throws {
        let logger = global.bootstrap()
        var settings = try global.settings()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("voice-eval-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        settings.dataDirectory = scratch
        settings.audioDirectory = scratch.appendingPathComponent("audio")
        let eval = try EvalSet.load(settings.knowledgeDirectory.appendingPathComponent("eval.json"))
        let stack = try await LiveStack.load(settings: settings, logger: logger)
        let pipeline = stack.gateway.pipeline

        var items: [(path: String, question: EvalSet.Question, text: String, audio: Data?)] = []
        for question in eval.questions {
            items.append(("text", question, question.question, nil))
            if let variant = question.asr_variant { items.append(("misheard", question, variant, nil)) }
            if !noVoice {
                let wav = try await stack.speaker.speak(SpeakRequest(text: question.question, rate: 150), persist: false).wav
                items.append(("voice", question, question.question, wav))
            }
        }
        var results: [String: [Outcome]] = [:]
        for item in items {
            for strategy in noBaseline ? ["ours"] : ["ours", "plain"] {
                let clock = ContinuousClock()
                let start = clock.now
                var transcript = item.text
                let (answer, evidence, notCovered): (String, [String], Bool)
                var how = "plain"
                if strategy == "ours" {
                    let reply = if let audio = item.audio {
                        try await pipeline.answer(audio: audio, contentType: "audio/wav", language: nil)
                    } else {
                        try await pipeline.answer(text: item.text)
                    }
                    transcript = reply.transcript
                    answer = reply.response_text
                    evidence = reply.citations.flatMap { [$0.text, $0.title ?? "", $0.heading ?? ""] }
                    notCovered = reply.answer_kind == .not_covered
                    how = reply.answer_kind.rawValue + (reply.grounding.map { "/\($0.rawValue)" } ?? "")
                } else {
                    if let audio = item.audio {
                        transcript = try await stack.recognizer.transcribe(audio: audio, contentType: "audio/wav",
                                                                          options: TranscribeOptions()).text
                    }
                    (answer, evidence) = try await baseline(transcript, stack: stack)
                    notCovered = TextWords.declinesToAnswer(answer)
                }
                let outcome = Outcome(question: item.question, transcript: transcript, answer: answer, evidence: evidence,
                                      notCovered: notCovered, milliseconds: (clock.now - start).fractionalMilliseconds)
                results["\(item.path)/\(strategy)", default: []].append(outcome)
                if verbose && strategy == "ours" {
                    let retrieved = try await stack.knowledge.retrieve(RetrieveRequest(query: transcript, top_k: pipeline.topK,
                                                                                       evidence: pipeline.policy.evidenceSentences))
                    print(String(format: "     chunk %.3f", retrieved.documents.first?.score ?? 0) + retrieved.evidence.map {
                        String(format: " | %.3f cov %.2f %@", $0.score, $0.coverage, String($0.text.prefix(50)))
                    }.joined())
                }
                if verbose {
                    let mark = outcome.correct ? "ok  " : "MISS"
                    print("\(mark) [\(item.path) \(how)] \(transcript) → \(answer)"
                        + (outcome.unsupported.isEmpty ? "" : "  (not in evidence: \(outcome.unsupported.joined(separator: ", ")))"))
                }
            }
        }
        report(results, paths: noVoice ? ["text", "misheard"] : ["text", "misheard", "voice"])
    }

    /// The seed's way: the top three chunks, the plain prompt, temperature 0, whatever the model says, spoken.
    func baseline(_ question: String, stack: LiveStack) async throws -> (String, [String]) {
        let retrieved = try await stack.knowledge.retrieve(RetrieveRequest(query: question, top_k: 3))
        let context = retrieved.documents.map { ContextItem(text: $0.text, source: $0.source) }
        let (messages, parameters) = try stack.responder.plan(RespondRequest(query: question, context: context),
                                                              prompt: Self.plainPrompt)
        var text = ""
        for try await event in try await stack.responder.backend.generate(messages, parameters: parameters, stop: nil) {
            if case .text(let piece) = event { text += piece }
        }
        let answer = SpokenAnswerFilter.spoken(text)
        _ = try await stack.speaker.speak(text: answer.isEmpty ? "I don't know." : answer, voice: nil)
        return (answer, context.map(\.text))
    }

    struct Outcome {
        let question: EvalSet.Question
        let transcript: String
        let answer: String
        let evidence: [String]
        let notCovered: Bool
        let milliseconds: Double

        /// Numbers and names in the answer that its evidence does not state.
        var unsupported: [String] { notCovered ? [] : GroundednessGuard(evidence: evidence).unsupported(in: answer) }

        /// Answerable: not "not covered", and every expected fact is in the answer ("ten seconds" matches "10
        /// seconds"). Unanswerable: said it is not covered.
        var correct: Bool {
            guard question.answerable else { return notCovered }
            guard !notCovered else { return false }
            let said = GroundednessGuard(evidence: [answer])
            return question.expected_facts.allSatisfy { fact in
                answer.localizedCaseInsensitiveContains(fact)
                    || (said.unsupported(in: fact).isEmpty && fact.split(separator: " ").allSatisfy { word in
                        Int(word) != nil || SpokenNumbers.isNumberWord(String(word)) || answer.localizedCaseInsensitiveContains(word)
                    })
            }
        }
    }

    func report(_ results: [String: [Outcome]], paths: [String]) {
        print("\nanswer quality on knowledge/eval.json (SmolLM2-135M; ours = evidence sentences + guard + abstention)")
        let widths = [26] + Array(repeating: 13, count: paths.count * 2)
        print(row(["questions"] + paths.flatMap { ["\($0) ours", "\($0) plain"] }, widths: widths))
        func cells(_ body: ([Outcome]) -> String) -> [String] {
            paths.flatMap { path in ["ours", "plain"].map { body(results["\(path)/\($0)"] ?? []) } }
        }
        func share(_ part: Int, _ whole: Int) -> String {
            whole == 0 ? "–" : String(format: "%d/%d %3.0f%%", part, whole, 100 * Double(part) / Double(whole))
        }
        print(row(["answerable, correct"] + cells { outcomes in
            let answerable = outcomes.filter(\.question.answerable)
            return share(answerable.filter(\.correct).count, answerable.count)
        }, widths: widths))
        print(row(["unanswerable, abstained"] + cells { outcomes in
            let unanswerable = outcomes.filter { !$0.question.answerable }
            return share(unanswerable.filter(\.correct).count, unanswerable.count)
        }, widths: widths))
        print(row(["hallucination (unsupported)"] + cells { outcomes in
            share(outcomes.filter { !$0.unsupported.isEmpty }.count, outcomes.count)
        }, widths: widths))
        print(row(["median latency"] + cells { outcomes in
            let sorted = outcomes.map(\.milliseconds).sorted()
            return sorted.isEmpty ? "–" : String(format: "%.0f ms", sorted[sorted.count / 2])
        }, widths: widths))
    }
}
